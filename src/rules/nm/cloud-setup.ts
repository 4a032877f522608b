/**
 * nm/cloud-setup: nm-cloud-setup (RHEL 8.4+ cloud images) runs on a Kubernetes node. It adds policy
 * routing rules and tables for the cloud NICs' addresses that capture the return traffic of pods, so
 * host-to-pod and pod-to-pod traffic breaks (projectcalico/calico#4662, rancher/rke2#1053); RKE2 and
 * Calico tell users to disable it and reboot.
 */
import type { Host } from '../../model/host.js';
import { cniDeviceOf } from '../../model/cni-devices.js';
import { maskOf, unitOn } from '../../model/services.js';
import type { Evidence, Finding, Rule } from '../types.js';

const ID = 'nm/cloud-setup';

/** nm-cloud-setup's routing tables: 30200 + n (the NIC's subnet) and 30400 + n (its default route), n the NIC's index. */
function cloudSetupRoutes(host: Host) {
  return host.routes.filter((r) => {
    const t = Number(r.table);
    return r.family === 'inet' && ((t >= 30200 && t < 30350) || (t >= 30400 && t < 30600));
  });
}

export const cloudSetup: Rule = {
  meta: {
    id: ID,
    title: 'nm-cloud-setup adds policy routes that capture pod traffic',
    severity: 'warning',
    references: [
      'projectcalico/calico#4662 (nm-cloud-setup "adds a ip rule table which breaks the local connectivity host<-->pod")',
      'rancher/rke2#1053 (RHEL 8.4); RKE2 docs: Known issues, NetworkManager (disable nm-cloud-setup and reboot)',
      'NetworkManager: nm-cloud-setup(8)',
    ],
  },
  check(host: Host): Finding[] {
    const units = ['nm-cloud-setup.timer', 'nm-cloud-setup.service'] as const;
    // Both masked: the fix is in place; the rules it added go at the next reboot.
    if (units.every((u) => maskOf(host, u))) return [];
    const on = units.map((u) => unitOn(host, u)).filter((e) => e !== null);
    const tables = cloudSetupRoutes(host);
    if (on.length === 0 && tables.length === 0) return [];
    const cni = host.interfaces.filter((i) => cniDeviceOf(i.name));
    if (cni.length === 0) return [];
    const evidence: Evidence[] = [
      ...on,
      { message: `this is a Kubernetes node: ${cni.slice(0, 4).map((i) => i.name).join(', ')}${cni.length > 4 ? `, ... (${cni.length} CNI devices)` : ''}`, interface: cni[0]!.name },
      ...tables.slice(0, 3).map((r) => ({
        message: `${r.dst} via ${r.gateway ?? r.dev ?? '?'} in table ${r.table}: nm-cloud-setup's tables (30200 + n, 30400 + n), each with a policy rule "from <node address> lookup" it`,
        ...(r.dev ? { interface: r.dev } : {}), field: 'table', value: r.table,
      })),
    ];
    return [{
      ruleId: ID,
      severity: 'warning',
      message: 'nm-cloud-setup is enabled on a Kubernetes node: it adds policy routing rules for the node\'s cloud addresses that send pods\' return traffic out of the wrong table; disable it (mask both units) and reboot',
      evidence,
      fixes: [{
        title: 'Mask nm-cloud-setup.service and nm-cloud-setup.timer (empty unit files in /etc/systemd/system mask them), then reboot to drop the rules it added',
        files: [
          { path: '/etc/systemd/system/nm-cloud-setup.service', content: '' },
          { path: '/etc/systemd/system/nm-cloud-setup.timer', content: '' },
        ],
        commands: ['systemctl disable --now nm-cloud-setup.service nm-cloud-setup.timer', 'systemctl daemon-reload', 'reboot   # the policy rules and tables it added stay until then'],
      }],
    }];
  },
};

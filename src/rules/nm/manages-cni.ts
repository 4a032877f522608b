/**
 * nm/manages-cni: NetworkManager runs on the node and would take over a device a CNI (or kube-proxy)
 * created: it assumes a software device once that is UP with an address, and then rewrites its
 * addresses and routes, runs DHCP on it or takes it down and up (field-traps.md 6: kubespray#7037,
 * typhoon#1007, calico#3271, rke2#786). The fix is the exclusion Calico and RKE2 document.
 */
import type { Host } from '../../model/host.js';
import { joinSpecs, loadNmConfig, NM_CONF_DIRS, type NmConfig } from '../../model/networkmanager/config.js';
import { CNI_PROJECTS, cniDeviceOf, type CniProject } from '../../model/cni-devices.js';
import { familySpecs } from '../../model/networkmanager/cni.js';
import { nmDecision } from '../../model/networkmanager/manage.js';
import { splitSpecs } from '../../model/networkmanager/spec.js';
import { activeState, maskOf } from '../../model/services.js';
import type { Interface } from '../../snapshot/schema.js';
import type { Evidence, Finding, Fix, Rule } from '../types.js';

const ID = 'nm/manages-cni';
export const NM_FIX_PATH = `${NM_CONF_DIRS.etc}/99-unmanaged-cni.conf`;

/** Whether NetworkManager runs, as far as the snapshot tells: null when it is known not to. */
export function nmRunning(host: Host, config: NmConfig): Evidence | null {
  if (config.files.length === 0 || maskOf(host, 'NetworkManager.service')) return null;
  const active = activeState(host, 'NetworkManager.service');
  if (active.state === 'inactive' || active.state === 'failed') return null;
  return active.state === 'unknown'
    ? { message: `NetworkManager's configuration is on the node (${config.files.join(', ')}); whether it runs was not recorded` }
    : { message: `NetworkManager.service is ${active.state} (${active.source})` };
}

export const managesCni: Rule = {
  meta: {
    id: ID,
    title: 'NetworkManager would manage a CNI\'s interface',
    severity: 'warning',
    references: [
      'NetworkManager.conf(5): unmanaged-devices, [device] managed=, Device List Format',
      'Calico docs: Configure NetworkManager (unmanaged-devices for cali*, tunl*, vxlan.calico, wireguard.cali)',
      'RKE2 docs: Known issues, NetworkManager (rke2-canal.conf)',
      'kubernetes-sigs/kubespray#7037, poseidon/typhoon#1007, projectcalico/calico#3271, rancher/rke2#786',
    ],
  },
  check(host: Host): Finding[] {
    const config = loadNmConfig(host);
    const running = nmRunning(host, config);
    if (!running || config.refused) return [];
    const managed = host.interfaces.flatMap((iface) => {
      const family = cniDeviceOf(iface.name)?.project;
      const decision = family ? nmDecision(host, config, iface) : null;
      return family && decision?.managed ? [{ iface, family, decision }] : [];
    });
    if (managed.length === 0) return [];
    const fix = exclusionFix(config, [...new Set(managed.map((m) => m.family))]);
    return managed.map(({ iface, family, decision }) => ({
      ruleId: ID,
      severity: 'warning' as const,
      interface: iface.name,
      message: `NetworkManager would manage ${iface.name}, which ${family.project} created: ${decision.reason}. It then rewrites its addresses and routes, may run DHCP on it or take it down and up; exclude ${family.project}'s devices in [keyfile] unmanaged-devices=`,
      evidence: [
        running,
        { message: `${iface.name}: ${describe(iface)}`, interface: iface.name, field: 'state', value: iface.operstate ?? 'unknown' },
        { message: `NetworkManager's decision: ${decision.reason}`, interface: iface.name, ...(decision.origin ?? {}) },
        ...unmanagedEvidence(config),
      ],
      fixes: [fix],
    }));
  },
};

function describe(iface: Interface): string {
  const addrs = iface.addresses.filter((a) => a.family === 'inet' || !a.local.toLowerCase().startsWith('fe80')).map((a) => `${a.local}/${a.prefixlen}`);
  return `${iface.kind ?? 'hardware'} device, ${iface.flags.includes('UP') ? 'UP' : 'down'}${addrs.length ? `, ${addrs.join(' ')}` : ''}${iface.master ? `, port of ${iface.master}` : ''}`;
}

function unmanagedEvidence(config: NmConfig): Evidence[] {
  const v = config.values.get('keyfile')?.get('unmanaged-devices');
  return v ? [{ message: `[keyfile] unmanaged-devices=${v.value} does not cover it`, ...v.origin }] : [{ message: 'no [keyfile] unmanaged-devices= is set in any file read' }];
}

/** The documented exclusion, keeping the specs already excluded (a later file replaces the whole value). */
export function exclusionFix(config: NmConfig, families: readonly CniProject[]): Fix {
  const current = config.values.get('keyfile')?.get('unmanaged-devices');
  const kept = current ? splitSpecs(current.value) : [];
  const ordered = CNI_PROJECTS.filter((f) => families.includes(f));
  const specs = [...kept, ...familySpecs(ordered).filter((s) => !kept.includes(s))];
  return {
    title: `Tell NetworkManager to leave ${ordered.map((f) => f.project).join(', ')}'s devices alone (${NM_FIX_PATH}${kept.length ? ', keeping the devices already excluded' : ''})`,
    files: [{ path: NM_FIX_PATH, content: `[keyfile]\nunmanaged-devices=${joinSpecs(specs, ';')}\n` }],
    commands: ['systemctl reload NetworkManager', 'nmcli -t -f DEVICE,STATE device   # the CNI devices now show "unmanaged"'],
  };
}

/**
 * vpp/networkmanager-tap: NetworkManager runs on the node and nothing keeps it from re-processing the
 * tap that replaces the uplink: it drops the DNS configuration of the uplink (and with DHCP, the
 * lease can go too). Calico/VPP docs/install/NetworkManager.md; its NetworkManager hook
 * (vpp-manager/hooks/network_manager_hook.go, CALICOVPP_ENABLE_NETWORK_MANAGER_HOOK, default on)
 * adds dns=none to NetworkManager.conf before VPP starts.
 */
import type { Host } from '../../model/host.js';
import { calicoVppView } from '../../model/vpp/view.js';
import { parseUnitFile } from '../../sources/unitfile.js';
import type { Evidence, Finding, Rule } from '../types.js';

const ID = 'vpp/networkmanager-tap';
const NM_CONF = '/etc/NetworkManager/NetworkManager.conf';
const FIX_PATH = '/etc/NetworkManager/conf.d/90-calico-vpp-dns-none.conf';

interface NmSetting { value: string; file: string; line: number }

/** NetworkManager.conf, then conf.d in name order: a later file overrides a key. */
function nmSettings(host: Host): { dns: NmSetting | null; unmanaged: NmSetting | null; files: string[] } {
  const files = [host.file(NM_CONF), ...['/usr/lib/NetworkManager/conf.d', '/run/NetworkManager/conf.d', '/etc/NetworkManager/conf.d']
    .flatMap((d) => host.filesUnder(d)).filter((f) => f.path.endsWith('.conf')).sort((a, b) => (basename(a.path) < basename(b.path) ? -1 : 1))]
    .filter((f): f is NonNullable<typeof f> => !!f && f.content !== null);
  let dns: NmSetting | null = null;
  let unmanaged: NmSetting | null = null;
  for (const f of files) {
    for (const a of parseUnitFile(f.path, f.content!).assignments) {
      if (a.section === 'main' && a.key === 'dns') dns = { value: a.value.trim(), file: f.path, line: a.line };
      if (a.section === 'keyfile' && a.key === 'unmanaged-devices') unmanaged = { value: a.value.trim(), file: f.path, line: a.line };
    }
  }
  return { dns, unmanaged, files: files.map((f) => f.path) };
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Does an unmanaged-devices spec list cover the tap (interface-name:, mac:, driver:tun, type:tun)? */
function coversTap(spec: string, name: string, mac: string | null): boolean {
  return spec.split(/[;,]/).map((s) => s.trim()).some((s) => s === `interface-name:${name}` || (mac !== null && s.toLowerCase() === `mac:${mac}`) ||
    s === 'driver:tun' || s === 'type:tun' || s === '*' || s === 'interface-name:*' ||
    (s.startsWith('interface-name:') && new RegExp(`^${s.slice(15).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(name)));
}

export const networkManagerTap: Rule = {
  meta: {
    id: ID,
    title: 'NetworkManager will re-process the Calico/VPP tap and drop the uplink\'s DNS',
    severity: 'warning',
    references: [
      'projectcalico/vpp-dataplane docs/install/NetworkManager.md',
      'projectcalico/vpp-dataplane vpp-manager/hooks/network_manager_hook.go (adds dns=none)',
      'projectcalico/vpp-dataplane issues #688, #651, #138, #333, #584 (DNS lost on the node)',
    ],
  },
  check(host: Host): Finding[] {
    const view = calicoVppView(host);
    const iface = view.tap ?? view.nic;
    if (!view.uplinkName || !iface) return [];
    const nm = nmSettings(host);
    if (nm.files.length === 0) return [];
    if (nm.dns?.value === 'none') return [];
    if (nm.unmanaged && coversTap(nm.unmanaged.value, view.uplinkName, iface.mac)) return [];
    const hook = view.inputs.config?.value.networkManagerHook ?? true;
    const dhcp = host.routes.some((r) => r.dev === view.uplinkName && r.protocol === 'dhcp');
    const evidence: Evidence[] = [
      { message: `NetworkManager configuration is present (${nm.files.join(', ')})${nm.dns ? `; dns=${nm.dns.value}` : '; no dns= setting (NetworkManager manages DNS)'}`, ...(nm.dns ? { file: nm.dns.file, line: nm.dns.line } : { file: nm.files[0]! }) },
      ...(nm.unmanaged ? [{ message: `unmanaged-devices=${nm.unmanaged.value} does not cover ${view.uplinkName}`, file: nm.unmanaged.file, line: nm.unmanaged.line }] : []),
      ...(dhcp ? [{ message: `${view.uplinkName}'s routes come from DHCP (proto dhcp): the lease is at risk too`, interface: view.uplinkName }] : []),
    ];
    if (hook) {
      evidence.push({ message: 'Calico/VPP\'s NetworkManager hook (CALICOVPP_ENABLE_NETWORK_MANAGER_HOOK, on by default) adds dns=none to NetworkManager.conf and restarts NetworkManager when VPP starts', ...(view.inputs.config ? { file: view.inputs.config.source } : {}) });
    }
    return [{
      ruleId: ID,
      severity: hook ? 'note' : 'warning',
      interface: view.uplinkName,
      message: `NetworkManager manages DNS on this node and will re-process ${view.uplinkName} when VPP replaces it with a tap: the uplink's DNS configuration is dropped${dhcp ? ' and its DHCP lease may not be renewed' : ''}` +
        (hook ? '; the Calico/VPP hook sets dns=none at start-up, so resolvers must then be written statically' : ' (the Calico/VPP NetworkManager hook is disabled)'),
      evidence,
      fixes: [{
        title: `Stop NetworkManager from rewriting DNS (${FIX_PATH}) and set the resolvers yourself; on systemd-resolved systems set them on the connection instead (nmcli connection modify ... ipv4.ignore-auto-dns yes ipv4.dns ...)`,
        files: [{ path: FIX_PATH, content: '[main]\ndns=none\n' }],
        commands: ['systemctl reload NetworkManager', "printf 'nameserver <resolver>\\n' > /etc/resolv.conf   # where NetworkManager wrote it"],
      }],
    }];
  },
};

/**
 * vpp/networkmanager-tap: NetworkManager runs on the node and nothing keeps it from re-processing the
 * tap that replaces the uplink: it drops the DNS configuration of the uplink (and with DHCP, the
 * lease can go too). Calico/VPP docs/install/NetworkManager.md; its NetworkManager hook
 * (vpp-manager/hooks/network_manager_hook.go, CALICOVPP_ENABLE_NETWORK_MANAGER_HOOK, default on)
 * adds dns=none to NetworkManager.conf before VPP starts.
 */
import type { Host } from '../../model/host.js';
import { calicoVppView } from '../../model/vpp/view.js';
import { loadNmConfig, nmValue } from '../../model/networkmanager/config.js';
import { matchSpecs, splitSpecs, type NmDeviceFacts } from '../../model/networkmanager/spec.js';
import type { Evidence, Finding, Rule } from '../types.js';

const ID = 'vpp/networkmanager-tap';
const FIX_PATH = '/etc/NetworkManager/conf.d/90-calico-vpp-dns-none.conf';

/** The tap as NetworkManager will see it: a tun device of the uplink's name and MAC. */
function tapFacts(name: string, mac: string | null): NmDeviceFacts {
  return { name, mac, type: 'tun', driver: 'tun' };
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
    const config = loadNmConfig(host);
    if (config.files.length === 0) return [];
    const dnsValue = nmValue(config, 'main', 'dns');
    const unmanagedValue = nmValue(config, 'keyfile', 'unmanaged-devices');
    const nm = {
      files: config.files,
      dns: dnsValue ? { value: dnsValue.value.trim(), ...dnsValue.origin } : null,
      unmanaged: unmanagedValue ? { value: unmanagedValue.value.trim(), ...unmanagedValue.origin } : null,
    };
    if (nm.dns?.value === 'none') return [];
    if (nm.unmanaged && matchSpecs(splitSpecs(nm.unmanaged.value), tapFacts(view.uplinkName, iface.mac)).result === 'match') return [];
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

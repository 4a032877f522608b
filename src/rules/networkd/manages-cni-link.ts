/**
 * networkd/manages-cni-link: a systemd-networkd `.network` file takes a link a CNI created (cali*,
 * cilium_*, flannel.1, vxlan.calico, tunl0, veth*, ...), usually through a catch-all [Match] (Name=*,
 * Type=ether, Virtualization=vmware). networkd then configures the link as its own: it runs DHCP on
 * it if the file says so, and on every restart or reconfigure removes the addresses and routes the
 * CNI put there (projectcalico/calico#2471, flatcar/init#56; field-traps.md §5).
 */
import type { Host } from '../../model/host.js';
import {
  loadNetworkd, matchLines, networkForLink, restartEffect,
  type LinkNetwork, type LoadedNetworkConfig, type NetworkdConfig, type RestartEffect,
} from '../../model/networkd/index.js';
import { describeOwner, hostDeviceOf } from '../../model/cni-devices.js';
import { describeRoute } from '../../model/fib.js';
import type { Evidence, Finding, Fix, Rule } from '../types.js';

const ID = 'networkd/manages-cni-link';
const MAX_LINKS_SHOWN = 8;
const FIX_NAME = 'hostnet-cni-unmanaged.network';

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** What networkd does to the link, in words; empty when it only takes it over. */
function consequences(ln: LinkNetwork, effect: RestartEffect): string[] {
  const s = ln.network!.settings;
  const out: string[] = [];
  if (s.dhcp && s.dhcp.value !== 'no') out.push(`runs a DHCP client on it (DHCP=${s.dhcp.value} at ${baseOf(s.dhcp.file)}:${s.dhcp.line})`);
  const addresses = effect.addresses.filter((a) => a.by.iface.name === ln.iface.name).map((a) => `${a.address.local}/${a.address.prefixlen}`);
  if (addresses.length) out.push(`removes its address${addresses.length > 1 ? 'es' : ''} ${addresses.join(', ')}`);
  const routes = effect.routes.filter((r) => r.route.dev === ln.iface.name).map((r) => describeRoute(r.route, { protocol: true }));
  if (routes.length) out.push(`removes ${routes.length} route${routes.length > 1 ? 's' : ''} through it (${routes.slice(0, 3).join('; ')}${routes.length > 3 ? '; ...' : ''})`);
  return out;
}

/** A file name that sorts before `before`, so networkd tries it first. */
function fixFileName(before: string): string {
  const candidates = ['00-', '0-', '-', '+'].map((p) => `${p}${FIX_NAME}`);
  return candidates.find((c) => c < before) ?? candidates[0]!;
}

function unmanagedFix(links: readonly LinkNetwork[], cfg: NetworkdConfig): Fix {
  const patterns = [...new Set(links.map((l) => hostDeviceOf(l.iface.name)!.device.glob))];
  const first = cfg.networks.map((n) => baseOf(n.path)).sort()[0] ?? FIX_NAME;
  const path = `/etc/systemd/network/${fixFileName(first)}`;
  const content = [
    '# Links a CNI creates and configures itself: systemd-networkd leaves them alone',
    '# (hostnet networkd/manages-cni-link). Tried before every other .network file.',
    '[Match]',
    `Name=${patterns.join(' ')}`,
    '',
    '[Link]',
    'Unmanaged=yes',
    '',
  ].join('\n');
  return {
    title: `Make the CNI's links unmanaged: ${path} matches ${patterns.join(' ')} before any other .network file`,
    files: [{ path, content }],
    commands: ['networkctl reload', `networkctl list   # ${links[0]!.iface.name}: SETUP "unmanaged"`],
    testedBy: {
      detail: 'a .network with Unmanaged=yes sorting before a Name=* file makes the real systemd-networkd 252 and 257 leave the cali* link, its route included, alone',
      test: 'test/system/networkd-daemon.test.ts',
    },
  };
}

function finding(network: LoadedNetworkConfig, links: LinkNetwork[], effect: RestartEffect, cfg: NetworkdConfig): Finding {
  const harmed = links.map((l) => ({ l, what: consequences(l, effect) }));
  const severe = harmed.some((h) => h.what.length > 0);
  const match = matchLines(network);
  const names = links.map((l) => l.iface.name);
  const shown = names.slice(0, MAX_LINKS_SHOWN).join(', ') + (names.length > MAX_LINKS_SHOWN ? ` and ${names.length - MAX_LINKS_SHOWN} more` : '');
  const owners = [...new Set(links.map((l) => describeOwner(hostDeviceOf(l.iface.name)!)))].join(', ');
  const evidence: Evidence[] = [
    ...match.map((m) => ({ message: `[Match] ${m.key}= takes the link${names.length > 1 ? 's' : ''}`, file: m.file, line: m.line })),
    ...harmed.slice(0, MAX_LINKS_SHOWN).map(({ l, what }) => ({
      message: `${l.iface.name} (${describeOwner(hostDeviceOf(l.iface.name)!)}): ${what.length ? `networkd ${what.join('; ')}` : 'configured by networkd (link-local addressing, ActivationPolicy, MTU of the file) and reconfigured on every restart'}`,
      interface: l.iface.name,
    })),
  ];
  if (match.length === 0) evidence.unshift({ message: `${network.path} has no [Match] key that refuses the link`, file: network.path, line: 1 });
  return {
    ruleId: ID,
    severity: severe ? 'error' : 'warning',
    interface: names[0]!,
    message: `${network.path} makes systemd-networkd manage ${shown} (${owners})` +
      (severe ? ': on a restart or reconfigure (netplan apply, an upgrade) it undoes what the CNI configured there' : ': networkd configures links the CNI owns'),
    evidence,
    fixes: [unmanagedFix(links, cfg)],
  };
}

export const managesCniLink: Rule = {
  meta: {
    id: ID,
    title: 'A systemd-networkd .network file takes a link the CNI owns',
    severity: 'error',
    references: [
      'systemd.network(5) [Match], [Link] Unmanaged=',
      'projectcalico/calico#2471 (cali* matched by Virtualization=vmware)',
      'flatcar/init#56 (catch-all .network excludes CNI devices by kind)',
      'reference/field-traps.md §5',
    ],
  },
  check(host: Host): Finding[] {
    const cfg = loadNetworkd(host);
    if (cfg.networks.length === 0) return [];
    const taken = host.interfaces.filter((i) => hostDeviceOf(i.name) !== null)
      .map((i) => networkForLink(host, cfg, i))
      .filter((ln) => ln.managed);
    if (taken.length === 0) return [];
    const effect = restartEffect(host, cfg);
    const byFile = new Map<string, LinkNetwork[]>();
    for (const ln of taken) byFile.set(ln.network!.path, [...(byFile.get(ln.network!.path) ?? []), ln]);
    return [...byFile.values()].map((links) => finding(links[0]!.network!, links, effect, cfg));
  },
};

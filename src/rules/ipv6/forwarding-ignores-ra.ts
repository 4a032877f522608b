/**
 * ipv6/forwarding-ignores-ra: an interface that takes its IPv6 setup from router advertisements no
 * longer acts on them because IPv6 forwarding is on, so the RA-learned default route goes (at once, or
 * when its lifetime runs out) and the SLAAC addresses expire; IPv6 egress dies while IPv4 works.
 * Where the kernel acts on RAs: forwarding=1 with accept_ra=1, typically after Docker, Cilium or k3s
 * turned forwarding on. Where systemd-networkd does (it sets accept_ra to 0): its IPv6AcceptRA= left
 * unset while networkd itself forwards, which turns the default off; the kernel's sysctls do not matter there.
 */
import type { Host } from '../../model/host.js';
import { raInterfaces, type RaInterface } from '../../model/ipv6/ra.js';
import type { Address } from '../../snapshot/schema.js';
import type { Evidence, Finding, Fix, Rule } from '../types.js';

const ID = 'ipv6/forwarding-ignores-ra';
const SYSCTL_FILE = '/etc/sysctl.d/90-hostnet-accept-ra.conf';
const DROPIN = '90-hostnet-accept-ra.conf';

export const forwardingIgnoresRa: Rule = {
  meta: {
    id: ID,
    title: 'IPv6 forwarding is on where router advertisements configure the interface: they are ignored and the default route goes',
    severity: 'error',
    references: [
      'reference/field-traps.md section 4 (docker/for-linux #1373, #844; cilium/cilium #21819; siderolabs/talos PR #4939; k3s #5019)',
      'Documentation/networking/ip-sysctl.rst: accept_ra (2: accept even if forwarding is enabled)',
      'systemd.network(5) IPv6AcceptRA= (off by default where networkd forwards IPv6: systemd PR #39401, issues #27639, #40322)',
      'docs/rules/ipv6-forwarding-ignores-ra.md',
    ],
  },
  check(host: Host): Finding[] {
    const all = raInterfaces(host);
    const kernel = all.filter(kernelTrapped);
    // One sysctl.d file for the host, naming every such interface: each finding's fix writes the same file.
    const file = { path: SYSCTL_FILE, content: sysctlFile(kernel) };
    return [
      ...kernel.map((i) => kernelFinding(host, i, file)),
      ...all.filter(networkdTrapped).map((i) => networkdFinding(host, i)),
    ];
  },
};

/** What an RA left on the interface: routes or SLAAC addresses. */
const fromRa = (i: RaInterface): boolean => i.raRoutes.length > 0 || i.slaac.length > 0;

function kernelTrapped(i: RaInterface): boolean {
  return i.networkd === null && fromRa(i) && i.forwarding === 1 && i.acceptRa === 1;
}

/** DHCP= asks for DHCPv6, which gives addresses but never a default route: that needs the RAs. */
function wantsDhcpv6(i: RaInterface): boolean {
  const dhcp = i.networkd?.link.network?.settings.dhcp?.value;
  return dhcp === 'yes' || dhcp === 'ipv6';
}

function networkdTrapped(i: RaInterface): boolean {
  return i.networkd !== null && !i.networkd.ra.accepts && i.networkd.ra.reason === 'forwarding' && (fromRa(i) || wantsDhcpv6(i));
}

function otherDefaultRoute(host: Host): boolean {
  return host.routes.some((r) => r.family === 'inet6' && r.dst === 'default' && r.table === 'main' && r.type === 'unicast' && r.protocol !== 'ra');
}

/** What is left of the RA's work and what becomes of it. */
function state(host: Host, i: RaInterface): string {
  const route = i.defaultRoute
    ? `its RA-learned default route (expires in ${i.defaultRoute.expires ?? '?'} s) will not be renewed`
    : `${fromRa(i) ? 'its RA-learned default route is gone' : 'no RA will install an IPv6 default route'}${otherDefaultRoute(host) ? '' : ' and there is no other IPv6 default route'}`;
  const soonest = Math.min(...i.slaac.map((a) => a.validLifetime ?? Infinity));
  const slaac = i.slaac.length ? `; its SLAAC address${i.slaac.length > 1 ? 'es' : ''} (${i.slaac.map((a) => a.local).join(', ')}) ${soonest < Infinity ? `expire${i.slaac.length > 1 ? '' : 's'} in ${soonest} s` : 'will not be refreshed'}` : '';
  return route + slaac;
}

function severityOf(host: Host, i: RaInterface): Finding['severity'] {
  return i.defaultRoute || !otherDefaultRoute(host) ? 'error' : 'warning';
}

function raEvidence(i: RaInterface): Evidence[] {
  return [
    ...i.raRoutes.map((r) => ({ message: `learnt from a router advertisement: ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} proto ${r.protocol ?? '?'}${r.expires != null ? ` expires ${r.expires}s` : ''}`, interface: i.name })),
    ...i.slaac.map((a) => ({ message: `SLAAC address from a router advertisement's prefix: ${a.local}/${a.prefixlen} ${slaacLifetime(a)}`, interface: i.name })),
  ];
}

function slaacLifetime(a: Address): string {
  const flags = (a.flags ?? []).join(' ');
  const valid = a.validLifetime === undefined ? 'valid forever' : `valid ${a.validLifetime} s`;
  const preferred = a.preferredLifetime === undefined ? '' : `, preferred ${a.preferredLifetime} s`;
  return `(${flags}; ${valid}${preferred}; no RA will renew it)`;
}

function kernelFinding(host: Host, i: RaInterface, file: { path: string; content: string }): Finding {
  const netns = host.snapshot.scope.netns;
  const inNs = (cmd: string) => (netns ? `ip netns exec ${netns} ${cmd}` : cmd);
  return {
    ruleId: ID,
    severity: severityOf(host, i),
    interface: i.name,
    message: `${i.name} was configured by router advertisements but has net.ipv6.conf.${i.name}.forwarding=1 and accept_ra=1: the kernel ignores RAs there, so ${state(host, i)}; IPv6 egress dies while IPv4 works`,
    evidence: [
      { message: 'forwarding is on: with accept_ra=1 the kernel drops router advertisements', interface: i.name, field: `net.ipv6.conf.${i.name}.forwarding`, value: String(i.forwarding) },
      { message: 'accept_ra is 1 (2 would accept them with forwarding on)', interface: i.name, field: `net.ipv6.conf.${i.name}.accept_ra`, value: String(i.acceptRa) },
      ...raEvidence(i),
    ],
    fixes: [{
      title: 'Accept router advertisements with forwarding on (accept_ra=2) on the interfaces that get their IPv6 setup from them, now and at boot',
      files: [file],
      commands: [inNs(`sysctl -w net.ipv6.conf.${i.name.replaceAll('.', '/')}.accept_ra=2`)],
      verifyBy: [],
      testedBy: { detail: 'the file loaded for real (sysctl -p) with forwarding on; the next router advertisement from a peer namespace installs the default route again', test: 'test/system/ipv6-ra.test.ts' },
    }],
  };
}

function sysctlFile(trapped: RaInterface[]): string {
  return `# Written by hostnet (${ID}): these interfaces get their IPv6 default route from router
# advertisements and IPv6 forwarding is on; accept_ra=2 makes the kernel keep accepting them.
${trapped.map((i) => `net.ipv6.conf.${i.name.replaceAll('.', '/')}.accept_ra = 2`).join('\n')}
`;
}

function networkdFinding(host: Host, i: RaInterface): Finding {
  const { link, ra } = i.networkd!;
  const network = link.network!;
  const setting = ra.setting!;
  return {
    ruleId: ID,
    severity: severityOf(host, i),
    interface: i.name,
    message: `systemd-networkd configures ${i.name} (${network.path}) and forwards IPv6 there (${setting.value}), so with IPv6AcceptRA= unset it ignores router advertisements: ${state(host, i)}; IPv6 egress dies while IPv4 works`,
    evidence: [
      { message: `networkd acts on router advertisements here in user space (the kernel's accept_ra is ${i.acceptRa ?? 'not recorded'}): its IPv6AcceptRA= decides, not the kernel's sysctls`, file: network.path, interface: i.name },
      { message: `${setting.value}: networkd forwards IPv6 on the link, which turns the IPv6AcceptRA= default off`, file: setting.file, line: setting.line },
      { message: 'IPv6AcceptRA= is not set for the link', file: network.path },
      ...(wantsDhcpv6(i) ? [{ message: `DHCP=${network.settings.dhcp!.value}: DHCPv6 gives addresses, never the default route; that comes from router advertisements`, file: network.settings.dhcp!.file, line: network.settings.dhcp!.line }] : []),
      ...raEvidence(i),
    ],
    fixes: [networkdFix(i.name, network.path)],
  };
}

/** A drop-in for the `.network` that configures the link, in /etc where drop-ins of any directory are read. */
function networkdFix(name: string, networkPath: string): Fix {
  const unit = networkPath.slice(networkPath.lastIndexOf('/') + 1);
  const path = `/etc/systemd/network/${unit}.d/${DROPIN}`;
  return {
    title: `Tell systemd-networkd to take router advertisements on ${name} although it forwards IPv6: IPv6AcceptRA=yes in ${path}`,
    files: [{ path, content: `# Written by hostnet (${ID}): ${name} gets its IPv6 default route from router\n# advertisements; networkd ignores them by default where it forwards IPv6.\n[Network]\nIPv6AcceptRA=yes\n` }],
    commands: ['networkctl reload', `networkctl reconfigure ${name}`],
    testedBy: { detail: 'the real systemd-networkd 252 and 257, forwarding IPv6 by their own configuration, take the next router advertisement from a peer namespace with this drop-in and ignore it without', test: 'test/system/networkd-ra.test.ts' },
  };
}

/**
 * ipv6/forwarding-ignores-ra: an interface that took its IPv6 setup from router advertisements has
 * forwarding on and accept_ra at 1, so the kernel now ignores RAs there: the RA-learned default route
 * was removed when forwarding came on (or will not be renewed), and IPv6 egress dies while IPv4 works.
 * Typically after Docker, Cilium or k3s turned forwarding on.
 */
import type { Host } from '../../model/host.js';
import { acceptsRa, raInterfaces, type RaInterface } from '../../model/ipv6/ra.js';
import type { Finding, Rule } from '../types.js';

const ID = 'ipv6/forwarding-ignores-ra';
const SYSCTL_FILE = '/etc/sysctl.d/90-hostnet-accept-ra.conf';

export const forwardingIgnoresRa: Rule = {
  meta: {
    id: ID,
    title: 'IPv6 forwarding is on where router advertisements configured the interface: the kernel ignores them and the default route goes',
    severity: 'error',
    references: [
      'reference/field-traps.md section 4 (docker/for-linux #1373, #844; cilium/cilium #21819; siderolabs/talos PR #4939; k3s #5019)',
      'Documentation/networking/ip-sysctl.rst: accept_ra (2: accept even if forwarding is enabled)',
      'docs/rules/ipv6-forwarding-ignores-ra.md',
    ],
  },
  check(host: Host): Finding[] {
    const trapped = raInterfaces(host).filter((i) => i.raRoutes.length > 0 && i.acceptRa === 1 && !acceptsRa(i.forwarding, i.acceptRa));
    if (trapped.length === 0) return [];
    // One sysctl.d file for the host, naming every such interface: each finding's fix writes the same file.
    const file = { path: SYSCTL_FILE, content: sysctlFile(trapped) };
    return trapped.map((i) => finding(host, i, file));
  },
};

function finding(host: Host, i: RaInterface, file: { path: string; content: string }): Finding {
  const netns = host.snapshot.scope.netns;
  const inNs = (cmd: string) => (netns ? `ip netns exec ${netns} ${cmd}` : cmd);
  const otherDefault = host.routes.some((r) => r.family === 'inet6' && r.dst === 'default' && r.table === 'main' && r.type === 'unicast');
  const state = i.defaultRoute
    ? `its RA-learned default route (expires in ${i.defaultRoute.expires ?? '?'} s) will not be renewed`
    : `its RA-learned default route is gone (forwarding removes it)${otherDefault ? '' : ' and there is no other IPv6 default route'}`;
  return {
    ruleId: ID,
    severity: i.defaultRoute || !otherDefault ? 'error' : 'warning',
    interface: i.name,
    message: `${i.name} was configured by router advertisements but has net.ipv6.conf.${i.name}.forwarding=1 and accept_ra=1: the kernel ignores RAs there, so ${state}; IPv6 egress dies while IPv4 works`,
    evidence: [
      { message: 'forwarding is on: with accept_ra=1 the kernel drops router advertisements', interface: i.name, field: `net.ipv6.conf.${i.name}.forwarding`, value: String(i.forwarding) },
      { message: 'accept_ra is 1 (2 would accept them with forwarding on)', interface: i.name, field: `net.ipv6.conf.${i.name}.accept_ra`, value: String(i.acceptRa) },
      ...i.raRoutes.map((r) => ({ message: `learnt from a router advertisement: ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} proto ${r.protocol ?? '?'}${r.expires != null ? ` expires ${r.expires}s` : ''}`, interface: i.name })),
    ],
    fixes: [{
      title: 'Accept router advertisements with forwarding on (accept_ra=2) on the interfaces that get their IPv6 setup from them, now and at boot',
      files: [file],
      commands: [inNs(`sysctl -w net.ipv6.conf.${i.name.replaceAll('.', '/')}.accept_ra=2`), '# systemd-networkd: IPv6AcceptRA=yes in the interface\'s .network does the same in user space'],
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

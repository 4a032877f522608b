/**
 * arp/unnumbered-unanswered: an interface without an IPv4 address that carries routes (host routes to
 * pods or VMs behind veths or taps) has an effective arp_ignore that refuses to answer for addresses it
 * does not hold itself (1, 2 or 8): a neighbour behind it that uses one of the host's addresses as its
 * gateway never gets an ARP reply (kubernetes #71555, after kube-proxy set all.arp_ignore=1).
 */
import { arpAnswer, ifaddrs } from '../../model/arp/index.js';
import { arpCapable } from '../../model/arp/segment.js';
import { hostDeviceOf } from '../../model/cni-devices.js';
import { describeRoute } from '../../model/fib.js';
import type { Host } from '../../model/host.js';
import { ipv4Conf, maxConf, orConf } from '../../model/sysctl.js';
import type { Route } from '../../snapshot/schema.js';
import type { Finding, Rule } from '../types.js';
import { evidenceFor } from './flux.js';
import { describeSettings, sysctlFix, withSharedFile } from './sysctl-fix.js';

const ID = 'arp/unnumbered-unanswered';
/** CNIs whose pods' ARP for their gateway never reaches the kernel's arp_ignore. */
const ANSWERED_ELSEWHERE = new Set(['Cilium', 'the AWS VPC CNI']);

export const unnumberedUnanswered: Rule = {
  meta: {
    id: ID,
    title: 'An interface without IPv4 address carries routes, and arp_ignore leaves the neighbours behind it unanswered',
    severity: 'error',
    references: [
      'reference/field-traps.md section 9 (kubernetes/kubernetes #71555, PR #70530)',
      'Documentation/networking/ip-sysctl.rst: arp_ignore (the larger of all and the interface is used)',
      'net/ipv4/arp.c arp_ignore; net/ipv4/devinet.c inet_confirm_addr',
      'docs/rules/arp-unnumbered-unanswered.md',
    ],
  },
  check(host: Host): Finding[] {
    return withSharedFile(unansweredInterfaces(host).map((u) => finding(host, u)), '/etc/sysctl.d/90-hostnet-arp-unnumbered.conf',
      'interfaces without IPv4 address answer their neighbours\' requests for host addresses (arp/unnumbered-unanswered).');
  },
};

export interface Unanswered {
  name: string;
  routes: Route[];
  /** The host address a neighbour would use as its gateway, asked for in the model. */
  gateway: string;
  steps: string[];
}

/** A global address of the host a neighbour behind `name` would take as its gateway: the one the route's source says, else the first. */
function gatewayFor(host: Host, routes: Route[]): string | null {
  const prefsrc = routes.find((r) => r.prefsrc)?.prefsrc;
  if (prefsrc) return prefsrc;
  for (const i of [...host.interfaces].sort((a, b) => a.index - b.index)) {
    const global = ifaddrs(i).find((a) => a.scope === 0);
    if (global) return global.local;
  }
  return null;
}

/**
 * Up, ARP-capable interfaces with no IPv4 address and unicast main-table routes through them, where
 * a request from a neighbour routed there for a host address is not answered. Not reported: an
 * interface with proxy_arp and forwarding on (Calico's cali*: the pods' gateway 169.254.1.1 is not a
 * host address and is answered by proxy ARP whatever arp_ignore says), Cilium's lxc* (its eBPF
 * program answers ARP before the kernel sees it) and the AWS VPC CNI's eni* (its pods hold a permanent
 * neighbour entry for their gateway 169.254.1.1 and never ask).
 */
export function unansweredInterfaces(host: Host): Unanswered[] {
  const out: Unanswered[] = [];
  for (const iface of host.interfaces) {
    if (!arpCapable(iface) || ifaddrs(iface).length > 0) continue;
    if (ANSWERED_ELSEWHERE.has(hostDeviceOf(iface.name)?.project.project ?? '')) continue;
    if (orConf(host, iface.name, 'proxy_arp') === true && ipv4Conf(host, iface.name, 'forwarding') === 1) continue;
    const routes = host.routes.filter((r) => r.family === 'inet' && r.type === 'unicast' && r.dev === iface.name && ['main', '254'].includes(r.table) && r.dst !== 'default');
    if (routes.length === 0) continue;
    const gateway = gatewayFor(host, routes);
    if (!gateway) continue;
    const neighbour = routes[0]!.gateway ?? routes[0]!.dst.split('/')[0]!;
    const answer = arpAnswer(host, { iface: iface.name, target: gateway, sender: neighbour });
    if (answer.answers !== false) continue;
    // Only arp_ignore is this rule's: a sender refused by rp_filter is another trap.
    const last = answer.steps[answer.stoppedAt! - 1]!.what;
    if (!last.startsWith('arp_ignore')) continue;
    out.push({ name: iface.name, routes, gateway, steps: answer.steps.map((s) => s.what) });
  }
  return out;
}

function finding(host: Host, u: Unanswered): Finding {
  const ignore = maxConf(host, u.name, 'arp_ignore');
  const fromAll = (ignore.all ?? 0) > 0;
  const uplinks = host.interfaces.filter((i) => arpCapable(i) && ifaddrs(i).some((a) => a.scope === 0 && a.prefixlen < 31)).map((i) => i.name);
  const sysctls: Record<string, string> = fromAll ? { [ignore.names[0]]: '0', [ignore.names[1]]: '0' } : { [ignore.names[1]]: '0' };
  if (fromAll) {
    for (const up of uplinks) sysctls[`net.ipv4.conf.${up.replaceAll('.', '/')}.arp_ignore`] = String(Math.max(ignore.all ?? 1, 1));
  }
  const fix = sysctlFix(host,
    fromAll
      ? `${describeSettings(sysctls)}: ${u.name}'s own value cannot go below all's, so all goes to 0 and the uplinks keep ${Math.max(ignore.all ?? 1, 1)} by their own`
      : describeSettings(sysctls),
    sysctls,
    'a namespace with a route to a peer through an unnumbered veth and all.arp_ignore 1: the peer\'s requests for the host\'s address go unanswered, and after the fix\'s sysctls they are answered',
  );
  return {
    ruleId: ID,
    severity: 'error',
    interface: u.name,
    message: `${u.name} has no IPv4 address but routes ${u.routes.map((r) => r.dst).join(', ')} through it, and arp_ignore ${ignore.value} (max of all ${ignore.all}, ${u.name} ${ignore.own}) answers only for addresses configured on ${u.name}: a neighbour there asking for ${u.gateway} (its gateway) gets no reply${fromAll ? ' (if kube-proxy runs in IPVS mode with strictARP it sets all.arp_ignore=1 again when it starts: turn strictARP off and keep the per-interface values)' : ''}`,
    evidence: [
      ...evidenceFor(host, [u.name]),
      ...u.routes.slice(0, 4).map((r) => ({ message: `route ${describeRoute(r)}`, interface: u.name, field: 'routes', value: describeRoute(r) })),
      { message: `the model: ${u.steps.join(' → ')}`, interface: u.name },
    ],
    fixes: [fix],
  };
}

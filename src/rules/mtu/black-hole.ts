/**
 * mtu/black-hole: somewhere on this host the MTU shrinks with nothing telling the sender: a bridge
 * whose ports' MTUs differ, the two ends of a veth pair that differ, a route whose `mtu` is above its
 * device's. Small packets and health checks pass; large replies, TLS handshakes and bulk transfers hang.
 */
import type { Host } from '../../model/host.js';
import { mtuShrinks, type MtuShrink } from '../../model/mtu/index.js';
import type { Route } from '../../snapshot/schema.js';
import type { Evidence, Finding, Fix, Rule } from '../types.js';

const ID = 'mtu/black-hole';
const TESTED_BY = {
  detail: 'a generated matrix of bridges and veth pairs with differing MTUs in namespaces, pinged with DF set at sizes around every limit, agrees with the model; the fix applied there lets the largest packet of the new MTU pass and larger ones fail loudly (EMSGSIZE) at the sender',
  test: 'test/system/mtu-matrix.test.ts',
};

export const blackHole: Rule = {
  meta: {
    id: ID,
    title: 'Packets above some size vanish: the MTU shrinks without an ICMP or an error to the sender',
    severity: 'error',
    references: [
      'net/core/dev.c is_skb_forwardable (veth receive: MTU + header + one VLAN tag)',
      'net/bridge/br_forward.c br_dev_queue_push_xmit (a frame above the egress port\'s MTU is dropped, no ICMP)',
      'ip-route(8): mtu',
      
    ],
  },
  check(host: Host): Finding[] {
    return mtuShrinks(host).map((s) => finding(host, s));
  },
};

function finding(host: Host, s: MtuShrink): Finding {
  const larger = s.larger.map((l) => `${l.name} (${l.mtu})`).join(', ');
  const message = s.kind === 'bridge-ports'
    ? `bridge ${host.interface(s.device)?.master ?? '?'}: port ${s.device} has MTU ${s.limit} but ${larger} ${s.larger.length === 1 ? 'sends' : 'send'} larger frames: above ${s.limit} bytes they are dropped at ${s.device}'s egress, and a bridge sends no ICMP`
    : s.kind === 'veth-peers'
      ? `veth ${s.device} has MTU ${s.mtu} but its peer ${larger} sends larger packets: above ${s.limit} bytes ${s.device} drops them on receive, silently`
      : `route ${describeRoute(s.route!)} has mtu ${s.larger[0]!.mtu} but ${s.device} has MTU ${s.limit}: the host sends packets its link's other end drops, and takes none that large back`;
  return {
    ruleId: ID,
    severity: 'error',
    message,
    interface: s.device,
    evidence: evidence(host, s),
    fixes: [fixFor(host, s)],
  };
}

function evidence(host: Host, s: MtuShrink): Evidence[] {
  const dev = host.interface(s.device)!;
  const out: Evidence[] = [{ message: `${dev.name} has MTU ${dev.mtu}`, interface: dev.name, field: 'mtu', value: String(dev.mtu) }];
  if (s.route) out.push({ message: `route ${describeRoute(s.route)} mtu ${s.route.mtu}`, field: 'routes', value: describeRoute(s.route) });
  else for (const l of s.larger) out.push({ message: `${l.name} has MTU ${l.mtu}`, interface: l.name, field: 'mtu', value: String(l.mtu) });
  return out;
}

function fixFor(host: Host, s: MtuShrink): Fix {
  if (s.kind === 'route-mtu') {
    const r = s.route!;
    return {
      title: `Make the route's mtu no larger than ${s.device}'s (${s.limit}), or drop it`,
      files: [],
      commands: [`ip route change ${describeRoute(r)} mtu ${s.limit}`],
      testedBy: TESTED_BY,
    };
  }
  // One MTU for the whole segment: the smallest, since the small side is usually what the network
  // (an uplink, a tunnel) allows. A veth end's other end must follow, wherever it lives.
  const lower = s.larger.filter((l) => host.interface(l.name));
  const commands = lower.map((l) => `ip link set ${l.name} mtu ${s.mtu}`);
  const others = lower.map((l) => host.interface(l.name)!).filter((i) => i.kind === 'veth' && i.linkNetns);
  if (others.length) commands.push(`# and the other end of ${others.map((i) => i.name).join(', ')} (in its own namespace): ip link set PEER mtu ${s.mtu}`);
  return {
    title: `Give the segment one MTU: ${s.mtu} on ${lower.map((l) => l.name).join(', ')}${others.length ? ' and their other ends' : ''}`,
    files: [],
    commands,
    changes: lower.map((l) => ({ interface: l.name, set: { mtu: s.mtu } })),
    testedBy: TESTED_BY,
  };
}

function describeRoute(r: Route): string {
  return [r.dst, r.gateway ? `via ${r.gateway}` : null, r.dev ? `dev ${r.dev}` : null, r.table !== 'main' ? `table ${r.table}` : null]
    .filter(Boolean).join(' ');
}

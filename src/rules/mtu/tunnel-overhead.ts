/**
 * mtu/tunnel-overhead: a tunnel whose MTU plus its encapsulation overhead exceeds the underlay it sends
 * on (VXLAN 50, IPIP 20, WireGuard 60, Geneve 50 + options), and pod-facing veths routed into a tunnel
 * larger than the tunnel carries. Its own rule, not a case of mtu/black-hole: the size limit is in the
 * arithmetic of a device's settings, not in two devices' MTUs, what happens past it depends on the
 * tunnel's DF setting and on who sends (the node, a pod), and the fix is the CNI's MTU setting.
 */
import type { Host } from '../../model/host.js';
import { cniDeviceOf } from '../../model/cni-devices.js';
import { crossTunnel, forwardUsesPmtu, MEASURED_KINDS, senderMtu, tunnels, type Tunnel } from '../../model/mtu/tunnel.js';
import type { Evidence, Finding, Fix, Rule, Severity } from '../types.js';

const ID = 'mtu/tunnel-overhead';
const TESTED_BY = {
  detail: 'a generated matrix of two nodes joined by a veth underlay with vxlan devices (df unset/set/inherit, IPv4 and IPv6 underlays) and pods behind them, pinged with DF at every limit from the nodes and the pods, agrees with the model; the fix applied there lets the largest packet through and refuses larger ones at the sender',
  test: 'test/system/tunnel-mtu-matrix.test.ts',
};

export const tunnelOverhead: Rule = {
  meta: {
    id: ID,
    title: 'A tunnel\'s MTU ignores its encapsulation overhead: large packets are fragmented outside, refused, or dropped silently',
    severity: 'error',
    references: [
      'include/net/vxlan.h vxlan_headroom; drivers/net/vxlan/vxlan_core.c vxlan_xmit_one',
      'net/ipv4/ip_tunnel_core.c skb_tunnel_check_pmtu; net/ipv4/ip_tunnel.c tnl_update_pmtu',
      'drivers/net/wireguard/socket.c send4/send6 (ignore_df)',
      'Calico docs: Configure MTU (IP-in-IP 20, VXLAN 50, WireGuard 60 / 80)',
      'flannel-io/flannel #1011; projectcalico/calicoctl #1425',
    ],
  },
  check(host: Host): Finding[] {
    const out: Finding[] = [];
    for (const t of tunnels(host)) {
      const over = overhead(host, t);
      if (over) out.push(over);
      const pods = podVeths(host, t);
      if (pods) out.push(pods);
    }
    return out;
  },
};

const fromSource = (t: Tunnel): string => (MEASURED_KINDS.includes(t.kind) ? '' : ` (${t.kind} is modelled from the kernel source; this test kernel has no ${t.kind})`);

/** The tunnel's own MTU (or its routes' `mtu`) above what the underlay carries. */
function overhead(host: Host, t: Tunnel): Finding | null {
  if (t.carries === null || !t.device.flags.includes('UP')) return null;
  const senders = senderMtu(host, t);
  if (senders.mtu <= t.carries) return null;
  const useP = forwardUsesPmtu(host);
  const fwd = crossTunnel(t, { size: senders.mtu, df: true, origin: 'forwarded', learned: true }, useP);
  const first = crossTunnel(t, { size: senders.mtu, df: true, origin: 'local' });
  const severity: Severity = fwd.kind === 'dropped' ? 'error' : 'warning';
  const outcome = fwd.kind === 'dropped'
    ? `forwarded packets (pods) with DF between ${t.carries + 1} and ${senders.mtu} bytes are dropped on this node every time and nobody is told: a black hole`
    : fwd.kind === 'sent'
      ? `packets between ${t.carries + 1} and ${senders.mtu} bytes leave as IP fragments of the outer packet: they arrive only where the underlay passes fragments (many clouds, firewalls and load balancers drop them)`
      : `packets between ${t.carries + 1} and ${senders.mtu} bytes are answered with ICMP "fragmentation needed": they arrive only once the sender gets and honours it`;
  const local = first.kind === 'dropped' ? '; the node\'s own first packet that large is lost, later ones are refused (EMSGSIZE)' : '';
  return {
    ruleId: ID,
    severity,
    message: `${t.kind} ${t.device.name} sends up to ${senders.mtu} bytes${senders.routeMtu ? ' (its routes\' mtu)' : ''} but its underlay ${t.underlay!.device} carries ${t.underlay!.mtu}: with ${t.overhead.bytes} bytes of overhead only ${t.carries} fit; ${outcome}${local}${fromSource(t)}`,
    interface: t.device.name,
    evidence: evidence(t, senders),
    fixes: [tunnelFix(t, senders.routeMtu)],
  };
}

function evidence(t: Tunnel, senders: { mtu: number; routeMtu: boolean }): Evidence[] {
  const u = t.underlay!;
  return [
    { message: `${t.device.name} is a ${t.kind} tunnel with MTU ${t.device.mtu}${t.df ? `, df ${t.df}` : ''}${t.pmtudisc !== null ? `, ${t.pmtudisc ? 'pmtudisc' : 'nopmtudisc'}` : ''}${t.remote ? `, remote ${t.remote}` : ''}`, interface: t.device.name, field: 'mtu', value: String(t.device.mtu) },
    ...(senders.routeMtu ? [{ message: `the routes into ${t.device.name} carry mtu ${senders.mtu}`, field: 'routes', value: String(senders.mtu) }] : []),
    { message: `overhead ${t.overhead.bytes} bytes: ${t.overhead.parts}${t.familyAssumed ? ' (no address on the device: an IPv4 underlay assumed)' : ''}`, interface: t.device.name, field: 'kindData' },
    { message: `underlay: ${u.how}, ${u.device} with MTU ${u.mtu}${u.route?.mtu ? ' (the route\'s mtu)' : ''}`, interface: u.device, field: 'mtu', value: String(u.mtu) },
  ];
}

const CALICO_FIELD: Record<string, string> = { 'vxlan.calico': 'vxlanMTU', 'vxlan-v6.calico': 'vxlanMTUV6', tunl0: 'ipipMTU', 'wireguard.cali': 'wireguardMTU', 'wg-v6.cali': 'wireguardMTUV6' };

/** The commands that set the tunnel's MTU where its owner keeps it. */
function ownerCommands(name: string, mtu: number): string[] {
  // Who owns the device (src/model/cni-devices.ts): the CNI whose setting must change, not just the device.
  switch (cniDeviceOf(name)?.project.project) {
    case 'Calico':
      return [
        `# Calico operator install: kubectl patch installation default --type=merge -p '{"spec":{"calicoNetwork":{"mtu":${mtu}}}}'`,
        `# Calico manifest install: kubectl patch felixconfiguration default --type=merge -p '{"spec":{"${CALICO_FIELD[name] ?? 'vxlanMTU'}":${mtu}}}' (and veth_mtu in the calico-config ConfigMap for new pods)`,
      ];
    case 'flannel':
      return [`# flannel sets ${name} from its --iface underlay's MTU minus the overhead (FLANNEL_MTU in /run/flannel/subnet.env): run it with --iface naming the real underlay, or give that device the path's MTU, then restart flannel and the pods`];
    case 'Cilium':
      return [`# Cilium: set its MTU to the underlay's (--mtu / Helm MTU=${mtu + 50}); Cilium subtracts the tunnel overhead on its routes`];
    default:
      return [];
  }
}

function tunnelFix(t: Tunnel, routeMtu: boolean): Fix {
  const mtu = t.carries!;
  const name = t.device.name;
  if (routeMtu) {
    return {
      title: `Lower the mtu of the routes into ${name} to ${mtu}`,
      files: [],
      commands: [`# every route with dev ${name}: ip route change ROUTE dev ${name} mtu ${mtu}`, ...ownerCommands(name, mtu)],
      testedBy: TESTED_BY,
    };
  }
  return {
    title: `Give ${name} the MTU its underlay carries: ${mtu} (${t.underlay!.mtu} − ${t.overhead.bytes})`,
    files: [],
    commands: [`ip link set ${name} mtu ${mtu}`, ...ownerCommands(name, mtu)],
    changes: [{ interface: name, set: { mtu } }],
    testedBy: TESTED_BY,
  };
}

/** Pod-facing veths (the other end in a pod's namespace) larger than the tunnel they are routed into carries. */
function podVeths(host: Host, t: Tunnel): Finding | null {
  if (!host.routes.some((r) => r.dev === t.device.name)) return null;
  const senders = senderMtu(host, t);
  // Route-mtu CNIs (Cilium) size pods by the route in the pod's namespace, which the node does not show.
  if (senders.routeMtu) return null;
  const limit = Math.min(t.device.mtu, t.carries ?? Infinity);
  // A veth that is some tunnel's underlay is the node's uplink, not a pod.
  const underlays = new Set(tunnels(host).map((u) => u.underlay?.device));
  const big = host.interfaces.filter((i) => i.kind === 'veth' && i.linkNetns && i.mtu > limit && !underlays.has(i.name));
  if (big.length === 0) return null;
  const shown = big.slice(0, 5).map((i) => `${i.name} (${i.mtu})`).join(', ') + (big.length > 5 ? ` and ${big.length - 5} more` : '');
  return {
    ruleId: ID,
    severity: 'warning',
    message: `pod-facing veths ${shown} are larger than ${t.device.name} carries (${limit}): pods send packets up to their MTU and rely on ICMP "fragmentation needed" from this node to shrink them; where that ICMP is filtered, or a pod ignores it, large replies hang${fromSource(t)}`,
    interface: big[0]!.name,
    evidence: [
      { message: `${t.device.name} (${t.kind}) carries ${limit}: MTU ${t.device.mtu}${t.carries !== null ? `, underlay ${t.underlay!.mtu} − ${t.overhead.bytes}` : ''}`, interface: t.device.name, field: 'mtu', value: String(t.device.mtu) },
      ...big.slice(0, 5).map((i) => ({ message: `${i.name} has MTU ${i.mtu}, its peer in another namespace`, interface: i.name, field: 'mtu', value: String(i.mtu) })),
    ],
    fixes: [{
      title: `Give the pods (both ends of their veths) MTU ${limit}`,
      files: [],
      commands: [...big.map((i) => `ip link set ${i.name} mtu ${limit}`), `# and each pod's end in its namespace: ip -n POD_NS link set eth0 mtu ${limit}`, ...ownerCommands(t.device.name, limit)],
      changes: big.map((i) => ({ interface: i.name, set: { mtu: limit } })),
      testedBy: TESTED_BY,
    }],
  };
}

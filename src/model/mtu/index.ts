/**
 * Where a packet's size kills it without anyone telling the sender: the size checks of the Linux paths
 * hostnet traces, and the places on a host where the MTU shrinks silently.
 *
 * The checks, as measured on the real kernel (test/system/mtu-matrix.test.ts) and read in
 * net/core/dev.c (is_skb_forwardable) and net/bridge/br_forward.c:
 * - a frame crossing a veth pair is taken by the receiving end when it is at most its MTU + Ethernet
 *   header + one VLAN tag: an IP packet of up to MTU + 4 bytes; the sending end's own MTU is not checked;
 * - a bridge drops a frame larger than the outgoing port's MTU (no slack measured), counted as the
 *   bridge's tx_dropped, and sends no ICMP: it is a layer-2 device. With br_netfilter passing IPv4 to
 *   iptables (net.bridge.bridge-nf-call-iptables=1 in the bridge's namespace) an IPv4 packet without DF
 *   is fragmented to the port's MTU instead (br_nf_dev_queue_xmit); with DF it is dropped all the same;
 * - a local sender with DF set is refused (EMSGSIZE) above its route's MTU (the route's `mtu`, else the
 *   device's): it is told, not a black hole.
 * Pure.
 */
import type { Host } from '../host.js';
import { sysctl } from '../sysctl.js';
import type { Interface, Route } from '../../snapshot/schema.js';
import { crossTunnel, isTunnelKind, tunnelOf } from './tunnel.js';

/** An IP packet may exceed a veth receiver's MTU by one VLAN tag (4 bytes). */
export const VETH_RX_SLACK = 4;

/** The largest IP packet a device takes from the wire, or null where the model does not know. */
export function rxLimit(dev: Interface): number | null {
  return dev.kind === 'veth' ? dev.mtu + VETH_RX_SLACK : null;
}

/** The largest IP packet a bridge sends out of one of its ports. */
export function bridgeEgressLimit(port: Interface): number {
  return port.mtu;
}

/** The MTU a local sender uses for a route: the route's own `mtu`, else the device's. */
export function routeMtu(route: Route, dev: Interface | undefined): number | null {
  return route.mtu ?? dev?.mtu ?? null;
}

export type ShrinkKind = 'bridge-ports' | 'veth-peers' | 'route-mtu';

/** One place where packets above `limit` bytes vanish without an ICMP or an error to the sender. */
export interface MtuShrink {
  kind: ShrinkKind;
  /** The device that drops them. */
  device: string;
  /** That device's MTU. */
  mtu: number;
  /** Largest IP packet that still passes there. */
  limit: number;
  /** Devices whose senders build larger packets, with their MTU. */
  larger: { name: string; mtu: number }[];
  /** For route-mtu: the route that claims more than its device carries. */
  route?: Route;
}

/** Every silent MTU shrink the snapshot shows. */
export function mtuShrinks(host: Host): MtuShrink[] {
  return [...bridgeShrinks(host), ...vethShrinks(host), ...routeShrinks(host)];
}

/** A bridge whose ports' MTUs differ drops frames from the larger ones at the smaller ones' egress. */
function bridgeShrinks(host: Host): MtuShrink[] {
  const out: MtuShrink[] = [];
  for (const br of host.interfaces.filter((i) => i.bridge)) {
    const ports = host.ports(br.name);
    // The bridge device sends too (the host's own traffic): it counts as one more sender.
    const senders = [br, ...ports];
    for (const port of ports) {
      const limit = bridgeEgressLimit(port);
      const larger = senders.filter((s) => s !== port && s.mtu > limit).map((s) => ({ name: s.name, mtu: s.mtu }));
      if (larger.length) out.push({ kind: 'bridge-ports', device: port.name, mtu: port.mtu, limit, larger });
    }
  }
  return out;
}

/** Both ends of a veth pair in this namespace, with MTUs more than the slack apart. */
function vethShrinks(host: Host): MtuShrink[] {
  const out: MtuShrink[] = [];
  for (const end of host.interfaces) {
    if (end.kind !== 'veth' || end.linkNetns || !end.link) continue;
    const peer = host.interface(end.link);
    const limit = rxLimit(end);
    if (!peer || limit === null || peer.mtu <= limit) continue;
    out.push({ kind: 'veth-peers', device: end.name, mtu: end.mtu, limit, larger: [{ name: peer.name, mtu: peer.mtu }] });
  }
  return out;
}

/**
 * A route whose `mtu` is above its device's: the host sends packets its device's other end drops
 * (measured on veth: the receiving end's MTU decides), and takes none that large back.
 */
function routeShrinks(host: Host): MtuShrink[] {
  const out: MtuShrink[] = [];
  for (const route of host.routes) {
    const dev = route.dev ? host.interface(route.dev) : undefined;
    if (route.mtu === null || !dev || route.mtu <= dev.mtu) continue;
    out.push({ kind: 'route-mtu', device: dev.name, mtu: dev.mtu, limit: dev.mtu, larger: [{ name: `route ${route.dst}`, mtu: route.mtu }], route });
  }
  return out;
}

/** One hop's size check, for a trace. */
export interface SizeCheck {
  passes: boolean;
  limit: number | null;
  /** Why, in a sentence. */
  reason: string;
}

/** A packet of `size` bytes arriving on `dev` from its other end. */
export function checkRx(dev: Interface, size: number): SizeCheck {
  const limit = rxLimit(dev);
  if (limit === null) return { passes: true, limit: null, reason: `${dev.name} (${dev.kind ?? 'device'}): the receive size check is not modelled for this kind; assumed to pass` };
  return limit >= size
    ? { passes: true, limit, reason: `${size} bytes <= ${dev.name}'s MTU ${dev.mtu} + ${VETH_RX_SLACK} (one VLAN tag): taken` }
    : { passes: false, limit, reason: `${size} bytes > ${dev.name}'s MTU ${dev.mtu} + ${VETH_RX_SLACK}: the veth drops it on receive (is_skb_forwardable), silently` };
}

/** Whether br_netfilter hands this namespace's bridged IPv4 to iptables (and so refragments it). */
export function bridgeNetfilterIpv4(host: Host): boolean | null {
  const value = sysctl(host, 'net.bridge.bridge-nf-call-iptables');
  if (value !== null) return value === '1';
  // Sysctls recorded without net.bridge: br_netfilter is not loaded. None recorded: unknown.
  return host.snapshot.sysctls ? false : null;
}

/** The largest IP fragment of a packet fragmented to `mtu`: the payload is cut in multiples of 8. */
export function largestFragment(mtu: number): number {
  return 20 + Math.floor((mtu - 20) / 8) * 8;
}

/** A packet of `size` bytes leaving a bridge by `port`; `df` false lets br_netfilter fragment it. */
export function checkBridgeEgress(host: Host, port: Interface, size: number, df = true): SizeCheck & { fragmented?: number } {
  const limit = bridgeEgressLimit(port);
  if (limit >= size) return { passes: true, limit, reason: `${size} bytes <= ${port.name}'s MTU ${limit}` };
  const brnf = bridgeNetfilterIpv4(host);
  if (!df && brnf) {
    return { passes: true, limit, fragmented: largestFragment(limit), reason: `${size} bytes > ${port.name}'s MTU ${limit}, no DF, and br_netfilter passes IPv4 to iptables here (bridge-nf-call-iptables=1): fragmented to ${limit}` };
  }
  const why = df ? 'DF is set' : brnf === null ? 'br_netfilter unknown (no sysctls recorded), assumed not loaded' : 'br_netfilter does not refragment here';
  return { passes: false, limit, reason: `${size} bytes > ${port.name}'s MTU ${limit} (${why}): the bridge drops it at egress and sends no ICMP` };
}

/** A bridge's decision for one frame, as the size checks change it. */
export interface SizedDecision {
  verdict: 'forwarded' | 'local' | 'dropped';
  egress: string[];
  passedUpOn: string[];
  steps: { stage: string; result: string; reason: string }[];
}

/**
 * The bridge's decision for a frame carrying an IP packet of `size` bytes: the ingress port takes it
 * only within its receive limit, and each egress port drops it above its MTU.
 */
export function withFrameSize(host: Host, ingress: string, size: number, decision: SizedDecision, df = true): SizedDecision {
  const port = host.interface(ingress);
  const rx = port ? checkRx(port, size) : null;
  if (rx && !rx.passes) {
    return { verdict: 'dropped', egress: [], passedUpOn: [], steps: [{ stage: 'size', result: 'dropped', reason: rx.reason }] };
  }
  const steps = [...decision.steps];
  if (rx) steps.splice(0, 0, { stage: 'size', result: 'taken', reason: rx.reason });
  const egress: string[] = [];
  for (const name of decision.egress) {
    const out = host.interface(name);
    const check = out ? checkBridgeEgress(host, out, size, df) : null;
    if (check?.fragmented) steps.push({ stage: 'egress size', result: `fragmented on ${name}`, reason: check.reason });
    if (check && !check.passes) {
      steps.push({ stage: 'egress size', result: `dropped on ${name}`, reason: check.reason });
      continue;
    }
    // A tunnel port encapsulates what it sends: the bridged packet meets the underlay's MTU there
    // (modelled from skb_tunnel_check_pmtu; the matrix measures routed vxlan, not bridged).
    if (out && isTunnelKind(out.kind)) {
      const c = crossTunnel(tunnelOf(host, out), { size: check?.fragmented ?? size, df, origin: 'bridged' });
      steps.push({ stage: 'encap', result: c.kind === 'sent' ? `encapsulated on ${name}` : `${c.kind === 'icmp' ? 'ICMP to the sender' : 'dropped'} on ${name}`, reason: c.reason });
      if (c.kind !== 'sent') continue;
    }
    egress.push(name);
  }
  const verdict = decision.verdict === 'forwarded' && egress.length === 0 ? (decision.passedUpOn.length ? 'local' : 'dropped') : decision.verdict;
  return { verdict, egress, passedUpOn: decision.passedUpOn, steps };
}

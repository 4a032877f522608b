/**
 * One IPv4 packet through a plain Linux host (no Calico/VPP): sent by the host, or arriving on an
 * interface; each check the kernel makes on the way, in its order, each as a step:
 * receive size -> reverse-path filter -> local delivery, or forwarding -> route -> egress size ->
 * encapsulation (a tunnel device: its overhead against the underlay's MTU).
 * Each check is a pure lookup (the model), a decision, and the step that records it.
 */
import { describeRoute, fibLookup } from '../model/fib.js';
import type { Host } from '../model/host.js';
import { checkRx, routeMtu } from '../model/mtu/index.js';
import { crossTunnel, forwardUsesPmtu, tunnelOfRoute, type Origin } from '../model/mtu/tunnel.js';
import { checkReversePath } from '../model/rpfilter/index.js';
import { ipv4Conf } from '../model/sysctl.js';
import type { Interface } from '../snapshot/schema.js';
import { TraceRecorder, TraceSetupError, type PacketTrace, type PacketVerdict, type TraceRequest } from './trace-steps.js';

export function traceLinux(host: Host, req: TraceRequest): PacketTrace {
  const t = new TraceRecorder(req);
  if (req.ingress.kind === 'host') return t.finish(fromHost(host, req, t));
  if (req.ingress.kind !== 'interface') throw new TraceSetupError(`--in ${t.ingressName}: there is no Calico/VPP node here; use --in host or --in IF (an interface of this host)`);
  const iif = host.interface(req.ingress.interface);
  if (!iif) throw new TraceSetupError(`--in ${req.ingress.interface}: no such interface here (interfaces: ${host.interfaces.map((i) => i.name).join(', ')})`);
  if (req.src === undefined) throw new TraceSetupError(`--in ${iif.name}: give --src, the address the packet comes from`);
  return t.finish(fromInterface(host, req, iif, t));
}

function fromHost(host: Host, req: TraceRequest, t: TraceRecorder): PacketVerdict {
  const route = fibLookup(host.routes, req.dst);
  if (!route || route.type !== 'unicast') {
    t.step('linux', 'fib_lookup', route ? `${req.dst}: ${describeRoute(route)}` : `no route to ${req.dst}`, 'the snapshot\'s routes');
    if (route?.type === 'local') return { kind: 'delivered', where: `host (${route.dev ?? 'lo'})` };
    return t.drop('linux fib_lookup', route ? `the route to ${req.dst} is ${route.type}: the sender gets an error` : `the host has no route to ${req.dst}: the sender gets ENETUNREACH`);
  }
  const dev = host.interface(route.dev ?? '');
  t.src ??= route.prefsrc ?? dev?.addresses.find((a) => a.family === 'inet')?.local ?? '?';
  t.step('linux', 'fib_lookup', `${t.src} → ${req.dst}: route ${describeRoute(route)}`, 'the snapshot\'s routes');
  const mtu = routeMtu(route, dev);
  if (req.size !== undefined && mtu !== null && req.size > mtu) {
    t.step('linux', 'ip_output', `${req.size} bytes with DF > the route's MTU ${mtu}${route.mtu ? ' (the route\'s mtu)' : ` (${dev?.name}'s MTU)`}: the socket is refused with EMSGSIZE`);
    return t.drop('linux ip_output', `${req.size} bytes do not fit the MTU ${mtu}: the sender is told (EMSGSIZE), not a black hole`);
  }
  if (req.size !== undefined && mtu !== null) {
    t.step('linux', 'ip_output', `${req.size} bytes <= the route's MTU ${mtu}${dev && route.mtu && route.mtu > dev.mtu ? `, above ${dev.name}'s own MTU ${dev.mtu} (the device's other end decides whether it takes it: mtu/black-hole)` : ''}`);
  }
  const tunnel = tunnelStep(host, req, route, 'local', t);
  if (tunnel) return tunnel;
  t.step('linux', `${route.dev} tx`, `out ${route.dev}${route.gateway ? ` to ${route.gateway}` : ''}`);
  return { kind: 'forwarded', where: route.dev ?? '?', nextHop: route.gateway ?? req.dst };
}

/**
 * A sized packet routed into a tunnel: encapsulated, and checked against the underlay (the first such
 * packet: no PMTU learned yet). Null when the route is not into a tunnel or no size is traced.
 */
function tunnelStep(host: Host, req: TraceRequest, route: ReturnType<typeof fibLookup>, origin: Origin, t: TraceRecorder): PacketVerdict | null {
  const tunnel = req.size === undefined ? null : tunnelOfRoute(host, route);
  if (!tunnel) return null;
  const c = crossTunnel(tunnel, { size: req.size!, df: true, origin }, forwardUsesPmtu(host));
  t.step('linux', `${tunnel.device.name} encap`, c.reason, `${tunnel.device.name} in the snapshot (${tunnel.underlay ? `underlay: ${tunnel.underlay.how}` : 'no underlay found'})`);
  if (c.kind === 'dropped') return t.drop(`linux ${tunnel.device.name} encap`, `the encapsulated packet does not fit the underlay and cannot be fragmented: dropped silently (mtu/tunnel-overhead)`);
  if (c.kind === 'icmp') return t.drop(`linux ${tunnel.device.name} encap`, `the sender is told by ICMP (mtu ${c.mtu}), not a black hole unless that ICMP is filtered`);
  const where = tunnel.underlay?.device ?? route!.dev ?? '?';
  t.step('linux', `${where} tx`, `the outer packet (${c.outer ?? '?'} bytes${c.fragments === 'outer' ? ', in fragments' : ''}) out ${where} towards ${tunnel.remote ?? 'the remote the tunnel\'s FDB names'}`);
  return { kind: 'forwarded', where: `${tunnel.device.name} → ${where}`, nextHop: tunnel.remote };
}

function fromInterface(host: Host, req: TraceRequest, iif: Interface, t: TraceRecorder): PacketVerdict {
  t.step('wire', `${iif.name} rx`, `${req.src} → ${req.dst}${req.size !== undefined ? `, ${req.size} bytes, DF` : ''} arrives on ${iif.name}`);
  if (req.size !== undefined) {
    const rx = checkRx(iif, req.size);
    t.step('linux', `${iif.name} rx size`, rx.reason, `${iif.name} in the snapshot`);
    if (!rx.passes) return t.drop(`linux ${iif.name} rx`, `${req.size} bytes are larger than ${iif.name} takes (${rx.limit}): dropped silently (mtu/black-hole)`);
  }
  const rp = checkReversePath(host, iif.name, req.src!, { dst: req.dst, mark: req.mark ?? 0 });
  t.step('linux', 'rp_filter', rp.reason, host.snapshot.rules?.length ? 'the snapshot\'s sysctls, policy rules and routes' : 'the snapshot\'s sysctls and routes');
  if (rp.passes === false) return t.drop('linux rp_filter', `reverse-path filtering on ${iif.name} drops packets from ${req.src} (rpfilter/strict-asymmetric)`);
  const route = fibLookup(host.routes, req.dst);
  if (route?.type === 'local') {
    t.step('linux', 'ip_local_deliver', `${req.dst} is a local address (${describeRoute(route)}): delivered`);
    return { kind: 'delivered', where: `host (${route.dev ?? 'lo'})` };
  }
  return forward(host, req, iif, route, t);
}

function forward(host: Host, req: TraceRequest, iif: Interface, route: ReturnType<typeof fibLookup>, t: TraceRecorder): PacketVerdict {
  // IN_DEV_FORWARD: the receiving interface's own forwarding setting decides.
  const forwarding = ipv4Conf(host, iif.name, 'forwarding');
  if (forwarding === 0) {
    t.step('linux', 'ip_route_input', `${req.dst} is not local and net.ipv4.conf.${iif.name}.forwarding is 0: not forwarded (ICMP host unreachable to the sender)`, 'the snapshot\'s sysctls');
    return t.drop('linux ip_route_input', `forwarding is off on ${iif.name}`);
  }
  if (!route || route.type !== 'unicast') {
    t.step('linux', 'ip_route_input', route ? `${req.dst}: ${describeRoute(route)}` : `no route to ${req.dst}`, 'the snapshot\'s routes');
    return t.drop('linux ip_route_input', route ? `the route to ${req.dst} is ${route.type}` : `no route to ${req.dst} (ICMP network unreachable to the sender)`);
  }
  const dev = host.interface(route.dev ?? '');
  t.step('linux', 'ip_forward', `forwarding ${forwarding ?? '?'} on ${iif.name}; route ${describeRoute(route)}`, 'the snapshot\'s routes and sysctls');
  const mtu = routeMtu(route, dev);
  if (req.size !== undefined && mtu !== null && req.size > mtu) {
    t.step('linux', 'ip_forward', `${req.size} bytes with DF > the MTU ${mtu} out ${route.dev}: dropped, ICMP "fragmentation needed" (mtu ${mtu}) goes back to ${req.src}`);
    return t.drop('linux ip_forward', `${req.size} bytes do not fit ${route.dev}'s MTU ${mtu}: the sender is told by ICMP, not a black hole unless that ICMP is filtered`);
  }
  const tunnel = tunnelStep(host, req, route, 'forwarded', t);
  if (tunnel) return tunnel;
  t.step('linux', `${route.dev} tx`, `out ${route.dev}${route.gateway ? ` to ${route.gateway}` : ''}`);
  return { kind: 'forwarded', where: route.dev ?? '?', nextHop: route.gateway ?? req.dst };
}

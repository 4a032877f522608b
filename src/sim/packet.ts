/**
 * A packet through the combined Linux + VPP host of a Calico/VPP node (seed 002's flows):
 *
 * - from the uplink to the host: VPP receives it, finds the destination is its uplink address (a
 *   receive entry), has no handling of its own for it and punts it; the punt redirect sends it to
 *   169.254.0.1 on tap0, with the uplink's MAC as Ethernet destination; Linux takes the frame on the
 *   tap only when that MAC is the tap's (else the kernel drops it as addressed to another host) and
 *   delivers it locally;
 * - from the host: Linux routes it (longest prefix, then metric, main table) into the tap; VPP
 *   receives it on tap0 and looks the destination up in its FIB (the uplink's connected subnet, its
 *   default route, the pods' routes) and sends it out;
 * - from a pod on this node (`pod:tunN`): VPP receives it on the pod's interface and continues as
 *   from the uplink.
 *
 * VPP's side comes from the vppctl outputs (addresses, MACs, punt redirect, FIB) or, without them,
 * from the takeover the configuration predicts. Pure.
 */
import type { Host } from '../model/host.js';
import { familyOf, inPrefix, networkPrefix } from '../net/ip.js';
import { calicoVppView, type CalicoVppView } from '../model/vpp/view.js';
import type { Interface, Route } from '../snapshot/schema.js';
import { VPP_TAP0_ADDRESS, VPP_TAP_NAME } from '../sources/calico-vpp-config.js';
import type { VppDpo, VppFibEntry } from '../sources/vppctl.js';
import { traceLinux } from './linux-path.js';
import { TraceRecorder, TraceSetupError, type PacketTrace, type PacketVerdict, type TraceRequest } from './trace-steps.js';

export { TraceSetupError, type Ingress, type PacketStep, type PacketTrace, type PacketVerdict, type TraceRequest } from './trace-steps.js';

/** What the trace knows of VPP. */
interface VppModel {
  uplink: string;
  uplinkAddresses: string[];
  uplinkMac: string | null;
  tapName: string;
  tapVppMac: string | null;
  puntNextHop: string | null;
  puntInterface: string | null;
  puntDstMac: string | null;
  puntSource: string;
  fib: VppFibEntry[] | null;
  fibSource: string | null;
  defaultGateway: string | null;
  source: string;
}

function vppModel(host: Host, view: CalicoVppView): VppModel {
  const tap = view.tap!;
  const exp = view.expectation;
  const inputs = view.inputs;
  const plan = view.plan?.value;
  const uplink = exp?.vppUplinkName ?? plan?.vpp.uplink.name ?? '<vpp-uplink>';
  const hw = inputs.vppctl.hardwareInterfaces?.value;
  const punts = inputs.vppctl.puntRedirect?.value;
  const anyPunt = punts ? punts.find((p) => p.anyRx && p.family !== 'inet6') ?? null : undefined;
  const tapAddrs = tap.addresses.filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`);
  const gw = host.routes.find((r) => r.dev === tap.name && r.dst === 'default' && r.family === 'inet')?.gateway ?? null;
  return {
    uplink,
    uplinkAddresses: exp?.addresses ?? plan?.vpp.uplink.addresses ?? tapAddrs,
    uplinkMac: exp?.tapMac ?? plan?.vpp.uplink.mac ?? null,
    tapName: exp?.puntInterface ?? VPP_TAP_NAME,
    tapVppMac: hw?.find((h) => h.name === (exp?.puntInterface ?? VPP_TAP_NAME))?.mac ?? plan?.vpp.tap.mac ?? null,
    // undefined: no punt output given (use the plan); null: given, and no redirect from any interface.
    puntNextHop: anyPunt === undefined ? exp?.puntNextHop ?? VPP_TAP0_ADDRESS : anyPunt?.paths[0]?.nextHop ?? null,
    puntInterface: anyPunt === undefined ? exp?.puntInterface ?? VPP_TAP_NAME : anyPunt?.paths[0]?.interface ?? null,
    puntDstMac: anyPunt?.rewriteDstMac ?? exp?.tapMac ?? plan?.tap.mac ?? null,
    puntSource: anyPunt ? `${inputs.vppctl.puntRedirect!.source}:${anyPunt.line}` : anyPunt === null ? inputs.vppctl.puntRedirect!.source : exp?.source ?? 'the Calico/VPP configuration',
    fib: inputs.vppctl.fib?.value.filter((e) => e.family === 'inet' && (e.vrf === 0 || e.fibIndex === 0)) ?? null,
    fibSource: inputs.vppctl.fib?.source ?? null,
    defaultGateway: gw,
    source: inputs.vppctl.interfaceAddress?.source ?? view.plan?.source ?? exp?.source ?? 'the Calico/VPP configuration',
  };
}

/** Linux's route for a destination: longest prefix in the main table, then the lowest metric. */
export function linuxRoute(routes: readonly Route[], dst: string): Route | null {
  const fam = familyOf(dst);
  let best: Route | null = null;
  let bestLen = -1;
  for (const r of routes) {
    if (r.family !== fam || (r.table !== 'main' && r.table !== '254') || !['unicast', 'blackhole', 'unreachable', 'prohibit'].includes(r.type)) continue;
    const len = r.dst === 'default' ? 0 : Number(r.dst.split('/')[1] ?? (fam === 'inet' ? 32 : 128));
    if (!inPrefix(dst, r.dst === 'default' ? (fam === 'inet' ? '0.0.0.0/0' : '::/0') : r.dst.includes('/') ? r.dst : `${r.dst}/${fam === 'inet' ? 32 : 128}`)) continue;
    if (len > bestLen || (len === bestLen && (r.metric ?? 0) < (best?.metric ?? 0))) {
      best = r;
      bestLen = len;
    }
  }
  return best;
}

function localOwner(host: Host, ip: string): Interface | null {
  return host.interfaces.find((i) => i.addresses.some((a) => a.local === ip)) ?? null;
}

/** VPP's FIB lookup: from `show ip fib` when given, else from what the takeover configures. */
function vppLookup(vpp: VppModel, dst: string, pods: Record<string, string> | undefined): { dpo: VppDpo; prefix: string; source: string } {
  if (vpp.fib && vpp.fib.length) {
    let best: VppFibEntry | null = null;
    for (const e of vpp.fib) if (inPrefix(dst, e.prefix) && (!best || e.prefixlen > best.prefixlen)) best = e;
    if (best && best.forwarding[0]) return { dpo: best.forwarding[0], prefix: best.prefix, source: `${vpp.fibSource}:${best.line}` };
    return { dpo: { kind: 'drop', interface: null, nextHop: null, text: 'no route' }, prefix: '(none)', source: vpp.fibSource ?? '' };
  }
  const src = `${vpp.source} (VPP's FIB as the takeover sets it up)`;
  for (const a of vpp.uplinkAddresses) {
    if (a.split('/')[0] === dst) return { dpo: { kind: 'receive', interface: vpp.uplink, nextHop: null, text: `dpo-receive: ${dst} on ${vpp.uplink}` }, prefix: `${dst}/32`, source: src };
  }
  for (const a of vpp.uplinkAddresses) {
    if (inPrefix(dst, a)) return { dpo: { kind: 'glean', interface: vpp.uplink, nextHop: null, text: `ipv4-glean: ${vpp.uplink}` }, prefix: networkPrefix(a), source: src };
  }
  // A local pod's address: Calico programs a /32 to the pod's tun interface.
  const pod = pods?.[dst];
  if (pod) return { dpo: { kind: 'adjacency', interface: pod, nextHop: '0.0.0.0', text: `ipv4 via 0.0.0.0 ${pod}` }, prefix: `${dst}/32`, source: `${src}; the pod's /32 to ${pod}` };
  if (vpp.defaultGateway) return { dpo: { kind: 'adjacency', interface: vpp.uplink, nextHop: vpp.defaultGateway, text: `ipv4 via ${vpp.defaultGateway} ${vpp.uplink}` }, prefix: '0.0.0.0/0', source: src };
  return { dpo: { kind: 'drop', interface: null, nextHop: null, text: 'no route' }, prefix: '(none)', source: src };
}


/**
 * A packet through this host: Linux and VPP together on a Calico/VPP node past the takeover, Linux
 * alone on any other host.
 */
export function tracePacket(host: Host, req: TraceRequest): PacketTrace {
  const view = calicoVppView(host);
  if (!view.tap && !view.uplinkName) return traceLinux(host, req);
  if (!view.tap) {
    throw new TraceSetupError(`${view.uplinkName} is not a tap yet: VPP has not taken the uplink over in this snapshot (plan it first: npx hostnet plan calico-vpp --predicted-snapshot FILE)`);
  }
  if (familyOf(req.dst) !== 'inet' || (req.src !== undefined && familyOf(req.src) !== 'inet')) throw new TraceSetupError('only IPv4 packets are traced (--src and --dst must be IPv4 addresses)');
  if (req.ingress.kind === 'interface') throw new TraceSetupError(`--in ${req.ingress.interface}: on a Calico/VPP node a packet enters by uplink, host or pod:IF`);
  const node: VppNode = { host, view, vpp: vppModel(host, view), tap: view.tap, req, t: new TraceRecorder(req) };
  if (req.ingress.kind === 'uplink' || req.ingress.kind === 'pod') return node.t.finish(fromVppSide(node));
  return node.t.finish(fromLinuxSide(node));
}

/** What every step of a Calico/VPP trace reads. */
interface VppNode {
  host: Host;
  view: CalicoVppView;
  vpp: VppModel;
  tap: Interface;
  req: TraceRequest;
  t: TraceRecorder;
}

/** From the uplink or a pod: VPP receives it first. */
function fromVppSide(n: VppNode): PacketVerdict {
  const { req, vpp, t } = n;
  const rxIf = req.ingress.kind === 'pod' ? req.ingress.interface : vpp.uplink;
  t.src ??= '192.0.2.1';
  t.step(req.ingress.kind === 'uplink' ? 'wire' : 'vpp', `${rxIf} rx`, req.ingress.kind === 'uplink'
    ? `${t.src} → ${req.dst} arrives on the uplink, now VPP's ${rxIf}${vpp.uplinkMac ? ` (MAC ${vpp.uplinkMac})` : ''}`
    : `${t.src} → ${req.dst} arrives in VPP from the pod's interface ${rxIf}`, vpp.source);
  return intoVpp(n);
}

/** From the host: Linux routes it, into the tap (then VPP) or out another device. */
function fromLinuxSide(n: VppNode): PacketVerdict {
  const { host, req, vpp, tap, t } = n;
  const route = linuxRoute(host.routes, req.dst);
  if (!route) {
    t.step('linux', 'fib_lookup', `no route to ${req.dst}`);
    return t.drop('linux fib_lookup', `the host has no route to ${req.dst}`);
  }
  t.src ??= route.prefsrc ?? host.interface(route.dev ?? '')?.addresses.find((a) => a.family === 'inet')?.local ?? '?';
  t.step('linux', 'fib_lookup', `${t.src} → ${req.dst}: route ${route.dst}${route.gateway ? ` via ${route.gateway}` : ''} dev ${route.dev}${route.protocol ? ` proto ${route.protocol}` : ''}${route.mtu ? ` mtu ${route.mtu}` : ''}`, 'the snapshot\'s routes');
  if (route.dev !== tap.name) {
    t.step('linux', `${route.dev} tx`, `out ${route.dev}, not through VPP`);
    return { kind: 'forwarded', where: route.dev ?? '?', nextHop: route.gateway };
  }
  t.step('linux', `${tap.name} tx`, `ARP for ${route.gateway ?? req.dst} on ${tap.name} is answered by VPP (proxy ARP on ${vpp.tapName}); the frame goes to ${vpp.tapVppMac ?? 'the VPP side of the tap'}`);
  t.step('vpp', `${vpp.tapName} rx`, `VPP receives it on ${vpp.tapName} (unnumbered on ${vpp.uplink})`);
  return intoVpp(n);
}

/** From VPP's lookup on: receive → punt → tap → Linux, or out of VPP. */
function intoVpp(n: VppNode): PacketVerdict {
  const { view, vpp, req, t } = n;
  // Service addresses are translated by VPP's cnat before any lookup; that is outside this model.
  const service = view.inputs.config?.value.serviceCidrs.find((c) => inPrefix(req.dst, c));
  if (service) {
    t.step('vpp', 'cnat', `${req.dst} is in the service CIDR ${service}: VPP's service NAT (cnat) translates it to a backend; the translation is not modelled`, view.inputs.config!.source);
    return { kind: 'forwarded', where: 'VPP service NAT (cnat)', nextHop: null };
  }
  const hit = vppLookup(vpp, req.dst, req.pods);
  t.step('vpp', `ip4-lookup`, `${req.dst} matches ${hit.prefix}: ${hit.dpo.text}`, hit.source);
  if (hit.dpo.kind === 'receive') return puntToHost(n, hit.dpo.interface ?? vpp.uplink);
  if (hit.dpo.kind === 'glean' || hit.dpo.kind === 'adjacency') {
    const out = hit.dpo.interface ?? '?';
    if (out !== vpp.uplink && out !== '?') {
      t.step('vpp', `${out} tx`, `via ${hit.dpo.nextHop ?? out} out ${out}${out === vpp.tapName ? ' to the host' : ''}`);
      return { kind: 'forwarded', where: out, nextHop: hit.dpo.nextHop };
    }
    t.step('vpp', `${out} tx`, hit.dpo.kind === 'glean' ? `${req.dst} is on the uplink's subnet: ARP for it, then out ${out}` : `via ${hit.dpo.nextHop} out ${out}`);
    return { kind: 'forwarded', where: out, nextHop: hit.dpo.kind === 'glean' ? req.dst : hit.dpo.nextHop };
  }
  if (hit.dpo.kind === 'drop') return t.drop('vpp ip4-lookup', `VPP has no route to ${req.dst}`);
  t.step('vpp', 'forward', `handled by VPP (${hit.dpo.text}); not modelled further`);
  return { kind: 'forwarded', where: hit.dpo.text, nextHop: null };
}

/** VPP's own address: punted to the host through the tap, where Linux takes the frame or not. */
function puntToHost(n: VppNode, receiver: string): PacketVerdict {
  const { host, vpp, tap, req, t } = n;
  t.step('vpp', 'ip4-local', `${req.dst} is VPP's own address on ${receiver}; VPP has no session or tunnel for this packet, so it punts it`);
  if (!vpp.puntInterface) {
    t.step('vpp', 'ip4-punt', 'no punt redirect from any interface: the packet is dropped in VPP', vpp.puntSource);
    return t.drop('vpp ip4-punt', 'VPP has no punt redirect to the host tap (vpp/punt-redirect)');
  }
  t.step('vpp', 'ip4-punt-redirect', `redirected via ${vpp.puntNextHop ?? '?'} ${vpp.puntInterface}: Ethernet destination ${vpp.puntDstMac ?? '(unknown)'}, source ${vpp.tapVppMac ?? '(VPP side of the tap)'}`, vpp.puntSource);
  t.step('wire', `${vpp.puntInterface} → ${tap.name}`, `the frame crosses the tap from VPP to Linux`);
  // eth_type_trans: a unicast destination other than the device's own is PACKET_OTHERHOST, and
  // ip_rcv drops those, promiscuous mode or not; group addresses are taken.
  const group = vpp.puntDstMac !== null && (parseInt(vpp.puntDstMac.slice(0, 2), 16) & 1) === 1;
  if (vpp.puntDstMac && tap.mac && vpp.puntDstMac !== tap.mac && !group) {
    const promisc = (tap.promiscuity ?? 0) > 0 || tap.flags.includes('PROMISC');
    t.step('linux', `${tap.name} rx`, `frame addressed to ${vpp.puntDstMac} but ${tap.name} has MAC ${tap.mac}: the kernel marks it PACKET_OTHERHOST and IP drops it${promisc ? ' (promiscuous mode lets capture see it, not IP)' : ''}`, `${tap.name} in the snapshot`);
    return t.drop(`linux ${tap.name} rx`, `the tap's MAC ${tap.mac} is not the MAC VPP sends to (${vpp.puntDstMac}): see vpp/tap-mac and link/mac-policy-race`);
  }
  t.step('linux', `${tap.name} rx`, `frame addressed to ${vpp.puntDstMac ?? tap.mac ?? '?'}, ${tap.name}'s own MAC: accepted`);
  const owner = localOwner(host, req.dst);
  if (!owner) {
    t.step('linux', 'ip_route_input', `${req.dst} is not a local address of the host: not delivered (and not forwarded back into the tap)`);
    return t.drop(`linux ${tap.name}`, `${req.dst} is not configured on ${tap.name} (vpp/tap-mirror)`);
  }
  t.step('linux', 'ip_local_deliver', `${req.dst} is local (on ${owner.name}): delivered to the host's socket`);
  return { kind: 'delivered', where: `host (${owner.name})` };
}

/** The reply to a delivered or forwarded packet, traced from the other side. */
export function replyRequest(trace: PacketTrace, req: TraceRequest): TraceRequest | null {
  if (trace.verdict.kind === 'dropped' || !req.src) return null;
  if (req.ingress.kind === 'host') return null;
  // On a plain Linux host the reply is the host's own, only for a packet delivered to it.
  if (req.ingress.kind === 'interface') return trace.verdict.kind === 'delivered' ? { src: req.dst, dst: req.src, ingress: { kind: 'host' }, ...(req.size !== undefined ? { size: req.size } : {}) } : null;
  const pods = req.ingress.kind === 'pod' ? { ...req.pods, [req.src]: req.ingress.interface } : req.pods;
  return { src: req.dst, dst: req.src, ingress: { kind: 'host' }, ...(pods ? { pods } : {}) };
}

/**
 * The frame trace: one frame into one bridge port, each step with its reason, as `hostnet trace frame`
 * prints it. Names of protocols map to their destination addresses here; the decisions are the bridge
 * model's (src/model/bridge).
 */
import { InputError } from '../errors.js';
import type { Host } from '../model/host.js';
import { bridgeView, handleFrame, hex, type BridgeView, type TraceStep, type Verdict } from '../model/bridge/index.js';
import { withFrameSize } from '../model/mtu/index.js';
import { bridgeNfOf, filterBridged, rulesetOf, type BridgedPacket } from '../model/netfilter/index.js';
import { parseMac } from '../net/mac.js';

/** Protocols by the destination address they use. */
export const PROTOCOLS: Record<string, { dst: string; title: string }> = {
  stp: { dst: '01:80:c2:00:00:00', title: 'STP/RSTP/MSTP BPDU (bridge group address)' },
  pause: { dst: '01:80:c2:00:00:01', title: 'MAC pause (802.3x flow control)' },
  lacp: { dst: '01:80:c2:00:00:02', title: 'LACP (802.3 slow protocols)' },
  eapol: { dst: '01:80:c2:00:00:03', title: '802.1X EAPOL (port access entity)' },
  'provider-stp': { dst: '01:80:c2:00:00:08', title: 'provider bridge STP (802.1ad)' },
  mvrp: { dst: '01:80:c2:00:00:0d', title: 'provider bridge MVRP' },
  lldp: { dst: '01:80:c2:00:00:0e', title: 'LLDP (802.1AB)' },
  broadcast: { dst: 'ff:ff:ff:ff:ff:ff', title: 'broadcast' },
};

export interface FrameRequest {
  bridge: string;
  ingress: string;
  /** A MAC address or a protocol name from PROTOCOLS. */
  dst?: string;
  proto?: string;
  src?: string;
  /** Size of the IP packet the frame carries (DF): checked against the ports' MTUs. */
  size?: number;
  /** false: the packet has no DF bit (a bridge with br_netfilter may fragment it). Default true. */
  df?: boolean;
  /** What the frame carries, for the netfilter hooks br_netfilter runs bridged frames through. */
  payload?: PayloadSpec;
}

export interface PayloadSpec {
  proto: 'ipv4' | 'ipv6' | 'arp';
  saddr?: string;
  daddr?: string;
  /** The first packet of a flow (new, the default) or an answer (established). */
  ctState?: 'new' | 'established';
}

export interface FrameTrace {
  bridge: string;
  ingress: string;
  dst: string;
  protocol: string | null;
  /** The IP packet's size, when the trace checks it. */
  size?: number;
  kernel: string | null;
  verdict: Verdict;
  egress: string[];
  passedUpOn: string[];
  steps: TraceStep[];
  assumptions: string[];
  /** Ports the bridge sends the frame to that netfilter then drops it for, with the chain, rule or policy. */
  filtered?: { port: string; by: string }[];
}

/** The destination of a request: a MAC given as is, or a protocol's address. */
export function resolveDestination(req: Pick<FrameRequest, 'dst' | 'proto'>): { dst: string; protocol: string | null } {
  if ((req.dst === undefined) === (req.proto === undefined)) {
    throw new InputError('give exactly one of --dst MAC and --proto NAME', undefined, `protocols: ${Object.keys(PROTOCOLS).join(', ')}`);
  }
  if (req.proto !== undefined) {
    const p = PROTOCOLS[req.proto.toLowerCase()];
    if (!p) throw new InputError(`unknown protocol ${JSON.stringify(req.proto)}`, undefined, `one of ${Object.keys(PROTOCOLS).join(', ')}, or give --dst MAC`);
    return { dst: p.dst, protocol: req.proto.toLowerCase() };
  }
  const dst = parseMac(req.dst!);
  if (dst === null) throw new InputError(`--dst ${JSON.stringify(req.dst)} is not a MAC address`, undefined, 'write it as 01:80:c2:00:00:02');
  const known = Object.entries(PROTOCOLS).find(([, p]) => p.dst === dst);
  return { dst, protocol: known ? known[0] : null };
}

export function traceFrame(host: Host, req: FrameRequest): FrameTrace {
  const { dst, protocol } = resolveDestination(req);
  const br = bridgeView(host, req.bridge);
  if (!br) {
    const bridges = host.interfaces.filter((i) => i.bridge).map((i) => i.name);
    throw new InputError(`${req.bridge} is not a bridge here`, undefined, bridges.length ? `bridges: ${bridges.join(', ')}` : 'there is no bridge here at all');
  }
  if (!br.ports.some((p) => p.name === req.ingress)) {
    throw new InputError(`${req.ingress} is not a port of ${req.bridge}`, undefined, `ports of ${req.bridge}: ${br.ports.map((p) => p.name).join(', ') || 'none'}`);
  }
  const src = req.src === undefined ? undefined : parseMac(req.src);
  if (src === null) throw new InputError(`--src ${JSON.stringify(req.src)} is not a MAC address`);
  const bridged = handleFrame(br, req.ingress, { dst, src });
  const decision = req.size === undefined ? bridged : withFrameSize(host, req.ingress, req.size, bridged, req.df ?? true);
  const ingress = br.ports.find((p) => p.name === req.ingress)!;
  const filter = req.payload ? throughNetfilter(host, br, req.ingress, decision.egress, req.payload) : null;
  const setup: TraceStep = {
    stage: 'bridge',
    result: br.name,
    reason: `stp_state ${br.stpState}, group_fwd_mask ${hex(br.groupFwdMask)}, vlan_filtering ${br.vlanFiltering ? 1 : 0}; ${ingress.name}: state ${ingress.state}, group_fwd_mask ${ingress.groupFwdMask === null ? 'none' : hex(ingress.groupFwdMask)}`,
  };
  return {
    bridge: br.name,
    ingress: req.ingress,
    dst,
    protocol,
    ...(req.size !== undefined ? { size: req.size } : {}),
    kernel: host.snapshot.host.kernelRelease,
    verdict: filter && filter.egress.length === 0 && decision.verdict === 'forwarded' ? (decision.passedUpOn.length ? 'local' : 'dropped') : decision.verdict,
    egress: filter ? filter.egress : decision.egress,
    passedUpOn: decision.passedUpOn,
    steps: [setup, ...decision.steps, ...(filter?.steps ?? [])],
    assumptions: [...br.assumptions, ...(filter?.assumptions ?? [])],
    ...(filter ? { filtered: filter.filtered } : {}),
  };
}

/**
 * Each port the bridge sends the frame to, through the forward hooks (bridge family, and the IP or ARP
 * ones br_netfilter adds): what still leaves, and what is dropped where. Frames passed up to the host
 * go through the input hooks instead, which are not modelled.
 */
function throughNetfilter(host: Host, br: BridgeView, ingress: string, egress: string[], payload: PayloadSpec) {
  const steps: TraceStep[] = [];
  const assumptions: string[] = [];
  const filtered: { port: string; by: string }[] = [];
  const { ruleset, problem } = rulesetOf(host);
  if (!ruleset) {
    const gap = host.snapshot.gaps.find((g) => g.source.startsWith('nft'));
    assumptions.push(problem ?? `no netfilter ruleset is recorded${gap ? ` (${gap.detail.trim()})` : ''}: the hooks are taken as accepting`);
    return { egress, steps, assumptions, filtered };
  }
  const nf = bridgeNfOf(host);
  const kept: string[] = [];
  for (const port of egress) {
    const pkt: BridgedPacket = {
      proto: payload.proto, bridge: br.name, inPort: ingress, outPort: port,
      saddr: payload.saddr ?? null, daddr: payload.daddr ?? null,
      l4proto: payload.proto === 'arp' ? null : payload.proto === 'ipv6' ? 'ipv6-icmp' : 'icmp', ctState: payload.ctState ?? 'new',
    };
    const out = filterBridged(ruleset, nf, pkt);
    for (const s of out.steps) steps.push({ stage: `netfilter to ${port}: ${s.stage}`, result: s.result, reason: s.reason });
    for (const u of out.uncertain) steps.push({ stage: `netfilter to ${port}`, result: 'may match', reason: u });
    assumptions.push(...out.assumptions.filter((a) => !assumptions.includes(a)));
    if (out.verdict === 'drop') filtered.push({ port, by: out.droppedBy ?? 'netfilter' });
    else kept.push(port);
  }
  if (!assumptions.some((a) => a.includes('forward hooks'))) assumptions.push('netfilter: the forward hooks only (prerouting and postrouting chains are not evaluated); ICMP stands for the IP payload');
  return { egress: kept, steps, assumptions, filtered };
}

export function renderFrameTrace(t: FrameTrace): string {
  const lines = [`frame ${t.dst}${t.protocol ? ` (${t.protocol})` : ''}${t.size !== undefined ? ` carrying ${t.size} bytes` : ''} into ${t.bridge} on ${t.ingress}${t.kernel ? `, kernel ${t.kernel}` : ''}`];
  t.steps.forEach((s, n) => lines.push(`  ${String(n + 1).padStart(2)}. ${s.stage}: ${s.result} - ${s.reason}`));
  const verdict = t.verdict === 'forwarded'
    ? `forwarded to ${t.egress.join(', ')}${t.passedUpOn.length ? ` (and passed up on ${t.passedUpOn.join(', ')})` : ''}`
    : t.verdict === 'local' ? `local: passed up on ${t.passedUpOn.join(', ')}, not forwarded` : 'dropped';
  lines.push(`verdict: ${verdict}`);
  for (const f of t.filtered ?? []) lines.push(`filtered: not sent to ${f.port}: dropped by ${f.by}`);
  for (const a of t.assumptions) lines.push(`assumed: ${a}`);
  return `${lines.join('\n')}\n`;
}

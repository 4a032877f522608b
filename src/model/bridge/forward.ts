/**
 * What a Linux bridge does with one frame arriving on one port: the receive path of
 * net/bridge/br_input.c (br_handle_frame, br_handle_frame_finish) and the flood of br_forward.c,
 * written from its behaviour. The forwarding database is treated as empty apart from the bridge's own
 * addresses, so unknown unicast floods. Pure; differential-tested against the real kernel in
 * test/system/bridge-conformance.test.ts.
 */
import { GROUPFWD_8021AD, describeBits, hex } from './kernel.js';
import type { BridgeView, PortView, VlanEntry } from './view.js';

export interface FrameSpec {
  /** Destination MAC, lower-case colon form. */
  dst: string;
  /** Source MAC; a multicast or all-zero source is dropped. Defaults to a valid unicast address. */
  src?: string;
}

export type Verdict = 'forwarded' | 'local' | 'dropped';

export interface TraceStep {
  /** Where in the bridge the decision is taken. */
  stage: string;
  /** What happened there, in a word or two. */
  result: string;
  reason: string;
}

export interface BridgeDecision {
  verdict: Verdict;
  /** Ports the frame leaves by. */
  egress: string[];
  /**
   * Devices in the bridge's namespace the frame is passed up on: the ingress port for link-local frames
   * the bridge does not forward (STP, LACP, LLDP go to the protocol daemon there), the bridge device
   * for frames to the host (and a copy of forwarded multicast and broadcast).
   */
  passedUpOn: string[];
  steps: TraceStep[];
}

const LINK_LOCAL = /^01:80:c2:00:00:0([0-9a-f])$/;

export function isLinkLocal(dst: string): boolean {
  return LINK_LOCAL.test(dst);
}

function isMulticast(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 1;
}

function isValidSource(mac: string): boolean {
  return !isMulticast(mac) && mac !== '00:00:00:00:00:00';
}

type Step = (stage: string, result: string, reason: string) => void;
type Done = (verdict: Verdict, egress?: string[], passedUpOn?: string[]) => BridgeDecision;
type Kind = 'unicast' | 'multicast' | 'broadcast';

/**
 * The receive path in the kernel's order: ingress checks, the link-local switch, the port state,
 * VLAN ingress, then the forwarding decision (to the host, or flooded). Each stage returns a decision
 * when the frame stops there.
 */
export function handleFrame(br: BridgeView, ingressName: string, frame: FrameSpec): BridgeDecision {
  const steps: TraceStep[] = [];
  const step: Step = (stage, result, reason) => {
    steps.push({ stage, result, reason });
  };
  const done: Done = (verdict, egress = [], passedUpOn = []) => ({ verdict, egress, passedUpOn, steps });
  const ingress = br.ports.find((p) => p.name === ingressName);
  if (!ingress) throw new Error(`${ingressName} is not a port of ${br.name}`);
  const dst = frame.dst.toLowerCase();
  const src = (frame.src ?? '02:00:00:00:00:01').toLowerCase();

  const stopped = checkIngress(ingress, src, step, done) ?? classify(br, ingress, dst, step, done) ?? checkPortState(ingress, step, done);
  if (stopped) return stopped;
  const vlan = vlanIngress(br, ingress, step, done);
  if (typeof vlan !== 'number' && vlan !== null) return vlan;
  if (ingress.state === 'learning') {
    step('port state', 'dropped', `${ingress.name} is learning: the source address is learnt, the frame is not forwarded`);
    return done('dropped');
  }
  return forward(br, ingress, dst, vlan, step, done);
}

function checkIngress(ingress: PortView, src: string, step: Step, done: Done): BridgeDecision | null {
  if (!ingress.up) {
    step('ingress', 'dropped', `${ingress.name} is down: no frame is received on it`);
    return done('dropped');
  }
  if (!isValidSource(src)) {
    step('ingress', 'dropped', `source ${src} is not a valid unicast address; the bridge drops such frames`);
    return done('dropped');
  }
  return null;
}

/** Link-local frames take the group_fwd_mask switch; anything else goes on to ordinary forwarding. */
function classify(br: BridgeView, ingress: PortView, dst: string, step: Step, done: Done): BridgeDecision | null {
  const ll = LINK_LOCAL.exec(dst);
  if (!ll) {
    step('classify', isMulticast(dst) ? (dst === 'ff:ff:ff:ff:ff:ff' ? 'broadcast' : 'multicast') : 'unicast',
      `${dst} is not a link-local (01:80:c2:00:00:0X) address: ordinary forwarding`);
    return null;
  }
  const n = parseInt(ll[1]!, 16);
  const outcome = linkLocal(br, ingress, n, 1 << n, step);
  if (outcome === 'local') return done('local', [], [ingress.name]);
  if (outcome === 'drop') return done('dropped');
  return null;
}

/** The forwarding path: only a port in forwarding or learning state takes frames in. */
function checkPortState(ingress: PortView, step: Step, done: Done): BridgeDecision | null {
  if (ingress.state !== 'forwarding' && ingress.state !== 'learning') {
    step('port state', 'dropped', `${ingress.name} is ${ingress.state}: frames to forward are dropped on entry (only forwarding and learning ports take them)`);
    return done('dropped');
  }
  step('port state', 'accepted', `${ingress.name} is ${ingress.state}`);
  return null;
}

/** The VLAN an untagged frame is classified into (null without VLAN filtering), or the drop. */
function vlanIngress(br: BridgeView, ingress: PortView, step: Step, done: Done): number | null | BridgeDecision {
  if (!br.vlanFiltering) return null;
  if (ingress.vlans === null) {
    step('vlan ingress', 'assumed', 'vlan_filtering is on and no VLAN table is recorded: the frame is assumed to be allowed');
    return null;
  }
  const pvid = ingress.vlans.find((v) => v.pvid);
  if (!pvid) {
    step('vlan ingress', 'dropped', `vlan_filtering is on and ${ingress.name} has no PVID: an untagged frame is dropped`);
    return done('dropped');
  }
  step('vlan ingress', 'accepted', `untagged frame classified into VLAN ${pvid.vid} (the PVID of ${ingress.name})`);
  return pvid.vid;
}

/** To the host for a local address; otherwise flooded (the database is empty), with a copy up where due. */
function forward(br: BridgeView, ingress: PortView, dst: string, vid: number | null, step: Step, done: Done): BridgeDecision {
  const kind: Kind = !isMulticast(dst) ? 'unicast' : dst === 'ff:ff:ff:ff:ff:ff' ? 'broadcast' : 'multicast';
  // No multicast database entry is known, so multicast is flooded and the host gets a copy, as of broadcast.
  const localReceive = kind === 'unicast' ? br.promisc : true;
  if (kind === 'unicast') {
    const own = [br.mac, ...br.ports.map((p) => p.mac)].includes(dst);
    if (own) {
      step('fdb', 'local', `${dst} is the address of ${br.mac === dst ? br.name : br.ports.find((p) => p.mac === dst)!.name}, a local entry of the forwarding database: the frame is for the host`);
      return deliverUp(br, vid, step, done, []);
    }
    step('fdb', 'unknown', `${dst} is not in the forwarding database (treated as empty): unknown unicast is flooded`);
  }
  const egress: string[] = [];
  for (const p of br.ports) {
    const reason = egressRefusal(p, ingress, kind, vid);
    if (reason) step(`egress ${p.name}`, 'skipped', reason);
    else {
      egress.push(p.name);
      step(`egress ${p.name}`, 'sent', `${p.name} is forwarding`);
    }
  }
  if (localReceive) {
    const why = kind === 'unicast' ? `${br.name} is promiscuous` : `${kind} frames are also passed up to ${br.name}`;
    step('local', 'copy', why);
    return deliverUp(br, vid, step, done, egress);
  }
  if (egress.length === 0) {
    step('flood', 'dropped', 'no port to flood to');
    return done('dropped');
  }
  return done('forwarded', egress);
}

/** The link-local switch of br_handle_frame: 'forward' goes on to the forwarding path. */
function linkLocal(br: BridgeView, ingress: PortView, n: number, bit: number, step: Step): 'forward' | 'local' | 'drop' {
  const addr = `01:80:c2:00:00:0${n.toString(16)}`;
  const name = ({ 0: 'STP (bridge group address)', 1: 'MAC pause', 2: 'LACP (slow protocols)', 3: '802.1X EAPOL', 0xe: 'LLDP' } as Record<number, string>)[n];
  step('classify', 'link-local', `${addr}${name ? ` is ${name}` : ''}: a link-local group address, mask bit ${hex(bit)}`);

  if (!br.kernel.bridgeMask) {
    // Before Linux 3.2 there is no mask: STP is forwarded only with STP off, pause is dropped, the rest stays local.
    if (n === 1) { step('link-local', 'dropped', 'MAC pause frames are always dropped'); return 'drop'; }
    if (n === 0 && br.stpState === 0) { step('link-local', 'forward', 'STP is off: BPDUs are flooded to keep loop detection working'); return 'forward'; }
    step('link-local', 'local', `this kernel (< 3.2) has no group_fwd_mask: the frame is passed up on ${ingress.name}`);
    return 'local';
  }

  let required = 0;
  if (br.vlanFiltering && br.vlanProtocol === '802.1ad' && br.kernel.vlan8021ad) {
    required = GROUPFWD_8021AD & ~(1 << (parseInt(br.groupAddr.slice(-2), 16) & 0xf));
  }
  const portMask = br.kernel.portMask ? ingress.groupFwdMask ?? 0 : 0;
  const portSide = required | portMask;
  const portWhy = `${ingress.name} group_fwd_mask ${hex(portMask)}${required ? ` + 802.1ad required ${hex(required)}` : ''}`;

  if (n === 0) {
    if (br.stpState === 0) {
      step('link-local', 'forward', `STP is off on ${br.name}: BPDUs are flooded regardless of the masks, to keep loop detection working`);
      return 'forward';
    }
    if (portSide & bit) {
      step('link-local', 'forward', `STP is on but ${portWhy} has bit 0x1: forwarded`);
      return 'forward';
    }
    step('link-local', 'local', `STP is on (stp_state ${br.stpState}) and ${portWhy} lacks bit 0x1: the BPDU is passed up on ${ingress.name} for the STP daemon (the bridge mask cannot hold bit 0x1)`);
    return 'local';
  }
  if (n === 1) {
    step('link-local', 'dropped', 'MAC pause frames are always dropped by the bridge, whatever the masks');
    return 'drop';
  }
  const all = portSide | br.groupFwdMask;
  if (all & bit) {
    const by = [portSide & bit ? portWhy : null, br.groupFwdMask & bit ? `${br.name} group_fwd_mask ${hex(br.groupFwdMask)}` : null].filter(Boolean).join(' and ');
    step('link-local', 'forward', `${by} has bit ${hex(bit)}: forwarded like any multicast`);
    return 'forward';
  }
  const hint = n === 2
    ? `the bridge mask cannot hold bit 0x4 (restricted: ${describeBits(br.kernel.bridgeRefused)})${br.kernel.portMask ? `; the ingress port's mask can` : '; this kernel has no per-port mask (4.15)'}`
    : `set bit ${hex(bit)} on ${br.name} or on ${ingress.name}`;
  step('link-local', 'local', `neither ${portWhy} nor ${br.name} group_fwd_mask ${hex(br.groupFwdMask)} has bit ${hex(bit)}: passed up on ${ingress.name}, not forwarded (${hint})`);
  return 'local';
}

function egressRefusal(p: PortView, ingress: PortView, kind: Kind, vid: number | null): string | null {
  if (p.name === ingress.name && !p.flags.hairpin) return 'the ingress port (no hairpin)';
  if (kind === 'unicast' && !p.flags.flood) return 'flood is off on this port';
  if (kind === 'multicast' && !p.flags.mcastFlood) return 'mcast_flood is off on this port';
  if (kind === 'broadcast' && !p.flags.bcastFlood) return 'bcast_flood is off on this port';
  if (p.flags.proxyArp) return 'proxy_arp ports get no flood';
  if (p.state !== 'forwarding') return `port state ${p.state}: only forwarding ports send`;
  if (vid !== null && p.vlans !== null && !p.vlans.some((v) => v.vid === vid)) return `VLAN ${vid} is not allowed on this port`;
  if (p.flags.isolated && ingress.flags.isolated) return 'both ports are isolated';
  return null;
}

function deliverUp(br: BridgeView, vid: number | null, step: Step, done: Done, egress: string[]): BridgeDecision {
  if (vid !== null && br.selfVlans !== null && !br.promisc && !br.selfVlans.some((v: VlanEntry) => v.vid === vid)) {
    step('local', 'not delivered', `VLAN ${vid} is not configured on ${br.name} itself (self): the host does not get it`);
    return egress.length ? done('forwarded', egress) : done('dropped');
  }
  return egress.length ? done('forwarded', egress, [br.name]) : done('local', [], [br.name]);
}

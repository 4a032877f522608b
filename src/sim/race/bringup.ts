/**
 * The bring-up of one data-plane-owned tap as concurrent steps (seeds 000, 001):
 *
 *   kernel   creates the tap: a random MAC, addr_assign_type 1 (random), an "add" uevent queued
 *   VPP      opens one vhost-net queue per vlib thread (main + workers), then sets the tap's MAC to
 *            the uplink's (addr_assign_type becomes 3, set). VPP's tap_create_if() does the queue work
 *            between TUNSETIFF and the netlink MAC change, so more workers widen udevd's window.
 *   udevd    handles the add event: reads addr_assign_type and the MAC, picks the .link file and the
 *            MAC it will write (the .link engine decides, on the device as it is at that moment), and
 *            later writes that MAC (addr_assign_type becomes 3).
 *   admin    optionally replays the event (`udevadm trigger --action=add`, as after a udevd restart):
 *            udevd reads and writes once more.
 *   networkd optionally, when a .network matching the tap sets [Link] MACAddress=: it applies that
 *            once udevd has initialised the device.
 *
 * The outcome is won when the tap ends with the MAC VPP holds for the uplink, lost when it ends with
 * another, unknown when the uplink MAC or the written MAC cannot be known from the snapshot.
 */
import type { LinkExplanation, MacAction } from '../../model/link/index.js';
import type { Outcome, Step, StepSystem } from './explore.js';

/** Who gave the tap its current MAC; the value is null when it is random or cannot be computed. */
export type MacOrigin = 'kernel-random' | 'vpp' | 'udevd-persistent' | 'udevd-random' | 'udevd-static' | 'networkd';

export interface TapMac {
  value: string | null;
  origin: MacOrigin;
}

export interface UdevDecision {
  action: MacAction;
  /** The MAC udevd will write; null for a random one or one that cannot be computed. */
  mac: string | null;
  /** Whether udevd will write at all (it leaves the device alone when it keeps the address). */
  writes: boolean;
  reason: string;
  linkFile: string | null;
  policyLine: number | null;
  addrAssignTypeRead: number | null;
}

export interface TapState {
  created: boolean;
  mac: TapMac | null;
  /** addr_assign_type: 1 random, 3 set. */
  aat: number | null;
  vhostQueues: number;
  /** The udevd worker's decision for the event it is handling; null before it reads. */
  decision: UdevDecision | null;
  replayQueued: boolean;
}

/** The .link engine's answer for the tap in a given state. */
export type DecideLink = (tap: { name: string; mac: string | null; addrAssignType: number }) => LinkExplanation;

export interface NetworkdSetting {
  /** The .network file and line of [Link] MACAddress=. */
  file: string;
  line: number;
  mac: string;
}

export interface BringUpSpec {
  name: string;
  /** The MAC VPP holds for the uplink (and gives the tap); null when unknown. */
  uplinkMac: string | null;
  /** VPP worker threads; VPP opens one vhost-net queue pair per vlib thread (workers + main). */
  workers: number;
  decide: DecideLink;
  /** Replay the add event later (`udevadm trigger --action=add`, udevd restart with a trigger). */
  replay: boolean;
  networkd: NetworkdSetting | null;
}

export const NET_ADDR_RANDOM = 1;
export const NET_ADDR_SET = 3;

export function initialTapState(): TapState {
  return { created: false, mac: null, aat: null, vhostQueues: 0, decision: null, replayQueued: false };
}

/** The step system of one tap's bring-up; variable names carry the tap name so systems can be merged. */
export function bringUpSystem(spec: BringUpSpec): StepSystem<TapState> {
  const v = (x: string): string => `${spec.name}.${x}`;
  const MAC = v('mac');
  const AAT = v('addr_assign_type');
  const steps: Step<TapState>[] = [];
  const id = (actor: string, what: string): string => `${spec.name}/${actor}/${what}`;
  const created = id('kernel', 'create');

  steps.push({
    id: created, actor: `kernel:${spec.name}`, reads: [], writes: [MAC, AAT, v('exists')], after: [],
    apply: (s) => ({ ...s, created: true, mac: { value: null, origin: 'kernel-random' }, aat: NET_ADDR_RANDOM }),
    describe: () => `kernel creates tap ${spec.name} (random MAC, addr_assign_type=1 random); the add uevent is queued`,
  });

  const udevRead = (event: string, after: string[]): Step<TapState> => ({
    id: id('udevd', `read-${event}`), actor: `udevd:${spec.name}`, reads: [MAC, AAT, ...(event === 'replay' ? [v('replay')] : [])],
    writes: [v('decision'), ...(event === 'replay' ? [v('replay')] : [])], after,
    apply: (s) => ({ ...s, decision: decide(spec, s), replayQueued: event === 'replay' ? false : s.replayQueued }),
    describe: (_before, after) => describeRead(spec.name, event, after.decision!),
  });
  const udevWrite = (event: string): Step<TapState> => ({
    id: id('udevd', `write-${event}`), actor: `udevd:${spec.name}`, reads: [v('decision')], writes: [MAC, AAT], after: [],
    apply: (s) => {
      const d = s.decision!;
      if (!d.writes) return s;
      const origin: MacOrigin = d.action === 'persistent' ? 'udevd-persistent' : d.action === 'random' ? 'udevd-random' : 'udevd-static';
      return { ...s, mac: { value: d.mac, origin }, aat: NET_ADDR_SET };
    },
    describe: (before) => {
      const d = before.decision!;
      return d.writes ? `udevd writes ${d.mac ?? `a ${d.action} MAC`} to ${spec.name} (addr_assign_type=3)` : `udevd leaves the MAC of ${spec.name} alone`;
    },
  });

  // udevd's steps are listed first so the normal form shows it as early as it can run.
  steps.push(udevRead('add', [created]), udevWrite('add'));
  const vhost = spec.workers + 1;
  for (let q = 0; q < vhost; q++) {
    steps.push({
      id: id('vpp', `vhost${q}`), actor: `vpp:${spec.name}`, reads: [v('exists')], writes: [v('vhost')], after: q === 0 ? [created] : [],
      apply: (s) => ({ ...s, vhostQueues: s.vhostQueues + 1 }),
      describe: () => `VPP opens vhost-net queue ${q + 1} of ${vhost} for ${spec.name} (${q === 0 ? 'main thread' : `worker ${q}`})`,
    });
  }
  steps.push({
    id: id('vpp', 'set-mac'), actor: `vpp:${spec.name}`, reads: [], writes: [MAC, AAT], after: [],
    apply: (s) => ({ ...s, mac: { value: spec.uplinkMac, origin: 'vpp' }, aat: NET_ADDR_SET }),
    describe: () => `VPP sets the MAC of ${spec.name} to ${spec.uplinkMac ?? "the uplink's MAC (unknown here)"} (addr_assign_type=3 set)`,
  });

  if (spec.replay) {
    const trigger = id('admin', 'trigger');
    steps.push({
      id: trigger, actor: `admin:${spec.name}`, reads: [], writes: [v('replay')], after: [created],
      apply: (s) => ({ ...s, replayQueued: true }),
      describe: () => `udevadm trigger --action=add ${spec.name} (or a udevd restart with a trigger) queues the add event again`,
    });
    steps.push(udevRead('replay', [trigger]), udevWrite('replay'));
  }
  if (spec.networkd) {
    const nd = spec.networkd;
    steps.push({
      // networkd configures a link only once udevd has initialised it (the first event processed).
      id: id('networkd', 'set-mac'), actor: `networkd:${spec.name}`, reads: [], writes: [MAC, AAT], after: [id('udevd', 'write-add')],
      apply: (s) => ({ ...s, mac: { value: nd.mac, origin: 'networkd' }, aat: NET_ADDR_SET }),
      describe: () => `systemd-networkd sets the MAC of ${spec.name} to ${nd.mac} (${nd.file}:${nd.line} [Link] MACAddress=)`,
    });
  }

  return {
    steps,
    initial: initialTapState(),
    outcome: (s) => tapOutcome(s.mac, spec.uplinkMac),
    key: (s) => `${s.mac?.origin}:${s.mac?.value}:${s.aat}`,
    observed: [MAC],
  };
}

function decide(spec: BringUpSpec, s: TapState): UdevDecision {
  const aat = s.aat ?? NET_ADDR_RANDOM;
  const e = spec.decide({ name: spec.name, mac: s.mac?.value ?? null, addrAssignType: aat });
  // udevd writes only a MAC different from the one it read (a "keep" leaves the device alone).
  const writes = e.macAction !== 'keep' && !(e.resultMac !== null && e.resultMac === e.currentMac);
  return {
    action: e.macAction, mac: e.resultMac, writes, reason: e.reason, linkFile: e.linkFile,
    policyLine: e.macAddressPolicySource?.line ?? null, addrAssignTypeRead: aat,
  };
}

const AAT_NAMES: Record<number, string> = { 0: 'permanent', 1: 'random', 2: 'stolen', 3: 'set' };

function describeRead(name: string, event: string, d: UdevDecision): string {
  const where = d.linkFile ? `${d.linkFile}${d.policyLine !== null ? `:${d.policyLine}` : ''}` : 'no .link file';
  const policy = d.action === 'keep' ? `keeps the MAC (${d.reason})` : `MACAddressPolicy → ${d.action}, will write ${d.mac ?? `a ${d.action} MAC`}`;
  const which = event === 'replay' ? 'the replayed add event' : 'the add event';
  return `udevd handles ${which} of ${name}: reads addr_assign_type=${d.addrAssignTypeRead} (${AAT_NAMES[d.addrAssignTypeRead ?? 0] ?? '?'}) → ${where} ${policy}`;
}

/**
 * Won when the tap holds the uplink's MAC. A random MAC equals a given one only by a 2^-46 chance and
 * counts as lost; a persistent MAC that could not be computed (no machine-id) is locally administered,
 * so it is lost against a globally administered uplink MAC and unknown otherwise.
 */
export function tapOutcome(mac: TapMac | null, uplinkMac: string | null): Outcome {
  if (uplinkMac === null || mac === null) return 'unknown';
  if (mac.value !== null) return mac.value === uplinkMac ? 'won' : 'lost';
  if (mac.origin === 'kernel-random' || mac.origin === 'udevd-random') return 'lost';
  const localBit = (parseInt(uplinkMac.slice(0, 2), 16) & 0x02) !== 0;
  return localBit ? 'unknown' : 'lost';
}

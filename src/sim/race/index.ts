/**
 * The race explorer over a host: one bring-up system per data-plane-owned tap, built from the host
 * model (the uplink MAC VPP holds, its worker count, the .link file udevd would apply), each explored
 * exhaustively with partial-order reduction. Taps share no state, so each is explored on its own and
 * the counts are combined exactly: the naive orderings of the whole host are the ways to interleave
 * the taps' orderings (a multinomial) times the product of each tap's orderings.
 */
import type { Host } from '../../model/host.js';
import { explainLink, loadLinkConfigs, type LinkConfigSet } from '../../model/link/index.js';
import { macOwned, type MacOwned } from '../../model/mac-owners.js';
import { deviceAtCreation } from '../../rules/link/owned-devices.js';
import { bringUpSystem, type BringUpSpec, type TapState } from './bringup.js';
import { explore, multinomial, relevantSteps, structureOf, type Exploration, type Outcome, type StepSystem } from './explore.js';
import { networkdMacFor } from './networkd.js';

export interface RaceOptions {
  /** Only this uplink (the tap of the same name). */
  uplink?: string;
  replay?: boolean;
  /** Explore without partial-order reduction (every naive ordering executed). */
  naive?: boolean;
  maxStates?: number;
}

export interface TimelineStep {
  t: number;
  actor: string;
  text: string;
}

export interface TapRace {
  name: string;
  owner: string;
  uplinkMac: string | null;
  workers: number;
  workersSource: string | null;
  /** The .link file udevd applies to the new tap, and what it does then. */
  linkFile: string | null;
  steps: number;
  actors: string[];
  traces: number;
  statesVisited: number;
  orderings: bigint;
  byOutcome: Record<Outcome, bigint>;
  finalStates: { mac: string | null; origin: string; addrAssignType: number | null; outcome: Outcome; orderings: bigint; traces: number }[];
  /** The losing representative trimmed to the steps the loss depends on; null when nothing loses. */
  counterexample: TimelineStep[] | null;
  notes: string[];
}

export interface RaceReport {
  taps: TapRace[];
  /** Orderings of the whole bring-up (all taps interleaved). */
  orderings: bigint;
  /** Orderings in which at least one tap ends without the uplink's MAC. */
  losing: bigint;
  /** Orderings in which no tap loses but at least one outcome is unknown. */
  unknown: bigint;
  /** Distinct Mazurkiewicz traces of the whole bring-up (product over taps). */
  wholeTraces: bigint;
  /** Representatives executed (sum over taps). */
  tracesExplored: number;
  statesVisited: number;
  reduction: boolean;
  notes: string[];
}

/** The bring-up system of one owned tap, with the facts it was built from. */
export function tapSpec(host: Host, owned: MacOwned, links: LinkConfigSet, options: RaceOptions): { spec: BringUpSpec; notes: string[] } {
  const notes: string[] = [];
  const workers = owned.conditions?.vppWorkers?.count ?? 0;
  if (!owned.conditions?.vppWorkers) notes.push("VPP's startup.conf is not in the snapshot: modelled with 0 workers (one vhost-net queue)");
  if (owned.expectedMac === null) notes.push(`the MAC VPP holds for ${owned.name} is not known (no vppctl output, no Linux NIC of that name): outcomes are unknown`);
  const facts = host.snapshot.host;
  // The device udevd sees for the new tap (as link/mac-policy-race sees it), in the state at udevd's read.
  const atCreation = deviceAtCreation(host, owned);
  const decide: BringUpSpec['decide'] = (tap) => explainLink(links, { ...atCreation, mac: tap.mac, addrAssignType: tap.addrAssignType }, facts);
  const networkd = networkdMacFor(host, owned.current);
  notes.push(...networkd.notes);
  return { spec: { name: owned.name, uplinkMac: owned.expectedMac, workers, decide, replay: options.replay ?? false, networkd: networkd.setting }, notes };
}

/** Data-plane-owned taps the model covers: Calico/VPP's host taps (planned or existing). */
export function racedInterfaces(host: Host, uplink?: string): MacOwned[] {
  return macOwned(host).filter((o) => o.owner === 'Calico/VPP' && (uplink === undefined || o.name === uplink));
}

export function exploreRace(host: Host, options: RaceOptions = {}): RaceReport {
  const links = loadLinkConfigs(host);
  const owned = racedInterfaces(host, options.uplink);
  const taps: TapRace[] = [];
  const sizes: number[] = [];
  for (const o of owned) {
    const { spec, notes } = tapSpec(host, o, links, options);
    const system = bringUpSystem(spec);
    const result = explore(system, { reduce: !options.naive, maxStates: options.maxStates });
    sizes.push(system.steps.length);
    taps.push(tapRace(o, spec, system, result, notes, host, links));
  }
  return combine(taps, sizes, !options.naive, links);
}

function tapRace(o: MacOwned, spec: BringUpSpec, system: StepSystem<TapState>, r: Exploration<TapState>, notes: string[], host: Host, links: LinkConfigSet): TapRace {
  const fresh = explainLink(links, deviceAtCreation(host, o), host.snapshot.host);
  return {
    name: o.name,
    owner: o.owner,
    uplinkMac: o.expectedMac,
    workers: spec.workers,
    workersSource: o.conditions?.vppWorkers ? `${o.conditions.vppWorkers.source}${o.conditions.vppWorkers.line ? `:${o.conditions.vppWorkers.line}` : ''}` : null,
    linkFile: fresh.linkFile,
    steps: system.steps.length,
    actors: [...new Set(system.steps.map((s) => s.actor.split(':')[0]!))],
    traces: r.traces,
    statesVisited: r.statesVisited,
    orderings: r.orderings,
    byOutcome: r.byOutcome,
    finalStates: [...r.finals.values()].map((f) => ({
      mac: f.state.mac?.value ?? null, origin: f.state.mac?.origin ?? 'none', addrAssignType: f.state.aat, outcome: f.outcome, orderings: f.orderings, traces: f.traces,
    })),
    counterexample: r.counterexample ? timeline(system, r.counterexample) : null,
    // The .link engine's notes about the name decision do not bear on the MAC.
    notes: [...notes, ...fresh.notes.filter((n) => !n.startsWith('name_assign_type'))],
  };
}

/** The counterexample as a timeline: only the steps the loss depends on, each described in its state. */
export function timeline<S>(system: StepSystem<S>, word: readonly number[]): TimelineStep[] {
  const st = structureOf(system);
  const keep = new Set(relevantSteps(word, st.dep, system.steps, system.observed));
  const out: TimelineStep[] = [];
  let state = system.initial;
  for (const i of word) {
    const step = system.steps[i]!;
    const next = step.apply(state);
    if (keep.has(i)) out.push({ t: out.length, actor: step.actor.split(':')[0]!, text: step.describe(state, next) });
    state = next;
  }
  return out;
}

function combine(taps: TapRace[], sizes: number[], reduction: boolean, links: LinkConfigSet): RaceReport {
  const interleave = multinomial(sizes);
  let all = interleave;
  let notLost = interleave;
  let won = interleave;
  let wholeTraces = 1n;
  for (const t of taps) {
    all *= t.orderings;
    notLost *= t.byOutcome.won + t.byOutcome.unknown;
    won *= t.byOutcome.won;
    wholeTraces *= BigInt(t.traces);
  }
  const notes: string[] = [];
  if (links.versionAssumed) notes.push(`the snapshot does not record the systemd version; .link files read as systemd ${links.systemdVersion}`);
  if (links.versionNote) notes.push(links.versionNote);
  return {
    taps,
    orderings: taps.length ? all : 0n,
    losing: taps.length ? all - notLost : 0n,
    unknown: taps.length ? notLost - won : 0n,
    wholeTraces: taps.length ? wholeTraces : 0n,
    tracesExplored: taps.reduce((a, t) => a + t.traces, 0),
    statesVisited: taps.reduce((a, t) => a + t.statesVisited, 0),
    reduction,
    notes,
  };
}

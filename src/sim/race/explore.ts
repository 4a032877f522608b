/**
 * Exhaustive exploration of a small concurrent system: actors, each running its own steps in order,
 * plus causal edges between actors (an event can only be handled once it exists). Every ordering that
 * respects those constraints ("naive ordering") is covered, but only one representative per
 * Mazurkiewicz trace is executed: two steps commute when they are of different actors, no causal edge
 * joins them and neither writes a state variable the other reads or writes. The representative is the
 * lexicographic normal form, checked incrementally while the depth-first search extends the word, so
 * no set of visited words is kept. Each representative also reports how many naive orderings it stands
 * for (the linear extensions of its dependence order), so shares over the naive space are exact.
 */

export interface Step<S> {
  /** Unique within the system. */
  id: string;
  actor: string;
  /** State variables the step reads and writes; two steps conflict when one writes what the other touches. */
  reads: readonly string[];
  writes: readonly string[];
  /** Ids of steps of other actors that must come first. */
  after: readonly string[];
  apply(state: S): S;
  /** A sentence for the timeline: what the step did in this state. */
  describe(before: S, after: S): string;
}

export type Outcome = 'won' | 'lost' | 'unknown';

export interface StepSystem<S> {
  /** Steps of one actor appear in the order the actor runs them. */
  steps: readonly Step<S>[];
  initial: S;
  outcome(final: S): Outcome;
  /** A stable key of the final state, so equal final states are counted together. */
  key(final: S): string;
  /** Variables the outcome looks at (for trimming a counterexample to the steps that matter). */
  observed: readonly string[];
}

/** The static shape of a system: predecessors and the dependence relation, by step index. */
export interface Structure {
  n: number;
  /** Indices of steps that must come first (program order and causal edges), direct only. */
  preds: number[][];
  /** dep[a][b]: a and b do not commute. Symmetric; false on the diagonal. */
  dep: boolean[][];
}

export function structureOf<S>(system: StepSystem<S>): Structure {
  const steps = system.steps;
  const n = steps.length;
  const index = new Map<string, number>();
  steps.forEach((s, i) => {
    if (index.has(s.id)) throw new Error(`duplicate step id ${s.id}`);
    index.set(s.id, i);
  });
  const preds: number[][] = steps.map(() => []);
  const lastOfActor = new Map<string, number>();
  steps.forEach((s, i) => {
    const prev = lastOfActor.get(s.actor);
    if (prev !== undefined) preds[i]!.push(prev);
    lastOfActor.set(s.actor, i);
    for (const id of s.after) {
      const j = index.get(id);
      if (j === undefined) throw new Error(`step ${s.id} waits for unknown step ${id}`);
      if (j >= i) throw new Error(`step ${s.id} waits for ${id}, which is listed after it`);
      preds[i]!.push(j);
    }
  });
  const dep: boolean[][] = steps.map(() => steps.map(() => false));
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      const sa = steps[a]!;
      const sb = steps[b]!;
      const d = sa.actor === sb.actor || preds[a]!.includes(b) || preds[b]!.includes(a) || conflict(sa, sb);
      dep[a]![b] = d;
      dep[b]![a] = d;
    }
  }
  return { n, preds, dep };
}

function conflict<S>(a: Step<S>, b: Step<S>): boolean {
  const touches = (s: Step<S>, v: string): boolean => s.reads.includes(v) || s.writes.includes(v);
  return a.writes.some((v) => touches(b, v)) || b.writes.some((v) => touches(a, v));
}

export interface FinalState<S> {
  state: S;
  outcome: Outcome;
  /** Naive orderings that end here. */
  orderings: bigint;
  /** Representatives (traces) that end here. */
  traces: number;
}

export interface Exploration<S> {
  /** Traces executed: one per Mazurkiewicz trace (or every ordering, without reduction). */
  traces: number;
  /** Search nodes visited: states reached, counting dead ends. */
  statesVisited: number;
  /** All naive orderings covered, and how many end in each outcome. */
  orderings: bigint;
  byOutcome: Record<Outcome, bigint>;
  finals: Map<string, FinalState<S>>;
  /** A losing representative with the fewest steps that matter (see `relevantSteps`); null when none loses. */
  counterexample: number[] | null;
}

export interface ExploreOptions {
  /** Without reduction every naive ordering is executed (for tests and the benchmark baseline). */
  reduce?: boolean;
  /** Stops with an error past this many visited states. */
  maxStates?: number;
}

export class ExplorationLimitError extends Error {}

export function explore<S>(system: StepSystem<S>, options: ExploreOptions = {}): Exploration<S> {
  const reduce = options.reduce ?? true;
  const maxStates = options.maxStates ?? 5_000_000;
  const st = structureOf(system);
  const { n, preds, dep } = st;
  const steps = system.steps;
  const done = new Uint8Array(n);
  const word: number[] = [];
  const result: Exploration<S> = {
    traces: 0, statesVisited: 0, orderings: 0n, byOutcome: { won: 0n, lost: 0n, unknown: 0n }, finals: new Map(), counterexample: null,
  };
  let bestRelevant = Infinity;

  const visit = (state: S): void => {
    result.statesVisited++;
    if (result.statesVisited > maxStates) throw new ExplorationLimitError(`more than ${maxStates} states; the system is too large to explore exhaustively`);
    if (word.length === n) {
      const count = reduce ? linearExtensions(word, dep) : 1n;
      const outcome = system.outcome(state);
      const key = system.key(state);
      result.traces++;
      result.orderings += count;
      result.byOutcome[outcome] += count;
      const f = result.finals.get(key);
      if (f) {
        f.orderings += count;
        f.traces++;
      } else result.finals.set(key, { state, outcome, orderings: count, traces: 1 });
      if (outcome === 'lost') {
        const relevant = relevantSteps(word, dep, steps, system.observed).length;
        if (relevant < bestRelevant) {
          bestRelevant = relevant;
          result.counterexample = [...word];
        }
      }
      return;
    }
    for (let i = 0; i < n; i++) {
      if (done[i] || !preds[i]!.every((p) => done[p])) continue;
      if (reduce && !normalAfterAppending(word, i, dep)) continue;
      done[i] = 1;
      word.push(i);
      visit(steps[i]!.apply(state));
      word.pop();
      done[i] = 0;
    }
  };
  visit(system.initial);
  return result;
}

/**
 * Appending step `a` keeps the word in lexicographic normal form unless some step `b` > `a` sits
 * after the last step `a` depends on: then `a` could move in front of `b`, giving a smaller word of
 * the same trace (Anisimov and Knuth's characterisation of lexicographic normal forms).
 */
export function normalAfterAppending(word: readonly number[], a: number, dep: readonly boolean[][]): boolean {
  const row = dep[a]!;
  for (let k = word.length - 1; k >= 0; k--) {
    const b = word[k]!;
    if (row[b]) return true;
    if (b > a) return false;
  }
  return true;
}

/**
 * How many orderings the trace of `word` stands for: the linear extensions of the order in which
 * its dependent steps occur. Counted over the down-sets of that order (memoised by which steps are
 * placed), which is small here because every actor's steps form a chain.
 */
export function linearExtensions(word: readonly number[], dep: readonly boolean[][]): bigint {
  // before[q]: positions p < q whose step depends on the step at q.
  const before = word.map((b, q) => word.slice(0, q).flatMap((a, p) => (dep[a]![b] ? [p] : [])));
  return countLinearExtensions(before);
}

/** Naive orderings of the system: linear extensions of program order and causal edges alone. */
export function naiveOrderings(st: Structure): bigint {
  return countLinearExtensions(st.preds);
}

/**
 * The number of orders of n elements that put every element after its predecessors, counted over
 * the down-sets (memoised by which elements are placed): small here because every actor's steps form
 * a chain.
 */
function countLinearExtensions(preds: readonly (readonly number[])[]): bigint {
  const n = preds.length;
  const placed = new Uint8Array(n);
  const memo = new Map<string, bigint>();
  const count = (left: number): bigint => {
    if (left === 0) return 1n;
    const key = String.fromCharCode(...placed.map((x) => 48 + x));
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let total = 0n;
    for (let i = 0; i < n; i++) {
      if (placed[i] || !preds[i]!.every((p) => placed[p])) continue;
      placed[i] = 1;
      total += count(left - 1);
      placed[i] = 0;
    }
    memo.set(key, total);
    return total;
  };
  return count(n);
}

/**
 * The steps of a (complete) word that the outcome depends on: the last step writing an observed
 * variable, and every earlier step it depends on, directly or through others. Returned in word order.
 */
export function relevantSteps<S>(word: readonly number[], dep: readonly boolean[][], steps: readonly Step<S>[], observed: readonly string[]): number[] {
  const keep = new Uint8Array(word.length);
  for (let q = word.length - 1; q >= 0; q--) {
    const s = steps[word[q]!]!;
    if (s.writes.some((v) => observed.includes(v))) {
      keep[q] = 1;
      break;
    }
  }
  for (let q = word.length - 1; q >= 0; q--) {
    if (!keep[q]) continue;
    for (let p = 0; p < q; p++) if (dep[word[p]!]![word[q]!]) keep[p] = 1;
  }
  return word.filter((_, q) => keep[q]);
}

/** n! / (k1! k2! ...): the ways to interleave independent components of these sizes. */
export function multinomial(sizes: readonly number[]): bigint {
  let result = 1n;
  let total = 0;
  for (const k of sizes) {
    for (let i = 1; i <= k; i++) {
      total++;
      result = (result * BigInt(total)) / BigInt(i);
    }
  }
  return result;
}

/**
 * Runs one given ordering (step ids) and returns the state after each step; throws when the ordering
 * breaks an actor's order or a causal edge. For comparing the model with the real system step by step.
 */
export function execute<S>(system: StepSystem<S>, order: readonly string[]): S[] {
  const st = structureOf(system);
  const index = new Map(system.steps.map((s, i) => [s.id, i]));
  const done = new Uint8Array(st.n);
  const states: S[] = [];
  let state = system.initial;
  for (const id of order) {
    const i = index.get(id);
    if (i === undefined) throw new Error(`no step ${id}`);
    if (done[i]) throw new Error(`step ${id} runs twice`);
    const missing = st.preds[i]!.find((p) => !done[p]);
    if (missing !== undefined) throw new Error(`step ${id} cannot run before ${system.steps[missing]!.id}`);
    done[i] = 1;
    state = system.steps[i]!.apply(state);
    states.push(state);
  }
  return states;
}

/**
 * Several systems run side by side as one (their steps interleave freely). Used to check, and to
 * measure, what exploring independent components separately saves; the outcome is lost when any
 * component loses, unknown when none loses and any is unknown.
 */
export function mergeSystems<S>(systems: readonly StepSystem<S>[]): StepSystem<S[]> {
  const steps: Step<S[]>[] = [];
  systems.forEach((sys, c) => {
    for (const s of sys.steps) {
      steps.push({
        id: s.id, actor: s.actor, reads: s.reads, writes: s.writes, after: s.after,
        apply: (states) => states.map((x, k) => (k === c ? s.apply(x) : x)),
        describe: (before, after) => s.describe(before[c]!, after[c]!),
      });
    }
  });
  return {
    steps,
    initial: systems.map((s) => s.initial),
    outcome: (states) => {
      const outcomes = states.map((x, c) => systems[c]!.outcome(x));
      return outcomes.includes('lost') ? 'lost' : outcomes.includes('unknown') ? 'unknown' : 'won';
    },
    key: (states) => states.map((x, c) => systems[c]!.key(x)).join('|'),
    observed: systems.flatMap((s) => s.observed),
  };
}

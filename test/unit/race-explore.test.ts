// The explorer: reduction must reach exactly the final states naive enumeration reaches, and the
// orderings each representative stands for must add up to the naive total.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  explore, linearExtensions, multinomial, naiveOrderings, normalAfterAppending, structureOf, type Step, type StepSystem,
} from '../../src/sim/race/explore.js';

type Vars = Record<string, number>;

interface StepShape {
  actor: number;
  reads: number[];
  writes: number[];
  /** A causal edge to an earlier step of another actor, by index, when it exists. */
  waitsFor: number | null;
  constant: number;
}

/** A random system over a few integer variables: each step writes f(reads, its own constant). */
function systemOf(shapes: StepShape[], nVars: number): StepSystem<Vars> {
  const vars = Array.from({ length: nVars }, (_, i) => `v${i}`);
  const steps: Step<Vars>[] = shapes.map((sh, i) => {
    const waits = sh.waitsFor !== null && sh.waitsFor < i && shapes[sh.waitsFor]!.actor !== sh.actor ? [`s${sh.waitsFor}`] : [];
    const reads = [...new Set(sh.reads.map((r) => vars[r % nVars]!))];
    const writes = [...new Set(sh.writes.map((w) => vars[w % nVars]!))];
    return {
      id: `s${i}`, actor: `a${sh.actor}`, reads, writes, after: waits,
      // Non-commutative on purpose: the result depends on the order of conflicting steps.
      apply: (s) => {
        const input = reads.reduce((acc, r) => acc * 31 + (s[r] ?? 0), sh.constant);
        const next = { ...s };
        writes.forEach((w, k) => {
          next[w] = (input * 7 + k + i) % 1009;
        });
        return next;
      },
      describe: () => `s${i}`,
    };
  });
  return {
    steps,
    initial: Object.fromEntries(vars.map((v) => [v, 0])),
    outcome: (s) => ((s.v0 ?? 0) % 3 === 0 ? 'won' : (s.v0 ?? 0) % 3 === 1 ? 'lost' : 'unknown'),
    key: (s) => vars.map((v) => s[v]).join(','),
    observed: ['v0'],
  };
}

const shapeArb = (actors: number, nVars: number) => fc.record({
  actor: fc.integer({ min: 0, max: actors - 1 }),
  reads: fc.array(fc.integer({ min: 0, max: nVars - 1 }), { maxLength: 2 }),
  writes: fc.array(fc.integer({ min: 0, max: nVars - 1 }), { maxLength: 2 }),
  waitsFor: fc.option(fc.integer({ min: 0, max: 8 }), { nil: null }),
  constant: fc.integer({ min: 0, max: 50 }),
});

const systemArb = fc.integer({ min: 1, max: 4 }).chain((nVars) =>
  fc.integer({ min: 1, max: 4 }).chain((actors) =>
    fc.array(shapeArb(actors, nVars), { minLength: 1, maxLength: 8 }).map((shapes) => systemOf(shapes, nVars))));

test('reduction reaches exactly the final states of naive enumeration, with the same ordering counts', () => {
  fc.assert(fc.property(systemArb, (system) => {
    const naive = explore(system, { reduce: false });
    const reduced = explore(system, { reduce: true });
    // Same set of final states, each reached by the same number of orderings.
    const counts = (e: typeof naive) => new Map([...e.finals].map(([k, f]) => [k, f.orderings]));
    assert.deepEqual(counts(reduced), counts(naive));
    assert.deepEqual(reduced.byOutcome, naive.byOutcome);
    // The counts add up to the total of naive orderings, computed independently of the search.
    const total = naiveOrderings(structureOf(system));
    assert.equal(naive.orderings, total);
    assert.equal(reduced.orderings, total);
    assert.equal(BigInt(naive.traces), total);
    assert.ok(reduced.traces <= naive.traces);
    assert.equal(reduced.counterexample === null, naive.counterexample === null);
  }), { numRuns: 400 });
});

test('one representative per trace: no two explored words are equivalent', () => {
  fc.assert(fc.property(systemArb, (system) => {
    const st = structureOf(system);
    const words: number[][] = [];
    // Collect the representatives by exploring with a recording outcome.
    const recorder: StepSystem<{ word: number[] }> = {
      steps: system.steps.map((s, i) => ({ ...s, apply: (x: { word: number[] }) => ({ word: [...x.word, i] }), describe: () => s.id })),
      initial: { word: [] },
      outcome: (x) => {
        words.push(x.word);
        return 'won';
      },
      key: (x) => x.word.join(' '),
      observed: [],
    };
    explore(recorder, { reduce: true });
    // Two words of one trace have the same order on every dependent pair.
    const signature = (w: number[]) => {
      const pos = new Map(w.map((s, p) => [s, p]));
      const pairs: string[] = [];
      for (let a = 0; a < st.n; a++) for (let b = a + 1; b < st.n; b++) if (st.dep[a]![b]) pairs.push(pos.get(a)! < pos.get(b)! ? '<' : '>');
      return pairs.join('');
    };
    const sigs = words.map(signature);
    assert.equal(new Set(sigs).size, sigs.length);
    // ... and the linear extensions of the representatives partition the naive space.
    const sum = words.reduce((acc, w) => acc + linearExtensions(w, st.dep), 0n);
    assert.equal(sum, naiveOrderings(st));
  }), { numRuns: 300 });
});

test('fully independent actors collapse to a single trace', () => {
  const steps: Step<Vars>[] = [];
  for (let a = 0; a < 3; a++) {
    for (let k = 0; k < 3; k++) {
      steps.push({ id: `a${a}s${k}`, actor: `a${a}`, reads: [], writes: [`x${a}`], after: [], apply: (s) => ({ ...s, [`x${a}`]: k }), describe: () => '' });
    }
  }
  const system: StepSystem<Vars> = { steps, initial: {}, outcome: () => 'won', key: () => '', observed: [] };
  const r = explore(system);
  assert.equal(r.traces, 1);
  assert.equal(r.orderings, multinomial([3, 3, 3]));
  assert.equal(r.orderings, 1680n);
});

test('lexicographic normal form check', () => {
  // Steps 0 and 1 commute; 2 depends on 0.
  const dep = [[false, false, true], [false, false, false], [true, false, false]];
  assert.equal(normalAfterAppending([1], 0, dep), false); // "1 0" is not minimal: "0 1" is
  assert.equal(normalAfterAppending([0], 1, dep), true);
  assert.equal(normalAfterAppending([1, 0], 2, dep), true);
  assert.equal(normalAfterAppending([0, 1], 2, dep), true); // 2 cannot pass 0 (dependent) and 1 < 2
});

test('multinomial is exact beyond 2^53', () => {
  assert.equal(multinomial([2, 2]), 6n);
  assert.equal(multinomial([1, 1, 1, 1]), 24n);
  assert.equal(multinomial([]), 1n);
  // 48! / (3!)^16, checked against the factorial formula.
  const fact = (n: number): bigint => (n <= 1 ? 1n : BigInt(n) * fact(n - 1));
  assert.equal(multinomial(Array(16).fill(3)), fact(48) / fact(3) ** 16n);
});

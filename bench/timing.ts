/** Timing for the benchmarks: one way to measure and one median, so every bench reports alike. */

/** Milliseconds since `t0`, a `process.hrtime.bigint()` reading. */
export function msSince(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** The middle of the sorted values (the upper middle of an even count), as every bench has reported it. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Runs `fn` `runs` times: the median wall time in milliseconds, and the last run's result. */
export function medianMs<T>(runs: number, fn: () => T): { ms: number; value: T } {
  const times: number[] = [];
  let value!: T;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    value = fn();
    times.push(msSince(t0));
  }
  return { ms: median(times), value };
}

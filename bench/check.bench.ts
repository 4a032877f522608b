/**
 * `hostnet check` at scale (issue 4): a synthetic snapshot of 10,000 interfaces, 200,000 routes and
 * 300 .link files (bench/synthetic.ts). Targets: <= 2 s wall, <= 500 MB peak memory, and <= 4x the time
 * of merely parsing and validating that snapshot (`hostnet snapshot validate`), measured in the same run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bench } from './run.js';
import { syntheticSnapshot } from './synthetic.js';

const DIST = fileURLToPath(new URL('../dist/hostnet.js', import.meta.url));

/** Runs the bundle with ARGS in a fresh process; returns wall time and the process's own peak RSS. */
export function timeBundle(args: string[]): { ms: number; maxRssMb: number; code: number } {
  const script = `process.on('exit', () => process.stderr.write('maxrss ' + process.resourceUsage().maxRSS + '\\n'));
process.argv = [process.argv[0], 'hostnet', ...${JSON.stringify(args)}];
await import(${JSON.stringify(DIST)});`;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const m = /maxrss (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`hostnet ${args.join(' ')} failed: ${r.stderr}`);
  return { ms, maxRssMb: Number(m[1]) / 1024, code: r.status ?? -1 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const bench: Bench = {
  title: 'check: 10,000 interfaces, 200,000 routes, 300 .link files',
  async run(log) {
    if (!existsSync(DIST)) throw new Error('dist/hostnet.js is missing: run npm run build');
    const dir = mkdtempSync(join(tmpdir(), 'hostnet-bench-'));
    try {
      const file = join(dir, 'synthetic.json');
      const snapshot = syntheticSnapshot({ interfaces: 10_000, routes: 200_000, linkFiles: 300 });
      writeFileSync(file, JSON.stringify(snapshot));
      log(`synthetic snapshot: ${snapshot.interfaces.length} interfaces, ${snapshot.routes.length} routes, ${snapshot.files.length} files`);
      const validate = [0, 1, 2].map(() => timeBundle(['snapshot', 'validate', file]));
      const check = [0, 1, 2].map(() => timeBundle(['check', '--snapshot', file, '--format', 'json', '-o', join(dir, 'report.json')]));
      const checkMs = median(check.map((c) => c.ms));
      const validateMs = median(validate.map((c) => c.ms));
      const rss = Math.max(...check.map((c) => c.maxRssMb));
      return [
        { name: 'hostnet check', value: checkMs, unit: 'ms', baseline: { name: 'hostnet snapshot validate (parse + schema)', value: validateMs },
          target: '<= 2000 ms and <= 4x parse+validate', met: checkMs <= 2000 && checkMs <= 4 * validateMs, notes: [`exit code ${check[0]!.code}`] },
        { name: 'hostnet check peak memory', value: rss, unit: 'MB', target: '<= 500 MB', met: rss <= 500 },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;

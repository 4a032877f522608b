/**
 * `hostnet check` at scale: a synthetic snapshot (bench/synthetic.ts) of 10,000 interfaces, of which
 * 1,000 NICs are Calico/VPP uplinks (1,000 data-plane taps the .link engine resolves, and the race
 * explorer explores when it checks the fix), 200,000 routes, and 300 .link files that really match the
 * interfaces (name globs, drivers, drop-ins, masked files). Baseline in the same run: parsing and
 * validating the same snapshot (`hostnet snapshot validate`). Also timed: `hostnet link explain` of
 * every interface against the same files, since check itself resolves only the data-plane-owned ones.
 * Targets: check <= 1.5 s and <= 4x the baseline; peak memory <= 500 MB.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bench } from './run.js';
import { syntheticSnapshot } from './synthetic.js';
import { msSince } from './timing.js';

const DIST = fileURLToPath(new URL('../dist/hostnet.js', import.meta.url));

/** Runs the bundle with ARGS in a fresh process; returns wall time and the process's own peak RSS. */
export function timeBundle(args: string[]): { ms: number; maxRssMb: number; code: number } {
  const script = `process.on('exit', () => process.stderr.write('maxrss ' + process.resourceUsage().maxRSS + '\\n'));
process.argv = [process.argv[0], 'hostnet', ...${JSON.stringify(args)}];
await import(${JSON.stringify(DIST)});`;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = msSince(t0);
  const m = /maxrss (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`hostnet ${args.join(' ')} failed: ${r.stderr}`);
  return { ms, maxRssMb: Number(m[1]) / 1024, code: r.status ?? -1 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const SIZE = { interfaces: 10_000, routes: 200_000, linkFiles: 300, uplinks: 1_000 };

const bench: Bench = {
  title: 'check: 10,000 interfaces (1,000 data-plane taps), 200,000 routes, 300 matching .link files',
  async run(log) {
    if (!existsSync(DIST)) throw new Error('dist/hostnet.js is missing: run npm run build');
    const dir = mkdtempSync(join(tmpdir(), 'hostnet-bench-'));
    try {
      const file = join(dir, 'synthetic.json');
      const snapshot = syntheticSnapshot(SIZE);
      writeFileSync(file, JSON.stringify(snapshot));
      const links = snapshot.files.filter((f) => f.path.endsWith('.link'));
      log(`workload: ${snapshot.interfaces.length} interfaces, ${snapshot.routes.length} routes, ${links.length} .link files ` +
        `(${links.filter((f) => f.mask).length} masks) + ${snapshot.files.filter((f) => f.path.endsWith('.conf')).length} drop-ins, ${SIZE.uplinks} Calico/VPP uplinks`);
      const validate = [0, 1, 2].map(() => timeBundle(['snapshot', 'validate', file]));
      const report = join(dir, 'report.json');
      const check = [0, 1, 2].map(() => timeBundle(['check', '--snapshot', file, '--format', 'json', '-o', report]));
      const explainOut = join(dir, 'explain.json');
      const explain = [0, 1, 2].map(() => timeBundle(['link', 'explain', '--snapshot', file, '--format', 'json', '-o', explainOut]));
      const coverage = explainCoverage(explainOut);
      const findings = (JSON.parse(readFileSync(report, 'utf8')) as { findings: { ruleId: string; fixes: { verification?: { checks: { method: string }[] } }[] }[] }).findings;
      const raced = findings.filter((f) => f.ruleId === 'link/mac-policy-race').length;
      const raceChecks = findings.flatMap((f) => f.fixes).filter((x) => x.verification?.checks.some((c) => c.method === 'race-explorer')).length;
      log(`check: ${findings.length} findings, ${raced} raced data-plane taps, ${raceChecks} fixes checked by the race explorer`);
      log(`link explain: ${coverage.explained} interfaces, ${coverage.site} resolved to one of the 300 site files, ${coverage.other} to another file, ${coverage.none} to none`);
      if (raced < 1_000) throw new Error(`only ${raced} data-plane taps reached the .link engine's race rule`);
      const checkMs = median(check.map((c) => c.ms));
      const validateMs = median(validate.map((c) => c.ms));
      const explainMs = median(explain.map((c) => c.ms));
      const rss = Math.max(...check.map((c) => c.maxRssMb));
      return [
        { name: 'hostnet check', value: checkMs, unit: 'ms', baseline: { name: 'hostnet snapshot validate (parse + schema) of the same file', value: validateMs },
          target: '<= 1500 ms and <= 4x parse+validate', met: checkMs <= 1500 && checkMs <= 4 * validateMs, notes: [`exit code ${check[0]!.code}; median of 3 runs each, fresh processes`] },
        { name: 'hostnet link explain (every interface)', value: explainMs, unit: 'ms', baseline: { name: 'hostnet snapshot validate', value: validateMs },
          notes: [`${coverage.site} of ${coverage.explained} interfaces resolved to a site file`] },
        { name: 'hostnet check peak memory', value: rss, unit: 'MB', target: '<= 500 MB', met: rss <= 500 },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

function explainCoverage(path: string): { explained: number; site: number; other: number; none: number } {
  const data = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  const list = (Array.isArray(data) ? data : (data as { interfaces?: unknown[]; explanations?: unknown[] }).explanations ?? (data as { interfaces?: unknown[] }).interfaces ?? []) as { linkFile: string | null }[];
  const site = list.filter((e) => e.linkFile?.includes('-site-')).length;
  const none = list.filter((e) => e.linkFile === null).length;
  return { explained: list.length, site, other: list.length - site - none, none };
}

export default bench;

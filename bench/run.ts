/**
 * `npm run bench`: runs every bench/*.bench.ts and prints each figure beside the baseline measured in
 * the same run, with the ratio and the issue's target. Benchmarks are not tests: they never fail the
 * build; they report. Give file name parts as arguments to run only some: `npm run bench -- collect`.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface BenchResult {
  /** What was measured, e.g. "collect 4,000 interfaces". */
  name: string;
  value: number;
  unit: string;
  /** The baseline measured in the same run (raw commands, node -e 0, JSON.parse, ...). */
  baseline?: { name: string; value: number };
  /** The issue's target, in words, e.g. "<= 1.5x the raw commands". */
  target?: string;
  /** Whether the figure meets the target, when there is one. */
  met?: boolean;
  notes?: string[];
}

export interface Bench {
  title: string;
  run(log: (message: string) => void): Promise<BenchResult[]>;
}

const dir = fileURLToPath(new URL('.', import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts') && (filters.length === 0 || filters.some((x) => f.includes(x)))).sort();

for (const file of files) {
  const mod = (await import(new URL(file, import.meta.url).href)) as { default: Bench };
  const bench = mod.default;
  console.log(`\n== ${bench.title} (${file})`);
  try {
    for (const r of await bench.run((m) => console.log(`   ${m}`))) {
      const ratio = r.baseline ? `  ratio ${(r.value / r.baseline.value).toFixed(2)}x vs ${r.baseline.name} (${fmt(r.baseline.value)} ${r.unit})` : '';
      const target = r.target ? `  target ${r.target}: ${r.met === undefined ? '?' : r.met ? 'met' : 'NOT met'}` : '';
      console.log(`  ${r.name}: ${fmt(r.value)} ${r.unit}${ratio}${target}`);
      for (const n of r.notes ?? []) console.log(`    ${n}`);
    }
  } catch (err) {
    console.log(`  could not run: ${(err as Error).message}`);
  }
}

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toPrecision(3);
}

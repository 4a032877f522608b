/** `hostnet report`: one HTML page (or JUnit XML) for one node or a fleet of snapshots. */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, Option } from 'commander';
import { ExitCode, InputError, inWords } from '../errors.js';
import { buildHost } from '../model/host.js';
import { renderHtml, type HtmlNode, type HtmlUnreadable } from '../render/html.js';
import { renderJunit } from '../render/junit.js';
import { atOrAbove, runChecks } from '../rules/engine.js';
import { ALL_RULES } from '../rules/index.js';
import type { Severity } from '../rules/types.js';
import { parseSnapshot } from '../snapshot/load.js';
import { readInputFile, withInputs } from './input.js';
import { emit, progressReporter } from './output.js';
import { checkRuleIds, listOption } from './options.js';

interface ReportOpts {
  snapshots?: string;
  snapshot: string[];
  format: 'html' | 'junit';
  output?: string;
  failOn: Severity;
  ignore: string[];
  title?: string;
  input?: string[];
}

export function reportCommand(): Command {
  return new Command('report')
    .description('Write one self-contained HTML page (or JUnit XML) for a node or a fleet of snapshots')
    .option('--snapshots <dir>', 'every *.json snapshot below this directory (one per node)')
    .option('--snapshot <file...>', 'a snapshot file (repeatable)', [])
    .addOption(new Option('--format <format>', 'output format').choices(['html', 'junit']).default('html'))
    .option('-o, --output <file>', 'write the report here instead of stdout')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices(['error', 'warning', 'note']).default('warning'))
    .addOption(listOption('--ignore <id>', 'a rule id not to run').default([]))
    .addOption(listOption('--input <role=file>', 'add an input file to the analysis of every snapshot, as for check'))
    .option('--title <text>', 'the page title (html)')
    .addHelpText('after', `
The HTML page needs no network to view: per node a diagram of its interfaces (bridges and their ports,
macvlan children, taps, the VPP takeover) with the findings marked, the findings with evidence and fixes,
and for several nodes a summary of which rules fire on how many nodes. A snapshot that cannot be read is
listed in the report (and the exit code is 2), never silently left out.

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 a snapshot could not be evaluated.

Examples:
  npx hostnet report --snapshot examples/lab-lacp/kvm-host-before.json --input lab-intent=examples/lab-lacp/intent.yaml -o lab.html
  npx hostnet report --snapshots examples/cnf-macvlan/nodes -o fleet.html
  npx hostnet report --snapshots examples/cnf-macvlan/nodes --format junit -o hostnet-junit.xml`)
    .action((opts: ReportOpts) => {
      checkRuleIds(opts.ignore, '--ignore');
      const { files, fromDir } = snapshotFiles(opts);
      const inputs = (opts.input ?? []).map(readInputFile);
      const entries = files.map((file) => ({ source: file, read: () => readSnapshotText(file), maybeOther: fromDir.has(file) }));
      const built = buildReport(entries, { ...opts, inputs, namesBelow: opts.snapshots });
      if (built.nodes === 0 && built.unreadable.length === 0) {
        throw new InputError('no hostnet snapshot among the JSON files', opts.snapshots, 'write them with `npx hostnet collect -o DIR/NODE.json` on each node');
      }
      emit(built.text, opts.output);
      if (built.skipped.length) process.stderr.write(`hostnet: skipped ${built.skipped.length} JSON file(s) that are not snapshots (no "schema": "hostnet.snapshot/..."), e.g. ${built.skipped[0]}\n`);
      for (const u of built.unreadable) process.stderr.write(`hostnet: ${u.error}\n`);
      process.exitCode = built.exitCode;
    });
}

/** One snapshot for buildReport: where it comes from, how to read it, and whether it may be some other JSON. */
export interface ReportEntry {
  source: string;
  /** The snapshot's text; throws InputError when it cannot be had. */
  read: () => string;
  /** Beside snapshots a directory may hold other JSON (traces, NADs): such an entry is skipped, not reported. */
  maybeOther: boolean;
}

export interface ReportBuild {
  text: string;
  nodes: number;
  unreadable: HtmlUnreadable[];
  skipped: string[];
  exitCode: number;
}

/** The report of a set of snapshots: shared by `hostnet report` and `kubectl hostnet report`. */
export function buildReport(entries: readonly ReportEntry[], opts: Pick<ReportOpts, 'format' | 'failOn' | 'ignore' | 'title'> & { inputs?: ReturnType<typeof readInputFile>[]; namesBelow?: string }): ReportBuild {
  const progress = progressReporter();
  const nodes: HtmlNode[] = [];
  const unreadable: HtmlUnreadable[] = [];
  const skipped: string[] = [];
  entries.forEach((entry, n) => {
    if (n > 0 && n % 50 === 0) progress(`checked ${n} of ${entries.length} snapshots`);
    try {
      const text = entry.read();
      if (entry.maybeOther && isOtherJson(text)) {
        skipped.push(entry.source);
        return;
      }
      const host = buildHost(withInputs(parseSnapshot(text, entry.source), opts.inputs ?? []));
      const report = runChecks(host, ALL_RULES, { ignore: opts.ignore });
      nodes.push({ name: host.snapshot.host.hostname ?? entry.source, source: entry.source, host, report });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      unreadable.push({ source: entry.source, error: err.describe() });
    }
  });
  nameApart(nodes, opts.namesBelow);
  const rules = ALL_RULES.map((r) => r.meta);
  const text = opts.format === 'junit'
    ? renderJunit(nodes.map((n) => ({ name: n.name, report: n.report, skipped: opts.ignore, timestamp: n.host.snapshot.collectedAt })), rules, opts.failOn, unreadable)
    : renderHtml(nodes, unreadable, {
      title: opts.title ?? (nodes.length === 1 && unreadable.length === 0 ? `hostnet report: ${nodes[0]!.name}` : `hostnet report: ${nodes.length} nodes`),
      rules, failOn: opts.failOn, generatedAt: new Date().toISOString(), docsBase: installedRuleDocs(),
    });
  const firing = nodes.some((n) => atOrAbove(n.report.findings, opts.failOn).length > 0);
  const exitCode = unreadable.length > 0 ? ExitCode.couldNotEvaluate : firing ? ExitCode.findings : ExitCode.ok;
  return { text, nodes: nodes.length, unreadable, skipped, exitCode };
}

/** Nodes that share a host name (cloned VMs, lab hosts) are told apart by their file (below --snapshots). */
function nameApart(nodes: HtmlNode[], dir: string | undefined): void {
  const count = new Map<string, number>();
  for (const n of nodes) count.set(n.name, (count.get(n.name) ?? 0) + 1);
  const file = (source: string): string => (dir && !relative(dir, source).startsWith('..') ? relative(dir, source) : source);
  for (const n of nodes) if ((count.get(n.name) ?? 0) > 1) n.name = `${n.name} (${file(n.source)})`;
}

/** The rule pages shipped beside this bundle (dist/../docs/rules/), as a file: URL; else relative. */
function installedRuleDocs(): string {
  try {
    const dir = resolve(dirname(realpathSync(process.argv[1] ?? '')), '..', 'docs', 'rules');
    return existsSync(dir) ? `${pathToFileURL(dir).href}/` : 'docs/rules/';
  } catch {
    return 'docs/rules/';
  }
}

function readSnapshotText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read snapshot: ${inWords(err)}`, file);
  }
}

/** Valid JSON whose "schema" is missing or names something other than a snapshot. */
function isOtherJson(text: string): boolean {
  try {
    const data = JSON.parse(text) as unknown;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return true;
    const schema = (data as Record<string, unknown>).schema;
    return typeof schema !== 'string' || !schema.startsWith('hostnet.snapshot/');
  } catch {
    return false; // broken JSON is reported, not skipped
  }
}

/** The files to read, in a stable order: --snapshot files as given, then the directory's sorted. */
function snapshotFiles(opts: ReportOpts): { files: string[]; fromDir: Set<string> } {
  const files = [...opts.snapshot];
  if (opts.snapshots) {
    const dir = opts.snapshots;
    let st;
    try {
      st = statSync(dir);
    } catch (err) {
      throw new InputError(`cannot read snapshot directory: ${inWords(err)}`, dir);
    }
    if (!st.isDirectory()) throw new InputError('not a directory', dir, 'use --snapshot FILE for a single snapshot');
    const found = walk(dir).sort((a, b) => relative(dir, a).localeCompare(relative(dir, b)));
    if (found.length === 0) throw new InputError('no *.json snapshot files in the directory', dir, 'write them with `npx hostnet collect -o DIR/NODE.json` on each node');
    files.push(...found);
    return { files, fromDir: new Set(found) };
  }
  if (files.length === 0) throw new InputError('no snapshots given', undefined, 'give --snapshots DIR or --snapshot FILE');
  return { files, fromDir: new Set() };
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return walk(path);
    return e.isFile() && e.name.endsWith('.json') ? [path] : [];
  });
}

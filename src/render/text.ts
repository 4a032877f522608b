/** Text output of `check`: findings grouped by severity, evidence as file:line, then the fix. */
import pc from 'picocolors';
import type { Report } from '../rules/engine.js';
import { VERIFICATION_METHODS, type Evidence, type Finding, type Fix, type FixFile, type Severity } from '../rules/types.js';
import { nothingToCheck, type ScopeItem } from '../model/scope.js';
import { printableDeep } from '../printable.js';
import type { Gap } from '../snapshot/schema.js';

export interface TextOptions {
  color: boolean;
  source: string;
  /** What the rules looked at on the host (src/model/scope.ts). */
  scope?: ScopeItem[];
  /** The command named in the heading; `hostnet check` unless another verb reports. */
  title?: string;
}

const HEADINGS: [Severity, string][] = [['error', 'Errors'], ['warning', 'Warnings'], ['note', 'Notes']];

export function renderText(unsafeReport: Report, options: TextOptions): string {
  // What files said reaches the terminal only as printable text.
  const report = printableDeep(unsafeReport);
  const c = pc.createColors(options.color);
  const paint: Record<Severity, (s: string) => string> = { error: c.red, warning: c.yellow, note: c.cyan };
  const lines: string[] = [];
  lines.push(c.bold(`${options.title ?? 'hostnet check'}: ${options.source}`));
  const looked = options.scope?.map((i) => `${i.count} ${i.what}${i.count === 1 ? '' : 's'}`).join(', ');
  lines.push(c.dim(`${report.rulesRun.length} rules run${looked ? `; looked at ${looked}` : ''}`));
  for (const d of report.diagnostics) lines.push(`${c.yellow('input')}: ${d.where}: ${d.message}`);
  if (report.findings.length === 0) {
    lines.push('', c.green('No findings.'));
    if (options.scope && nothingToCheck(options.scope)) {
      lines.push(`This host has none of what hostnet checks (data-plane taps and tunnels, bridges, bonds, macvlan devices,
Calico/VPP, NetworkAttachmentDefinitions). To see it at work, check a bundled example:
  npx hostnet check --snapshot examples/vpp-e810-predeploy/snapshot.json
  npx hostnet check --snapshot examples/lab-lacp/kvm-host-before.json --input lab-intent=examples/lab-lacp/intent.yaml`);
    }
  }
  const shared = sharedFiles(report.findings);
  for (const [severity, heading] of HEADINGS) {
    const group = report.findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    lines.push('', paint[severity](c.bold(`${heading} (${group.length})`)));
    for (const same of byRule(group)) {
      const fixes = sharedFixes(same);
      for (const finding of same) lines.push(...renderFinding(finding, paint[severity], c, shared, fixes));
      lines.push(...renderSharedFixes(same, fixes, c, shared));
    }
  }
  lines.push(...renderSharedFiles(shared, c));
  if (report.gaps.length > 0) {
    lines.push('', c.dim(`Not seen (${report.gaps.length}): ${report.gaps.map(describeGap).join('; ')}`));
  }
  const counts = HEADINGS.map(([s]) => {
    const n = report.findings.filter((f) => f.severity === s).length;
    return `${n} ${s}${n === 1 ? '' : 's'}`;
  });
  lines.push('', counts.join(', '));
  return `${lines.join('\n')}\n`;
}

type Colors = ReturnType<typeof pc.createColors>;

/** A file that the fixes of several findings write alike: printed once, after the findings. */
interface SharedFile {
  label: string;
  file: FixFile;
  findings: Finding[];
}

function fileKey(file: FixFile): string {
  return JSON.stringify([file.path, file.content]);
}

/** Files (same path, same content) written by the fixes of more than one finding, labelled A, B, ... */
function sharedFiles(findings: readonly Finding[]): Map<string, SharedFile> {
  const byKey = new Map<string, SharedFile>();
  for (const f of findings) {
    for (const file of f.fixes.flatMap((x) => x.files)) {
      const entry = byKey.get(fileKey(file)) ?? { label: '', file, findings: [] };
      if (!entry.findings.includes(f)) entry.findings.push(f);
      byKey.set(fileKey(file), entry);
    }
  }
  const shared = new Map([...byKey].filter(([, e]) => e.findings.length > 1));
  [...shared.values()].forEach((e, i) => (e.label = fileLabel(i)));
  return shared;
}

function fileLabel(i: number): string {
  return i < 26 ? String.fromCharCode(65 + i) : `${fileLabel(Math.floor(i / 26) - 1)}${String.fromCharCode(65 + (i % 26))}`;
}

function renderSharedFiles(shared: Map<string, SharedFile>, c: Colors): string[] {
  if (shared.size === 0) return [];
  const out = ['', c.bold(`Files the fixes of several findings write (${shared.size})`)];
  for (const e of shared.values()) {
    out.push('', `  ${c.green(`file ${e.label}`)} for ${e.findings.length} findings: ${byRule(e.findings).map(namedFindings).join(', ')}`);
    out.push(...fileLines(e.file, c));
  }
  return out;
}

/** `rule [a, b]`: the findings of one rule by the interfaces they are about. */
function namedFindings(same: Finding[]): string {
  const names = same.flatMap((f) => (f.interface ? [f.interface] : []));
  return `${same[0]!.ruleId}${names.length ? ` [${names.join(', ')}]` : ''}`;
}

function fileLines(file: FixFile, c: Colors): string[] {
  return [`      ${c.dim(`# ${file.path}`)}`, ...file.content.trimEnd().split('\n').map((l) => `      ${l}`)];
}

function renderFinding(f: Finding, paint: (s: string) => string, c: Colors, shared: Map<string, SharedFile>, fixes: Map<string, SharedFix>): string[] {
  const out = ['', `  ${paint(f.severity)} ${c.bold(f.ruleId)}${f.interface ? ` ${c.dim(`[${f.interface}]`)}` : ''}: ${f.message}`];
  for (const e of f.evidence) {
    const at = where(e);
    out.push(at ? `    ${c.dim('at')} ${at}${e.message}` : `    ${c.dim('-')} ${e.message}`);
  }
  for (const fix of f.fixes) {
    const common = fixes.get(fix.title);
    if (common) {
      // A fix its rule's other findings share: only what is this finding's own, the rest once below.
      const own = [
        ...(common.verification === 'own' ? verificationLines(fix, c) : []),
        ...fileBlocks(fix.files.filter((file) => !common.files.has(fileKey(file))), c, shared),
        ...fix.commands.filter((cmd) => !common.commands.includes(cmd)).map((cmd) => `      ${c.dim('$')} ${cmd}`),
      ];
      out.push(`    ${c.green(`fix ${common.number}`)} (described below)${own.length ? ':' : ''}`, ...own);
      continue;
    }
    out.push(`    ${c.green('fix')}: ${fix.title}`);
    out.push(...verificationLines(fix, c));
    out.push(...fileBlocks(fix.files, c, shared));
    for (const cmd of fix.commands) out.push(`      ${c.dim('$')} ${cmd}`);
  }
  if (fixes.size === 0) out.push(`    ${c.dim(`docs: ${docsOf(f.ruleId)}`)}`);
  return out;
}

const docsOf = (ruleId: string) => `docs/rules/${ruleId.replace('/', '-')}.md`;

function fileBlocks(files: FixFile[], c: Colors, shared: Map<string, SharedFile>): string[] {
  return files.flatMap((file) => {
    const same = shared.get(fileKey(file));
    return same ? [`      ${c.dim(`# ${file.path}: file ${same.label} below`)}`] : fileLines(file, c);
  });
}

/** The findings of one severity, rule by rule in the order the rules reported them. */
function byRule(findings: Finding[]): Finding[][] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) groups.set(f.ruleId, [...(groups.get(f.ruleId) ?? []), f]);
  return [...groups.values()];
}

/**
 * A fix (by title) that several findings of one rule offer: what all of them have alike (commands,
 * files, verification) is printed once; each finding keeps the rest. JSON and SARIF keep every copy.
 */
interface SharedFix {
  number: number;
  title: string;
  uses: Fix[];
  commands: string[];
  files: Set<string>;
  /** Every use verified alike (printed once), the same ways with own values (each way once), or each its own. */
  verification: 'alike' | 'same-ways' | 'own';
}

function sharedFixes(findings: Finding[]): Map<string, SharedFix> {
  const uses = new Map<string, Fix[]>();
  if (findings.length < 2) return new Map();
  for (const f of findings) {
    for (const fix of f.fixes) {
      const list = uses.get(fix.title) ?? [];
      // A title once per finding: a second fix of the same name stays the finding's own.
      if (list.length === 0 || !f.fixes.includes(list.at(-1)!)) uses.set(fix.title, [...list, fix]);
    }
  }
  const out = new Map<string, SharedFix>();
  for (const [title, list] of uses) {
    if (list.length < 2) continue;
    const [first, ...rest] = list as [Fix, ...Fix[]];
    out.set(title, {
      number: out.size + 1,
      title,
      uses: list,
      commands: first.commands.filter((cmd) => rest.every((x) => x.commands.includes(cmd))),
      files: new Set(first.files.map(fileKey).filter((k) => rest.every((x) => x.files.some((file) => fileKey(file) === k)))),
      verification: commonVerification(list),
    });
  }
  return out;
}

function commonVerification(list: Fix[]): SharedFix['verification'] {
  const c = pc.createColors(false);
  const texts = list.map((fix) => JSON.stringify(verificationLines(fix, c)));
  if (texts.every((t) => t === texts[0])) return 'alike';
  const methods = list.map((fix) => JSON.stringify(fix.verification?.checks.map((x) => x.method)));
  if (list.every((fix) => fix.verification?.verified) && methods.every((m) => m === methods[0])) return 'same-ways';
  return 'own';
}

function renderSharedFixes(findings: Finding[], fixes: Map<string, SharedFix>, c: Colors, shared: Map<string, SharedFile>): string[] {
  if (fixes.size === 0) return [];
  const out = ['', `  ${c.bold(`The fixes of these ${findings.length} ${findings[0]!.ruleId} findings`)} (each finding above lists what is its own)`];
  for (const fix of fixes.values()) {
    const some = fix.uses.length < findings.length ? `, for ${fix.uses.length} of the ${findings.length}` : '';
    out.push(`    ${c.green(`fix ${fix.number}`)}${some}: ${fix.title}`);
    const first = fix.uses[0]!;
    if (fix.verification === 'alike') out.push(...verificationLines(first, c));
    else if (fix.verification === 'same-ways') {
      const checks = first.verification!.checks.map((check, i) => {
        const alike = fix.uses.every((x) => x.verification!.checks[i]!.detail === check.detail);
        return `        ${c.dim('-')} ${alike ? check.detail : `${VERIFICATION_METHODS[check.method]}, for each finding its own`}`;
      });
      out.push(`      ${c.green('verified')}:`, ...checks);
    }
    out.push(...fileBlocks(first.files.filter((file) => fix.files.has(fileKey(file))), c, shared));
    for (const cmd of fix.commands) out.push(`      ${c.dim('$')} ${cmd}`);
  }
  out.push(`    ${c.dim(`docs: ${docsOf(findings[0]!.ruleId)}`)}`);
  return out;
}

/** How the fix was checked: each check on its own line, or why it is unverified. */
function verificationLines(fix: Fix, c: ReturnType<typeof pc.createColors>): string[] {
  const v = fix.verification;
  if (!v) return [];
  if (!v.verified) return [`      ${c.yellow('unverified')}: ${v.summary.replace(/^unverified: /, '')}`];
  return [`      ${c.green('verified')}:`, ...v.checks.map((check) => `        ${c.dim('-')} ${check.detail}`)];
}

function where(e: Evidence): string {
  const parts: string[] = [];
  if (e.file) parts.push(e.line ? `${e.file}:${e.line}` : e.file);
  if (e.interface && !e.file) parts.push(e.interface);
  return parts.length ? `${parts.join(' ')}: ` : '';
}

/** A gap in one line: what was not read and why, with the first words of the detail. */
function describeGap(g: Gap): string {
  const detail = g.detail && g.detail.length > 100 ? `${g.detail.slice(0, 99)}…` : g.detail;
  return `${g.source} (${g.reason}${detail ? `: ${detail}` : ''})`;
}

/** Text output of `check`: findings grouped by severity, evidence as file:line, then the fix. */
import pc from 'picocolors';
import type { Report } from '../rules/engine.js';
import type { Evidence, Finding, Fix, FixFile, Severity } from '../rules/types.js';
import { nothingToCheck, type ScopeItem } from '../model/scope.js';
import { printableDeep } from '../printable.js';

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
    for (const finding of group) lines.push(...renderFinding(finding, paint[severity], c, shared));
  }
  lines.push(...renderSharedFiles(shared, c));
  if (report.gaps.length > 0) {
    lines.push('', c.dim(`Not seen (${report.gaps.length}): ${report.gaps.map((g) => `${g.source} (${g.reason})`).join('; ')}`));
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
    out.push('', `  ${c.green(`file ${e.label}`)} for ${e.findings.length} findings: ${e.findings.map((f) => `${f.ruleId}${f.interface ? ` [${f.interface}]` : ''}`).join(', ')}`);
    out.push(...fileLines(e.file, c));
  }
  return out;
}

function fileLines(file: FixFile, c: Colors): string[] {
  return [`      ${c.dim(`# ${file.path}`)}`, ...file.content.trimEnd().split('\n').map((l) => `      ${l}`)];
}

function renderFinding(f: Finding, paint: (s: string) => string, c: Colors, shared: Map<string, SharedFile>): string[] {
  const out = ['', `  ${paint(f.severity)} ${c.bold(f.ruleId)}${f.interface ? ` ${c.dim(`[${f.interface}]`)}` : ''}: ${f.message}`];
  for (const e of f.evidence) {
    const at = where(e);
    out.push(at ? `    ${c.dim('at')} ${at}${e.message}` : `    ${c.dim('-')} ${e.message}`);
  }
  for (const fix of f.fixes) {
    out.push(`    ${c.green('fix')}: ${fix.title}`);
    out.push(...verificationLines(fix, c));
    for (const file of fix.files) {
      const same = shared.get(fileKey(file));
      out.push(...(same ? [`      ${c.dim(`# ${file.path}: file ${same.label} below`)}`] : fileLines(file, c)));
    }
    for (const cmd of fix.commands) out.push(`      ${c.dim('$')} ${cmd}`);
  }
  out.push(`    ${c.dim(`docs: docs/rules/${f.ruleId.replace('/', '-')}.md`)}`);
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

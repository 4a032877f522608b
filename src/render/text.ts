/** Text output of `check`: findings grouped by severity, evidence as file:line, then the fix. */
import pc from 'picocolors';
import type { Report } from '../rules/engine.js';
import type { Evidence, Finding, Fix, Severity } from '../rules/types.js';
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
  hostnet check --snapshot examples/vpp-e810-predeploy/snapshot.json
  hostnet check --snapshot examples/lab-lacp/kvm-host-before.json --input lab-intent=examples/lab-lacp/intent.yaml`);
    }
  }
  for (const [severity, heading] of HEADINGS) {
    const group = report.findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    lines.push('', paint[severity](c.bold(`${heading} (${group.length})`)));
    for (const finding of group) lines.push(...renderFinding(finding, paint[severity], c));
  }
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

function renderFinding(f: Finding, paint: (s: string) => string, c: ReturnType<typeof pc.createColors>): string[] {
  const out = ['', `  ${paint(f.severity)} ${c.bold(f.ruleId)}${f.interface ? ` ${c.dim(`[${f.interface}]`)}` : ''}: ${f.message}`];
  for (const e of f.evidence) {
    const at = where(e);
    out.push(at ? `    ${c.dim('at')} ${at}${e.message}` : `    ${c.dim('-')} ${e.message}`);
  }
  for (const fix of f.fixes) {
    out.push(`    ${c.green('fix')}: ${fix.title}`);
    out.push(...verificationLines(fix, c));
    for (const file of fix.files) {
      out.push(`      ${c.dim(`# ${file.path}`)}`);
      for (const l of file.content.trimEnd().split('\n')) out.push(`      ${l}`);
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

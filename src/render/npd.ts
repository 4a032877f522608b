/**
 * node-problem-detector custom-plugin output: NPD runs the plugin, reads its exit code (0 OK, 1 NonOK,
 * 2 Unknown) and takes stdout, cut to `max_output_length`, as the condition or event message. So: one
 * line, the most useful words first (how many, which rules, where).
 */
import type { Report } from '../rules/engine.js';
import { atOrAbove } from '../rules/engine.js';
import type { Severity } from '../rules/types.js';

export const NpdExit = { ok: 0, nonOk: 1, unknown: 2 } as const;

/** Longer than NPD's usual max_output_length (80); NPD cuts, we only keep it one short line. */
const MAX_LINE = 200;

export function renderNpd(report: Report, failOn: Severity): { line: string; exitCode: number } {
  const firing = atOrAbove(report.findings, failOn);
  if (firing.length === 0) {
    const below = report.findings.length;
    return { line: oneLine(`OK: no host-networking trap at or above ${failOn} (${report.rulesRun.length} rules${below ? `, ${below} below ${failOn}` : ''})`), exitCode: NpdExit.ok };
  }
  // Rules in report order (most severe first), each with the interfaces it fired on.
  const byRule = new Map<string, string[]>();
  for (const f of firing) {
    const list = byRule.get(f.ruleId) ?? [];
    if (f.interface && !list.includes(f.interface)) list.push(f.interface);
    byRule.set(f.ruleId, list);
  }
  const parts = [...byRule].map(([rule, ifaces]) => (ifaces.length ? `${rule} (${ifaces.slice(0, 3).join(', ')}${ifaces.length > 3 ? ', ...' : ''})` : rule));
  return { line: oneLine(`NonOK: ${firing.length} host-networking trap${firing.length === 1 ? '' : 's'}: ${parts.join('; ')}`), exitCode: NpdExit.nonOk };
}

export function renderNpdUnknown(reason: string): { line: string; exitCode: number } {
  return { line: oneLine(`Unknown: hostnet could not check this node: ${reason}`), exitCode: NpdExit.unknown };
}

function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return `${flat.length > MAX_LINE ? `${flat.slice(0, MAX_LINE - 3)}...` : flat}\n`;
}

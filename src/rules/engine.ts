/**
 * The check engine: runs rules over a host, drops waived ones, and checks each fix (src/rules/verify.ts):
 * how it was checked travels with the fix, so no renderer shows a bare "verified".
 */
import type { Host } from '../model/host.js';
import type { Snapshot } from '../snapshot/schema.js';
import { SEVERITY_RANK, type Diagnostic, type Finding, type Rule, type Severity } from './types.js';
import { verifyFix } from './verify.js';

export interface CheckOptions {
  /** Rule ids not to run. */
  ignore?: readonly string[];
}

export interface Report {
  findings: Finding[];
  rulesRun: string[];
  diagnostics: Diagnostic[];
  gaps: Snapshot['gaps'];
}

export function runChecks(host: Host, rules: readonly Rule[], options: CheckOptions = {}, diagnostics: Diagnostic[] = []): Report {
  const ignore = new Set(options.ignore ?? []);
  const active = rules.filter((r) => !ignore.has(r.meta.id));
  const findings: Finding[] = [];
  for (const rule of active) {
    for (const finding of rule.check(host)) {
      findings.push({ ...finding, fixes: finding.fixes.map((fix) => {
        const verification = verifyFix(host, rule, finding, fix);
        // How to check is the rule's instruction to the engine; the report carries what came of it.
        const { verifyBy: _how, testedBy: _tested, ...shown } = fix;
        return { ...shown, verification, verified: verification.verified };
      }) });
    }
  }
  findings.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.ruleId.localeCompare(b.ruleId));
  return { findings, rulesRun: active.map((r) => r.meta.id), diagnostics, gaps: host.snapshot.gaps };
}

export { applyFix, withFiles, withInterfaceChanges } from './apply.js';
export { verifyFix } from './verify.js';

export function atOrAbove(findings: readonly Finding[], threshold: Severity): Finding[] {
  return findings.filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[threshold]);
}

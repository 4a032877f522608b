/**
 * The check engine: runs rules over a host, drops waived ones, and verifies each fix by applying it
 * to the snapshot and running the rule again.
 */
import { buildHost, type Host } from '../model/host.js';
import type { Interface, Snapshot } from '../snapshot/schema.js';
import { SEVERITY_RANK, type Diagnostic, type Finding, type Fix, type InterfaceChange, type Rule, type Severity } from './types.js';

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
      findings.push({ ...finding, fixes: finding.fixes.map((fix) => ({ ...fix, verified: verifyFix(host, rule, finding, fix) })) });
    }
  }
  findings.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.ruleId.localeCompare(b.ruleId));
  return { findings, rulesRun: active.map((r) => r.meta.id), diagnostics, gaps: host.snapshot.gaps };
}

/**
 * A fix is verified when, with its files in place and its interface changes made, the rule no longer
 * reports the same finding. A fix that is only advice (commands with no modelled effect) stays unverified.
 */
export function verifyFix(host: Host, rule: Rule, finding: Finding, fix: Fix): boolean {
  if (fix.files.length === 0 && (fix.changes ?? []).length === 0) return false;
  const patched = buildHost(applyFix(host.snapshot, fix));
  return !rule.check(patched).some((f) => sameFinding(f, finding));
}

/** The snapshot as it would be with the fix in place. */
export function applyFix(snapshot: Snapshot, fix: Pick<Fix, 'files' | 'changes'>): Snapshot {
  return withInterfaceChanges(withFiles(snapshot, fix.files), fix.changes ?? []);
}

export function withInterfaceChanges(snapshot: Snapshot, changes: readonly InterfaceChange[]): Snapshot {
  if (changes.length === 0) return snapshot;
  return {
    ...snapshot,
    interfaces: snapshot.interfaces.map((iface) => {
      let out = iface;
      for (const change of changes) {
        if (change.interface !== iface.name) continue;
        const merged: Record<string, unknown> = { ...out };
        for (const [key, value] of Object.entries(change.set)) {
          const current = merged[key];
          merged[key] = value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object'
            ? { ...current, ...value }
            : value;
        }
        out = merged as Interface;
      }
      return out;
    }),
  };
}

export function withFiles(snapshot: Snapshot, files: Fix['files']): Snapshot {
  const paths = new Set(files.map((f) => f.path));
  return {
    ...snapshot,
    files: [...snapshot.files.filter((f) => !paths.has(f.path)), ...files.map((f) => ({ path: f.path, content: f.content, mask: null, role: null }))],
  };
}

/** The same trap on the same interface; the message may differ once the files have changed. */
function sameFinding(a: Finding, b: Finding): boolean {
  return a.ruleId === b.ruleId && a.interface === b.interface && (a.interface !== undefined || a.message === b.message);
}

export function atOrAbove(findings: readonly Finding[], threshold: Severity): Finding[] {
  return findings.filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[threshold]);
}

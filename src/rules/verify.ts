/**
 * How a fix is checked, and whether that verifies it. Each check re-runs part of the model on the
 * snapshot with the fix in place: the rule with the fix's files; the race explorer with them; the
 * kernel-checked bridge model with the fix's masks; the rule with the state the commands declare. The
 * last shows only that the declared state clears the finding, so it never verifies a fix alone.
 */
import { buildHost, type Host } from '../model/host.js';
import { exploreRace, type RaceReport } from '../sim/race/index.js';
import { applyFix } from './apply.js';
import type { Finding, Fix, Rule, Verification, VerificationCheck, VerificationMethod } from './types.js';

export function verifyFix(host: Host, rule: Rule, finding: Finding, fix: Fix): Verification {
  const methods = fix.verifyBy ?? defaultMethods(fix);
  const checks = methods.map((method) => CHECKS[method](host, rule, finding, fix, patchCache(host)));
  if (fix.testedBy) checks.push({ method: 'real-system', passed: true, detail: `${fix.testedBy.detail} (${fix.testedBy.test})` });
  return judge(fix, checks);
}

function defaultMethods(fix: Fix): Exclude<VerificationMethod, 'real-system'>[] {
  const out: Exclude<VerificationMethod, 'real-system'>[] = [];
  if (fix.files.length > 0) out.push('rules-with-files');
  if ((fix.changes ?? []).length > 0 || Object.keys(fix.sysctls ?? {}).length > 0) out.push('declared-state');
  return out;
}

/** Verified: every check passed, and at least one is more than the fix's own declared state. */
function judge(fix: Fix, checks: VerificationCheck[]): Verification {
  const failed = checks.filter((c) => !c.passed);
  const independent = checks.filter((c) => c.method !== 'declared-state');
  if (checks.length === 0) {
    return { verified: false, checks, summary: 'unverified: advice only (no file to write and no modelled effect to check)' };
  }
  if (failed.length > 0) return { verified: false, checks, summary: `unverified: ${failed.map((c) => c.detail).join('; ')}` };
  if (independent.length === 0) {
    return { verified: false, checks, summary: `unverified: only the state its own commands declare clears the finding (${(fix.changes ?? []).map((c) => c.interface).join(', ')}); nothing checks that the commands produce it` };
  }
  return { verified: true, checks, summary: `verified: ${checks.map((c) => c.detail).join('; ')}` };
}

/**
 * The patched hosts and the rules' findings on them, per analysed host: many findings share one fix
 * (the race .link for every raced tap), and rebuilding a 10,000-interface host for each would cost more
 * than the whole check.
 */
interface PatchCache {
  hosts: Map<string, Host>;
  findings: Map<string, Finding[]>;
  races: Map<Host, RaceReport>;
}

const caches = new WeakMap<Host, PatchCache>();

function patchCache(host: Host): PatchCache {
  let cache = caches.get(host);
  if (!cache) caches.set(host, (cache = { hosts: new Map(), findings: new Map(), races: new Map() }));
  return cache;
}

/** The text of a fix's files or changes, once per array: findings that share a fix share its arrays. */
const keys = new WeakMap<object, string>();
function keyOf(value: readonly unknown[]): string {
  let key = keys.get(value);
  if (key === undefined) keys.set(value, (key = JSON.stringify(value)));
  return key;
}

function patched(host: Host, cache: PatchCache, fix: Pick<Fix, 'files' | 'changes' | 'sysctls'>): { host: Host; key: string } {
  const key = `${keyOf(fix.files)}\n${keyOf(fix.changes ?? [])}\n${JSON.stringify(fix.sysctls ?? {})}`;
  let out = cache.hosts.get(key);
  if (!out) cache.hosts.set(key, (out = buildHost(applyFix(host.snapshot, fix))));
  return { host: out, key };
}

/** Whether the rule still reports the finding on the host with the fix's files (and changes) in place. */
function stillReportedWith(host: Host, cache: PatchCache, rule: Rule, finding: Finding, fix: Pick<Fix, 'files' | 'changes' | 'sysctls'>): boolean {
  const p = patched(host, cache, fix);
  const key = `${rule.meta.id}\n${p.key}`;
  let found = cache.findings.get(key);
  if (!found) cache.findings.set(key, (found = rule.check(p.host)));
  return found.some((f) => sameFinding(f, finding));
}

type Check = (host: Host, rule: Rule, finding: Finding, fix: Fix, cache: PatchCache) => VerificationCheck;

const CHECKS: Record<Exclude<VerificationMethod, 'real-system'>, Check> = {
  'rules-with-files': (host, rule, finding, fix, cache) => {
    const gone = !stillReportedWith(host, cache, rule, finding, { files: fix.files });
    return { method: 'rules-with-files', passed: gone, detail: `with ${paths(fix)} in place, ${rule.meta.id} ${gone ? 'no longer reports it' : 'still reports it'}` };
  },
  'declared-state': (host, rule, finding, fix, cache) => {
    const missing = [...new Set((fix.changes ?? []).map((c) => c.interface))].filter((name) => !host.interface(name));
    if (missing.length > 0) {
      return { method: 'declared-state', passed: false, detail: `the snapshot does not record ${missing.join(', ')}, so the state its commands set cannot be checked` };
    }
    const gone = !stillReportedWith(host, cache, rule, finding, fix);
    return { method: 'declared-state', passed: gone, detail: `with the state its commands set (${describeChanges(fix)}), ${rule.meta.id} ${gone ? 'no longer reports it' : 'still reports it'}` };
  },
  'bridge-model': (host, rule, finding, fix, cache) => {
    const gone = !stillReportedWith(host, cache, rule, finding, fix);
    return { method: 'bridge-model', passed: gone,
      detail: `the bridge model (checked against the kernel frame by frame) ${gone ? 'forwards' : 'still drops'} the protocols with ${describeChanges(fix)}` };
  },
  'race-explorer': (host, _rule, finding, fix, cache) => {
    // Every tap of the patched host explored once; each finding then reads its own tap.
    const withFiles = patched(host, cache, { files: fix.files }).host;
    let report = cache.races.get(withFiles);
    if (!report) cache.races.set(withFiles, (report = exploreRace(withFiles)));
    return raceCheck(report, finding, fix);
  },
};

/** The next tap's bring-up on the host with the fix's files in place (not its declared MAC): no ordering may lose. */
function raceCheck(report: RaceReport, finding: Finding, fix: Fix): VerificationCheck {
  const method = 'race-explorer';
  if (fix.files.length === 0) return { method, passed: false, detail: 'the race explorer has no file of this fix to try' };
  const tap = report.taps.find((t) => t.name === finding.interface);
  if (!tap) return { method, passed: false, detail: `the race explorer does not model ${finding.interface ?? 'this interface'}'s bring-up` };
  const lost = tap.byOutcome.lost;
  // Without the MAC VPP holds the outcomes are unknown; the fix still passes when VPP's MAC is the last
  // word in every ordering (nothing else writes it after VPP).
  const notVpp = tap.finalStates.filter((f) => f.outcome !== 'won' && f.origin !== 'vpp');
  const passed = lost === 0n && notVpp.length === 0;
  const outcome = !passed
    ? lost > 0n ? `${lost} still end without ${tap.uplinkMac ?? "the uplink's MAC"}`
      : `some end with a MAC that ${notVpp.map((f) => f.origin).join(', ')} wrote, not VPP`
    : tap.uplinkMac ? `none ends without ${tap.uplinkMac}`
      : "every one ends with the MAC VPP sets (the MAC itself is not in the snapshot)";
  return { method, passed, detail: `with ${paths(fix)} in place, the race explorer ran all ${tap.orderings} orderings of the next ${tap.name} tap's bring-up (${tap.traces} traces): ${outcome}` };
}

/** The same trap on the same interface; the message may differ once the files have changed. */
function sameFinding(a: Finding, b: Finding): boolean {
  return a.ruleId === b.ruleId && a.interface === b.interface && (a.interface !== undefined || a.message === b.message);
}

function paths(fix: Fix): string {
  return fix.files.map((f) => f.path).join(', ');
}

function describeChanges(fix: Fix): string {
  const sysctls = Object.entries(fix.sysctls ?? {}).map(([k, v]) => `${k}=${v}`);
  return [...(fix.changes ?? []).map((c) => `${c.interface}: ${Object.entries(c.set).map(([k, v]) => describeValue(k, v)).join(', ')}`), ...sysctls].join('; ') || 'no change';
}

/** `mac 52:54:00:40:46:8e`, `groupFwdMask 0x4000` (masks in hex, as ip and sysfs show them). */
function describeValue(key: string, value: unknown): string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value).map(([k, v]) => describeValue(k, v)).join(', ');
  }
  if (typeof value === 'number' && /mask/i.test(key)) return `${key} 0x${value.toString(16)}`;
  return `${key} ${Array.isArray(value) ? value.join(',') : String(value)}`;
}

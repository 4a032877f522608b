/**
 * What a rule is and what it returns. A rule is one module: stable metadata and a pure check over the
 * host model. Fixes are data (files to write, commands to run) so the engine can verify them by
 * applying them to the snapshot and checking again, and `fix` can write them.
 */
import type { Host } from '../model/host.js';
import type { Interface } from '../snapshot/schema.js';

export type Severity = 'error' | 'warning' | 'note';

export const SEVERITY_RANK: Record<Severity, number> = { note: 1, warning: 2, error: 3 };

export interface Evidence {
  /** What this piece of evidence shows, in a sentence. */
  message: string;
  file?: string;
  line?: number;
  interface?: string;
  field?: string;
  value?: string;
}

export interface FixFile {
  /** Absolute path on the analysed host. */
  path: string;
  content: string;
}

/** A change to an interface's recorded state that a fix makes (a port mask, a speed), as data. */
export interface InterfaceChange {
  interface: string;
  /** Fields to replace; nested objects (bridgePort, bridge) are merged one level deep. */
  set: Partial<Omit<Interface, 'name' | 'index'>>;
}

export interface Fix {
  title: string;
  /** Files to create; verification adds them to the snapshot and re-runs the rule. */
  files: FixFile[];
  /** Interface state the fix's commands produce; verification applies it the same way. */
  changes?: InterfaceChange[];
  /** Sysctls the fix's commands set (full dotted names); verification applies them the same way. */
  sysctls?: Record<string, string>;
  /** Commands that make the change take effect, shown to the user, never run by `check`. */
  commands: string[];
  /**
   * How the engine is to check this fix; by default the rule re-run with the files in place, and with the
   * declared changes too when there are any. A rule names other checks where they say more (the race
   * explorer for a .link that must keep the next tap's MAC, the kernel-checked bridge model for a mask).
   */
  verifyBy?: Exclude<VerificationMethod, 'real-system'>[];
  /** What the test suite checks of this fix on a real system (a tap, a bridge, libvirt's schema), and where. */
  testedBy?: { detail: string; test: string };
  /** Set by the engine: how the fix was checked, and whether that verifies it. */
  verification?: Verification;
  /** Set by the engine: `verification.verified`. */
  verified?: boolean;
}

/**
 * Ways a fix is checked. `declared-state` re-runs the rule with the state the fix's commands declare
 * (a MAC set back, a speed set): it shows the commands would clear the finding, never on its own that
 * they will work, so it never verifies a fix alone.
 */
export const VERIFICATION_METHODS = {
  'rules-with-files': 'the rule re-run on the snapshot with the fix\'s files in place',
  'race-explorer': 'the race explorer, with the fix\'s files in place, runs every ordering of the tap\'s bring-up',
  'bridge-model': 'the bridge model (checked frame by frame against the kernel) with the fix\'s masks',
  'declared-state': 'the rule re-run with the state the fix\'s commands declare',
  'real-system': 'the test suite applies the fix on a real system here',
} as const;

export type VerificationMethod = keyof typeof VERIFICATION_METHODS;

export interface VerificationCheck {
  method: VerificationMethod;
  passed: boolean;
  /** What was checked and what came out, in a sentence. */
  detail: string;
}

export interface Verification {
  /** True when every check passed and at least one of them is more than the fix's declared state. */
  verified: boolean;
  checks: VerificationCheck[];
  /** One sentence: how it was verified, or why it is not. */
  summary: string;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  message: string;
  /** The main interface the finding is about, when there is one. */
  interface?: string;
  evidence: Evidence[];
  fixes: Fix[];
}

export interface RuleMeta {
  /** Stable id, `area/name`; part of the interface (waivers, SARIF, docs/rules/<area>-<name>.md). */
  id: string;
  title: string;
  /** The highest severity this rule reports. */
  severity: Severity;
  /** Where the trap is described: seeds, upstream docs, issues. */
  references: string[];
}

export interface Rule {
  meta: RuleMeta;
  check(host: Host): Finding[];
}

export type { Diagnostic } from '../snapshot/diagnostic.js';

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
  /** Commands that make the change take effect, shown to the user, never run by `check`. */
  commands: string[];
  /** Set by the engine: the finding disappears once the files are in place. */
  verified?: boolean;
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

/**
 * What the agent tells Kubernetes, as data: the NodeCondition for a set of findings and the Events for
 * the findings that appeared or went away since the last check. Pure, so the publishing code only sends.
 */
import { SEVERITY_RANK, type Finding, type Severity } from '../rules/types.js';

export const DEFAULT_CONDITION_TYPE = 'HostNetworkTrap';
/** The `source.component` / `reportingController` of every Event the agent creates. */
export const COMPONENT = 'hostnet-agent';
/** Kubernetes caps condition messages only by object size; keep ours short enough to read in `kubectl describe`. */
const MAX_MESSAGE = 1024;

export interface ConditionState {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  /** CamelCase, as Kubernetes wants reasons. */
  reason: string;
  message: string;
}

/** A finding's identity across checks: the same trap on the same interface is the same finding. */
export function findingKey(f: Finding): string {
  return f.interface !== undefined ? `${f.ruleId} ${f.interface}` : `${f.ruleId} ${f.message}`;
}

/** True with the rule ids when a finding is at or above the threshold, False when there is none. */
export function conditionFor(findings: readonly Finding[], threshold: Severity, type = DEFAULT_CONDITION_TYPE): ConditionState {
  const firing = findings.filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[threshold]);
  if (firing.length === 0) {
    return { type, status: 'False', reason: 'NoHostNetworkTrap', message: `hostnet found no trap at or above ${threshold}` };
  }
  const rules = [...new Set(firing.map((f) => f.ruleId))].sort();
  const head = `${firing.length} finding${firing.length === 1 ? '' : 's'} (${rules.join(', ')})`;
  const first = firing[0]!;
  const message = `${head}: ${first.interface ? `${first.interface}: ` : ''}${first.message}`;
  return { type, status: 'True', reason: 'HostNetworkTrapFound', message: truncate(message, MAX_MESSAGE) };
}

/** The condition when the check itself could not run: the node's state is not known. */
export function unknownCondition(reason: string, type = DEFAULT_CONDITION_TYPE): ConditionState {
  return { type, status: 'Unknown', reason: 'CheckFailed', message: truncate(`hostnet could not check this node: ${reason}`, MAX_MESSAGE) };
}

export interface FindingTransition {
  kind: 'new' | 'resolved';
  finding: Finding;
}

/** Findings that appeared and findings that went away, new ones first, each in report order. */
export function transitions(previous: readonly Finding[], current: readonly Finding[]): FindingTransition[] {
  const before = new Map(previous.map((f) => [findingKey(f), f]));
  const now = new Map(current.map((f) => [findingKey(f), f]));
  const out: FindingTransition[] = [];
  for (const [key, f] of now) if (!before.has(key)) out.push({ kind: 'new', finding: f });
  for (const [key, f] of before) if (!now.has(key)) out.push({ kind: 'resolved', finding: f });
  return out;
}

export interface EventSpec {
  /** Deterministic, so a retried create after a lost answer gets 409 AlreadyExists instead of a duplicate. */
  name: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** The finding as data, for `kubectl hostnet status` (which reads the events back): EVENT_ANNOTATIONS. */
  annotations: Record<string, string>;
}

/** Annotations on each Event: the finding's rule, interface and severity, and the agent run and check that saw it. */
export const EVENT_ANNOTATIONS = {
  rule: 'hostnet/rule',
  interface: 'hostnet/interface',
  severity: 'hostnet/severity',
  run: 'hostnet/run',
  check: 'hostnet/check',
  transition: 'hostnet/transition',
} as const;

/** One Event per transition: Warning for a new error/warning, Normal for a resolved finding or a note. */
export function eventFor(nodeName: string, t: FindingTransition, id: { run: string; check: number; index: number }): EventSpec {
  const f = t.finding;
  const where = f.interface ? ` on ${f.interface}` : '';
  const reason = t.kind === 'new' ? 'HostNetworkTrapFound' : 'HostNetworkTrapResolved';
  const message = t.kind === 'new'
    ? `${f.ruleId}${where}: ${f.message}`
    : `${f.ruleId}${where} no longer found: ${f.message}`;
  return {
    // Event names are object names (a DNS subdomain, at most 253 characters). The run id (the agent's
    // start time) keeps a restarted agent from colliding with the events of the one before it.
    name: `${nodeName}.hostnet.${id.run}.${id.check.toString(36)}.${id.index.toString(36)}`.slice(-253).replace(/^[^a-z0-9]+/, ''),
    type: t.kind === 'new' && f.severity !== 'note' ? 'Warning' : 'Normal',
    reason,
    message: truncate(message, MAX_MESSAGE),
    annotations: {
      [EVENT_ANNOTATIONS.rule]: f.ruleId,
      ...(f.interface !== undefined ? { [EVENT_ANNOTATIONS.interface]: f.interface } : {}),
      [EVENT_ANNOTATIONS.severity]: f.severity,
      [EVENT_ANNOTATIONS.run]: id.run,
      // Zero-padded, so the order of checks and of events within one is the order of the strings.
      [EVENT_ANNOTATIONS.check]: `${String(id.check).padStart(8, '0')}.${String(id.index).padStart(6, '0')}`,
      [EVENT_ANNOTATIONS.transition]: t.kind,
    },
  };
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

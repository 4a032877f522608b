/**
 * `kubectl hostnet status`: every node's HostNetworkTrap condition and its findings. The findings come
 * from the agent's Events (their annotations name the rule, interface and severity), replayed in order
 * for the agent run that wrote last; rules the condition names whose Events have expired (the API
 * server keeps Events for an hour by default) are listed from the condition alone.
 */
import { EVENT_ANNOTATIONS, COMPONENT } from '../agent/state.js';
import { ALL_RULES } from '../rules/index.js';
import { SEVERITY_RANK, type Severity } from '../rules/types.js';
import type { Cluster, KubeObject } from './cluster.js';

export interface NodeFinding {
  rule: string;
  severity: Severity | 'unknown';
  interface?: string;
  message?: string;
  /** events: from the agent's Events; condition: only the condition names it (its Events expired). */
  from: 'events' | 'condition';
}

export interface NodeStatus {
  node: string;
  /** null: no such condition on the node (no agent ran there). */
  condition: { status: string; reason?: string; message?: string; lastTransitionTime?: string; lastHeartbeatTime?: string } | null;
  findings: NodeFinding[];
}

interface NodeObject extends KubeObject {
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string; lastHeartbeatTime?: string }[] };
}

interface EventObject extends KubeObject {
  involvedObject?: { kind?: string; name?: string };
  source?: { component?: string };
  reportingComponent?: string;
}

export async function nodeStatuses(cluster: Cluster, o: { selector?: string; conditionType: string; eventNamespace: string }): Promise<NodeStatus[]> {
  const query = o.selector ? `?${new URLSearchParams({ labelSelector: o.selector })}` : '';
  const [nodes, events] = await Promise.all([
    cluster.getJson<{ items: NodeObject[] }>(`/api/v1/nodes${query}`, 'list nodes'),
    cluster.getJson<{ items: EventObject[] }>(`/api/v1/namespaces/${encodeURIComponent(o.eventNamespace)}/events?${new URLSearchParams({ fieldSelector: 'involvedObject.kind=Node' })}`, `list events in ${o.eventNamespace}`),
  ]);
  const ours = events.items.filter((e) => (e.source?.component ?? e.reportingComponent) === COMPONENT && e.metadata?.annotations?.[EVENT_ANNOTATIONS.rule]);
  return nodes.items.map((n) => {
    const name = n.metadata?.name ?? '';
    const c = n.status?.conditions?.find((x) => x.type === o.conditionType);
    const condition = c ? { status: c.status, reason: c.reason, message: c.message, lastTransitionTime: c.lastTransitionTime, lastHeartbeatTime: c.lastHeartbeatTime } : null;
    return { node: name, condition, findings: findingsOf(condition, ours.filter((e) => e.involvedObject?.name === name)) };
  }).sort((a, b) => a.node.localeCompare(b.node));
}

/** The findings still open after the newest agent run's events, plus the condition's rules not among them. */
export function findingsOf(condition: NodeStatus['condition'], events: readonly EventObject[]): NodeFinding[] {
  const a = (e: EventObject, key: string): string | undefined => e.metadata?.annotations?.[key];
  // A restarted agent announces every finding again: only its run tells what is open now.
  const newestRun = events.map((e) => a(e, EVENT_ANNOTATIONS.run) ?? '').sort().at(-1);
  const run = events.filter((e) => a(e, EVENT_ANNOTATIONS.run) === newestRun)
    .sort((x, y) => (a(x, EVENT_ANNOTATIONS.check) ?? '').localeCompare(a(y, EVENT_ANNOTATIONS.check) ?? ''));
  const open = new Map<string, NodeFinding>();
  for (const e of run) {
    const rule = a(e, EVENT_ANNOTATIONS.rule)!;
    const iface = a(e, EVENT_ANNOTATIONS.interface);
    const key = `${rule} ${iface ?? ''}`;
    if (a(e, EVENT_ANNOTATIONS.transition) === 'resolved') open.delete(key);
    else open.set(key, { rule, severity: (a(e, EVENT_ANNOTATIONS.severity) as Severity | undefined) ?? severityOf(rule), ...(iface ? { interface: iface } : {}), message: messageOf(String(e.message ?? '')), from: 'events' });
  }
  const found = [...open.values()];
  if (condition?.status === 'True') {
    for (const rule of conditionRules(condition.message ?? '')) {
      if (!found.some((f) => f.rule === rule)) found.push({ rule, severity: severityOf(rule), from: 'condition' });
    }
  }
  return found.sort((x, y) => rankOf(y) - rankOf(x) || x.rule.localeCompare(y.rule) || (x.interface ?? '').localeCompare(y.interface ?? ''));
}

function rankOf(f: NodeFinding): number {
  return f.severity === 'unknown' ? -1 : SEVERITY_RANK[f.severity];
}

/** `2 findings (link/mac-policy-race, nad/master-down): ...` -> the rule ids (conditionFor writes it). */
export function conditionRules(message: string): string[] {
  const m = /^\d+ findings? \(([^)]*)\)/.exec(message);
  return m ? m[1]!.split(', ').filter(Boolean) : [];
}

/** The finding's own words: the event message after `rule on iface: `. */
function messageOf(eventMessage: string): string {
  const i = eventMessage.indexOf(': ');
  return i >= 0 ? eventMessage.slice(i + 2) : eventMessage;
}

function severityOf(rule: string): Severity | 'unknown' {
  return ALL_RULES.find((r) => r.meta.id === rule)?.meta.severity ?? 'unknown';
}

export function firingAtOrAbove(statuses: readonly NodeStatus[], threshold: Severity): boolean {
  return statuses.some((s) => s.findings.some((f) => f.severity !== 'unknown' && SEVERITY_RANK[f.severity] >= SEVERITY_RANK[threshold]));
}

/** kubectl-style table: NODE, TRAP (the condition's status), SINCE, CHECKED, FINDINGS. */
export function statusTable(statuses: readonly NodeStatus[], now = Date.now()): string {
  const rows = [['NODE', 'TRAP', 'SINCE', 'CHECKED', 'FINDINGS']];
  for (const s of statuses) {
    const findings = s.findings.map((f) => `${f.rule}${f.interface ? `(${f.interface})` : ''}`).join(', ');
    rows.push([
      s.node,
      s.condition?.status ?? '<none>',
      age(s.condition?.lastTransitionTime, now),
      age(s.condition?.lastHeartbeatTime, now),
      findings || (s.condition?.status === 'Unknown' ? (s.condition.message ?? '') : '<none>'),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join('').trimEnd()).join('\n') + '\n';
}

/** kubectl's ages: 45s, 12m, 3h, 5d. */
export function age(time: string | undefined, now: number): string {
  if (!time) return '<unknown>';
  const s = Math.max(0, Math.floor((now - Date.parse(time)) / 1000));
  if (!Number.isFinite(s)) return '<unknown>';
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.floor(s / 60)}m` : s < 172800 ? `${Math.floor(s / 3600)}h` : `${Math.floor(s / 86400)}d`;
}

/**
 * The agent's Prometheus metrics, with prom-client in a registry of its own (so tests and several
 * agents in one process never share series). Names follow Prometheus conventions and NPD's idea of a
 * problem gauge: `hostnet_findings` is the problem gauge, per rule and severity.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Report } from '../rules/engine.js';
import type { Severity } from '../rules/types.js';

const SEVERITIES: Severity[] = ['error', 'warning', 'note'];

export class AgentMetrics {
  readonly registry = new Registry();
  readonly findings = new Gauge({ name: 'hostnet_findings', help: 'Findings of the last check, by rule and severity (0 for rules that ran and found nothing)', labelNames: ['rule', 'severity'], registers: [this.registry] });
  readonly checkDuration = new Histogram({ name: 'hostnet_check_duration_seconds', help: 'Time to collect this host and run the rules', labelNames: ['phase'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [this.registry] });
  readonly checks = new Counter({ name: 'hostnet_checks_total', help: 'Checks run, by result (ok, failed)', labelNames: ['result'], registers: [this.registry] });
  readonly lastSuccess = new Gauge({ name: 'hostnet_last_success_timestamp_seconds', help: 'Unix time the last check completed', registers: [this.registry] });
  readonly gaps = new Gauge({ name: 'hostnet_collection_gaps', help: 'Sources the last collection could not read, by reason', labelNames: ['reason'], registers: [this.registry] });
  readonly condition = new Gauge({ name: 'hostnet_node_condition', help: 'The node condition the agent publishes: 1 for the status it has now', labelNames: ['type', 'status'], registers: [this.registry] });
  readonly apiRequests = new Counter({ name: 'hostnet_kube_api_requests_total', help: 'Kubernetes API calls, by operation and result code (HTTP status, timeout, network)', labelNames: ['operation', 'code'], registers: [this.registry] });
  readonly lastPublish = new Gauge({ name: 'hostnet_kube_last_publish_timestamp_seconds', help: 'Unix time the condition and events were last published to the API server', registers: [this.registry] });
  readonly pendingEvents = new Gauge({ name: 'hostnet_kube_pending_events', help: 'Events waiting to be sent to the API server', registers: [this.registry] });
  readonly droppedEvents = new Counter({ name: 'hostnet_kube_dropped_events_total', help: 'Events dropped because the API server was unreachable for too long', registers: [this.registry] });

  constructor(options: { processMetrics?: boolean } = {}) {
    // Process CPU and memory, so a fleet can watch the agent's own cost.
    // The event-loop delay monitor samples every 10 ms by default: 100 wake-ups a second, the agent's
    // main idle cost. Once a second is plenty for an agent that works once a minute.
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'hostnet_agent_', eventLoopMonitoringPrecision: 1000 });
  }

  recordReport(report: Report, ruleSeverity: (id: string) => Severity | undefined): void {
    this.findings.reset();
    for (const rule of report.rulesRun) {
      // Every severity the rule can report, so a series goes to 0 instead of disappearing.
      const top = ruleSeverity(rule) ?? 'error';
      for (const s of SEVERITIES) if (s === top || report.findings.some((f) => f.ruleId === rule && f.severity === s)) this.findings.set({ rule, severity: s }, 0);
    }
    for (const f of report.findings) this.findings.inc({ rule: f.ruleId, severity: f.severity });
    this.gaps.reset();
    for (const reason of ['missing-tool', 'permission-denied', 'not-found', 'failed', 'unsupported', 'timeout']) this.gaps.set({ reason }, 0);
    for (const g of report.gaps) this.gaps.inc({ reason: g.reason });
  }

  recordCondition(type: string, status: string): void {
    for (const s of ['True', 'False', 'Unknown']) this.condition.set({ type, status: s }, s === status ? 1 : 0);
  }
}

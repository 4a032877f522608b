/**
 * The node agent: checks this host on an interval and on demand, keeps the result in metrics, and
 * hands the NodeCondition and Events to the publisher. Checks never wait for the API server; the
 * HTTP endpoints never wait for a check, except POST /check, which asks for one and waits for it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildHost } from '../model/host.js';
import { runChecks, type Report } from '../rules/engine.js';
import type { Finding, Rule, Severity } from '../rules/types.js';
import type { Snapshot } from '../snapshot/schema.js';
import type { AgentMetrics } from './metrics.js';
import type { Publisher } from './publish.js';
import { conditionFor, eventFor, transitions, unknownCondition } from './state.js';

export interface AgentOptions {
  nodeName: string;
  intervalMs: number;
  /** Where a check gets its host: a live collection, or a snapshot file re-read each time. */
  collect: () => Promise<Snapshot>;
  rules: readonly Rule[];
  ignore: readonly string[];
  /** Findings at or above this severity make the condition True. */
  threshold: Severity;
  conditionType: string;
  metrics: AgentMetrics;
  /** null: metrics only, no Kubernetes. */
  publisher: Publisher | null;
  log: (message: string) => void;
}

export interface CheckSummary {
  ok: boolean;
  findings: number;
  condition: string;
  error?: string;
}

export class Agent {
  private previous: Finding[] = [];
  private checkCount = 0;
  private current: Promise<CheckSummary> | null = null;
  private queued: Promise<CheckSummary> | null = null;
  private readonly startedAt = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private lastCompleted = 0;
  /** Distinguishes this run's Events from an earlier agent's on the same node. */
  private readonly runId = Date.now().toString(36);
  private readonly severityOf: Map<string, Severity>;

  constructor(private readonly o: AgentOptions) {
    this.severityOf = new Map(o.rules.map((r) => [r.meta.id, r.meta.severity]));
  }

  /** The first check now, then one every interval (measured from the end of the last, so they never overlap). */
  start(): void {
    this.schedule(0);
  }

  /** Runs a check now; during a check, one more runs after it (requests meanwhile share that one). */
  trigger(): Promise<CheckSummary> {
    if (this.stopped) return Promise.resolve({ ok: false, findings: this.previous.length, condition: 'Unknown', error: 'the agent is stopping' });
    if (this.current) {
      this.queued ??= this.current.then(() => {
        this.queued = null;
        return this.trigger();
      });
      return this.queued;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.current = this.checkOnce().finally(() => {
      this.current = null;
      if (!this.stopped && !this.queued) this.schedule(this.o.intervalMs);
    });
    return this.current;
  }

  /** Healthy while checks complete: no completed check in three intervals means a stuck agent. */
  healthy(now = Date.now()): boolean {
    const since = this.lastCompleted || this.startedAt;
    return now - since <= 3 * this.o.intervalMs + 60_000;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current;
    await this.queued;
    await this.o.publisher?.stop();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.trigger();
    }, ms);
  }

  private async checkOnce(): Promise<CheckSummary> {
    const { metrics } = this.o;
    const seq = ++this.checkCount;
    const endAll = metrics.checkDuration.startTimer({ phase: 'total' });
    let report: Report;
    try {
      const endCollect = metrics.checkDuration.startTimer({ phase: 'collect' });
      const snapshot = await this.o.collect();
      endCollect();
      const endRules = metrics.checkDuration.startTimer({ phase: 'rules' });
      report = runChecks(buildHost(snapshot), this.o.rules, { ignore: this.o.ignore });
      endRules();
    } catch (err) {
      endAll();
      const message = (err as { describe?: () => string }).describe?.() ?? (err as Error).message;
      metrics.checks.inc({ result: 'failed' });
      const condition = unknownCondition(message, this.o.conditionType);
      metrics.recordCondition(condition.type, condition.status);
      this.o.log(`check ${seq} failed: ${message}`);
      // Keep the previous findings: a failed check does not resolve anything.
      this.o.publisher?.update(condition, []);
      this.lastCompleted = Date.now();
      return { ok: false, findings: this.previous.length, condition: condition.status, error: message };
    }
    endAll();
    metrics.recordReport(report, (id) => this.severityOf.get(id));
    metrics.checks.inc({ result: 'ok' });
    metrics.lastSuccess.setToCurrentTime();
    const condition = conditionFor(report.findings, this.o.threshold, this.o.conditionType);
    metrics.recordCondition(condition.type, condition.status);
    const events = transitions(this.previous, report.findings).map((t, index) => eventFor(this.o.nodeName, t, { run: this.runId, check: seq, index }));
    if (events.length > 0 || seq === 1) this.o.log(`check ${seq}: ${report.findings.length} finding(s), condition ${condition.type}=${condition.status}, ${events.length} event(s)`);
    this.previous = report.findings;
    this.o.publisher?.update(condition, events);
    this.lastCompleted = Date.now();
    return { ok: true, findings: report.findings.length, condition: condition.status };
  }

  /** /metrics, /healthz, and POST /check. */
  listen(host: string, port: number): Promise<{ server: Server; port: number }> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: Error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`internal error: ${err.message}\n`);
      });
    });
    // A scraper that never reads cannot pin a socket for ever.
    server.requestTimeout = 30_000;
    server.headersTimeout = 10_000;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve({ server, port: (server.address() as AddressInfo).port });
      });
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://agent').pathname;
    if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
      const body = await this.o.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': this.o.metrics.registry.contentType });
      res.end(req.method === 'HEAD' ? undefined : body);
    } else if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      const ok = this.healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(ok ? 'ok\n' : 'no check completed in three intervals\n');
    } else if (path === '/check' && req.method === 'POST') {
      req.resume();
      const summary = await this.trigger();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(summary)}\n`);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: GET /metrics, GET /healthz, POST /check\n');
    }
  }
}

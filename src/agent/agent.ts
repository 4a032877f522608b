/**
 * The node agent: checks this host on an interval and on demand, keeps the result in metrics, and
 * hands the NodeCondition and Events to the publisher. Checks never wait for the API server; the
 * HTTP endpoints never wait for a check, except POST /check, which asks for one and waits for it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import { buildHost } from '../model/host.js';
import { runChecks, type Report } from '../rules/engine.js';
import type { Finding, Rule, Severity } from '../rules/types.js';
import { redactSnapshot } from '../snapshot/redact.js';
import type { Snapshot } from '../snapshot/schema.js';
import { bearerToken, checkAccess, METRICS_ACCESS, snapshotAccess, type Access, type Authorizer } from './auth.js';
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
  /** Who may use POST /check and GET /snapshot (and /metrics, when protected); open when left out. */
  access?: EndpointAccess;
  /** POST /check runs at most one check per this many ms; requests in between get the last result. */
  checkMinIntervalMs?: number;
}

/**
 * open: anyone who reaches the port; closed: nobody (no API server to ask, and not opened);
 * kube: a bearer token the API server accepts, for a user RBAC allows (TokenReview, SubjectAccessReview).
 */
export type EndpointAccess = { mode: 'open' } | { mode: 'closed'; reason: string } | { mode: 'kube'; authorizer: Authorizer; protectMetrics: boolean };

export interface CheckSummary {
  ok: boolean;
  findings: number;
  condition: string;
  error?: string;
}

/** POST /check's answer: the summary, when it was checked, and whether this request was answered from the last result. */
export interface CheckAnswer extends CheckSummary {
  checkedAt: string;
  /** True when the rate limit answered with the last check instead of running one. */
  fromLastCheck: boolean;
  /** With fromLastCheck: seconds until POST /check runs a new check. */
  retryAfterSeconds?: number;
  /** The agent's --ignore: whoever re-checks its snapshot (kubectl hostnet check NODE) leaves them out too. */
  ignoredRules: string[];
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
  /** The last successful check's snapshot, redacted, as gzipped JSON (a large host's snapshot is megabytes). */
  private lastSnapshot: Buffer | null = null;
  private lastSummary: { summary: CheckSummary; at: number } | null = null;

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
    let snapshot: Snapshot;
    try {
      const endCollect = metrics.checkDuration.startTimer({ phase: 'collect' });
      snapshot = await this.o.collect();
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
      return this.completed({ ok: false, findings: this.previous.length, condition: condition.status, error: message });
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
    // For GET /snapshot: ~65 ms and 0.1 MB kept on a 10,000-interface host; nothing when nobody may ask.
    if (this.o.access?.mode !== 'closed') this.lastSnapshot = gzipSync(JSON.stringify(redactSnapshot(snapshot)), { level: 1 });
    return this.completed({ ok: true, findings: report.findings.length, condition: condition.status });
  }

  private completed(summary: CheckSummary): CheckSummary {
    this.lastCompleted = Date.now();
    this.lastSummary = { summary, at: this.lastCompleted };
    return summary;
  }

  /**
   * POST /check under the rate limit: within the minimum interval of the last check, the last result;
   * during a check, that check's result; else a new check.
   */
  async requestCheck(now = Date.now()): Promise<CheckAnswer> {
    const minMs = this.o.checkMinIntervalMs ?? 0;
    const last = this.lastSummary;
    if (minMs > 0 && this.current) {
      const summary = await this.current;
      return this.answer(summary, false);
    }
    if (minMs > 0 && last && now - last.at < minMs) {
      return { ...this.answer(last.summary, true, last.at), retryAfterSeconds: Math.ceil((last.at + minMs - now) / 1000) };
    }
    return this.answer(await this.trigger(), false);
  }

  private answer(summary: CheckSummary, fromLastCheck: boolean, at = this.lastSummary?.at ?? Date.now()): CheckAnswer {
    return { ...summary, checkedAt: new Date(at).toISOString(), fromLastCheck, ignoredRules: [...this.o.ignore] };
  }

  /** The last successful check's snapshot (redacted), gzipped; null before the first. */
  snapshotGzip(): Buffer | null {
    return this.lastSnapshot;
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
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (path === '/metrics' && read) {
      const protect = this.o.access?.mode === 'kube' && this.o.access.protectMetrics;
      if (protect && !(await this.allowed(req, res, METRICS_ACCESS))) return;
      const body = await this.o.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': this.o.metrics.registry.contentType });
      res.end(req.method === 'HEAD' ? undefined : body);
    } else if (path === '/healthz' && read) {
      const ok = this.healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(ok ? 'ok\n' : 'no check completed in three intervals\n');
    } else if (path === '/check' && req.method === 'POST') {
      req.resume();
      if (!(await this.allowed(req, res, checkAccess(this.o.nodeName)))) return;
      const answer = await this.requestCheck();
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (answer.retryAfterSeconds !== undefined) headers['retry-after'] = String(answer.retryAfterSeconds);
      res.writeHead(200, headers);
      res.end(`${JSON.stringify(answer)}\n`);
    } else if (path === '/snapshot' && read) {
      if (!(await this.allowed(req, res, snapshotAccess(this.o.nodeName)))) return;
      this.sendSnapshot(req, res);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: GET /metrics, GET /healthz, POST /check, GET /snapshot\n');
    }
  }

  /** Answers 401/403/503 and returns false unless the request may do `access`. */
  private async allowed(req: IncomingMessage, res: ServerResponse, access: Access): Promise<boolean> {
    const mode = this.o.access ?? { mode: 'open' };
    if (mode.mode === 'open') return true;
    const refuse = (code: number, message: string, headers: Record<string, string> = {}): false => {
      res.writeHead(code, { 'content-type': 'text/plain', ...headers });
      res.end(`${message}\n`);
      return false;
    };
    if (mode.mode === 'closed') return refuse(403, mode.reason);
    let decision;
    try {
      decision = await mode.authorizer.authorize(bearerToken(req.headers), access);
    } catch (err) {
      return refuse(503, `cannot check the token with the API server: ${(err as Error).message}`, { 'retry-after': '10' });
    }
    if (decision.allowed) return true;
    return refuse(decision.status, decision.reason, decision.status === 401 ? { 'www-authenticate': 'Bearer' } : {});
  }

  private sendSnapshot(req: IncomingMessage, res: ServerResponse): void {
    const gz = this.lastSnapshot;
    if (!gz) {
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '10' });
      res.end('no check has completed yet\n');
      return;
    }
    const gzipOk = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzipOk ? gz : gunzipSync(gz);
    res.writeHead(200, { 'content-type': 'application/json', ...(gzipOk ? { 'content-encoding': 'gzip' } : {}), 'content-length': String(body.length), vary: 'Accept-Encoding' });
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}

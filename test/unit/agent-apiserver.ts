/**
 * A local Kubernetes API server for the agent tests, on 127.0.0.1 and a random port. It implements
 * exactly the calls the agent makes (GET a node, PATCH its status with a strategic merge patch, POST
 * an Event), checks each body against the Kubernetes OpenAPI schemas (kubernetes-models), applies the
 * patch the way the API server does for conditions (merge by type), and can be told to fail, hang or
 * answer 409/429/500. Anything else is recorded as unexpected and answered 404.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Event } from 'kubernetes-models/v1/Event';
import { Node } from 'kubernetes-models/v1/Node';
import { NodeCondition } from 'kubernetes-models/v1/NodeCondition';

export type Misbehaviour = { status: number; retryAfter?: number } | 'hang' | 'reset';

export interface Recorded {
  method: string;
  path: string;
  contentType: string | undefined;
  body: unknown;
}

export class FakeApiServer {
  readonly requests: Recorded[] = [];
  readonly unexpected: string[] = [];
  readonly schemaErrors: string[] = [];
  readonly events = new Map<string, Record<string, unknown>>();
  conditions: Record<string, unknown>[] = [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' }];
  /** What to do with the next requests, in order; each entry is used once. */
  readonly misbehave: Misbehaviour[] = [];
  /** Misbehave on every request until cleared. */
  always: Misbehaviour | null = null;
  /** Objects served by GET at their path (ConfigMaps, DaemonSets); an unknown one is a 404. */
  readonly objects = new Map<string, unknown>();
  /** Pods listed by GET /api/v1/namespaces/NS/pods, filtered by the spec.nodeName field selector and a label. */
  readonly pods: { namespace: string; name: string; nodeName: string; labels: Record<string, string>; phase: string }[] = [];
  /** Paths answered 403 Forbidden, as RBAC does for a read the role does not grant. */
  readonly forbidden = new Set<string>();
  /** The query strings of pod lists, to check their selectors. */
  readonly podQueries: string[] = [];
  private readonly sockets = new Set<Socket>();
  private server = createServer((req, res) => this.handle(req, res));
  port = 0;
  private dir = '';

  constructor(readonly nodeName = 'node1', readonly uid = '6f1c6c0e-0000-4000-8000-000000000001') {
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** A kubeconfig that points at this server (plain HTTP, a bearer token it ignores). */
  kubeconfig(): string {
    this.dir ||= mkdtempSync(join(tmpdir(), 'hn-agent-kube-'));
    const file = join(this.dir, 'kubeconfig');
    writeFileSync(file, `apiVersion: v1
kind: Config
clusters: [{name: fake, cluster: {server: "http://127.0.0.1:${this.port}", insecure-skip-tls-verify: true}}]
users: [{name: agent, user: {token: test-token}}]
contexts: [{name: fake, context: {cluster: fake, user: agent}}]
current-context: fake
`);
    return file;
  }

  condition(type: string): Record<string, unknown> | undefined {
    return this.conditions.find((c) => c.type === type);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = undefined;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const url = new URL(req.url ?? '/', 'http://x');
      const path = url.pathname;
      if (/\/pods$/.test(path)) this.podQueries.push(url.search);
      this.requests.push({ method: req.method ?? '', path, contentType: req.headers['content-type'], body });
      const trouble = this.misbehave.shift() ?? this.always;
      if (trouble === 'hang') return; // never answers; stop() destroys the socket
      if (trouble === 'reset') {
        req.socket.destroy();
        return;
      }
      if (trouble) return this.status(res, trouble.status, 'injected failure', trouble.retryAfter);
      this.route(req.method ?? '', path, req.headers['content-type'], body, res);
    });
  }

  private route(method: string, path: string, contentType: string | undefined, body: unknown, res: ServerResponse): void {
    if (req(method, path, 'GET', `/api/v1/nodes/${this.nodeName}`)) return this.json(res, 200, this.node());
    if (req(method, path, 'PATCH', `/api/v1/nodes/${this.nodeName}/status`)) {
      if (contentType !== 'application/strategic-merge-patch+json') {
        this.schemaErrors.push(`PATCH nodes/status with content type ${contentType}`);
        return this.status(res, 415, `unsupported patch type ${contentType}`);
      }
      const conditions = ((body as { status?: { conditions?: unknown } })?.status?.conditions);
      const keys = Object.keys(body as object).join(',') + '|' + Object.keys((body as { status?: object }).status ?? {}).join(',');
      if (keys !== 'status|conditions' || !Array.isArray(conditions)) {
        this.schemaErrors.push(`status patch touches more than status.conditions: ${JSON.stringify(body)}`);
        return this.status(res, 422, 'unexpected patch');
      }
      for (const c of conditions) {
        const err = validate(() => new NodeCondition(c as never).validate());
        if (err) return this.invalid(res, `NodeCondition: ${err}`);
        for (const t of ['lastHeartbeatTime', 'lastTransitionTime']) {
          const v = (c as Record<string, unknown>)[t];
          if (v !== undefined && (typeof v !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(v))) return this.invalid(res, `${t} ${String(v)} is not RFC 3339`);
        }
        // Strategic merge: conditions merge by their `type` key.
        const i = this.conditions.findIndex((x) => x.type === (c as { type: string }).type);
        if (i >= 0) this.conditions[i] = { ...this.conditions[i], ...(c as object) };
        else this.conditions.push(c as Record<string, unknown>);
      }
      const err = validate(() => new Node(this.node() as never).validate());
      if (err) return this.invalid(res, `Node after patch: ${err}`);
      return this.json(res, 200, this.node());
    }
    const ev = /^\/api\/v1\/namespaces\/([^/]+)\/events$/.exec(path);
    if (method === 'POST' && ev) {
      const err = validate(() => new Event(body as never).validate());
      if (err) return this.invalid(res, `Event: ${err}`);
      const e = body as { metadata?: { name?: string; namespace?: string } };
      if (e.metadata?.namespace !== undefined && e.metadata.namespace !== ev[1]) return this.invalid(res, 'metadata.namespace differs from the URL');
      const name = e.metadata?.name;
      if (!name) return this.invalid(res, 'Event without metadata.name');
      if (this.events.has(name)) return this.status(res, 409, `events "${name}" already exists`);
      this.events.set(name, body as Record<string, unknown>);
      return this.json(res, 201, body);
    }
    if (method === 'GET' && this.forbidden.has(path)) return this.status(res, 403, `forbidden: ${path}`);
    if (method === 'GET' && /^\/(api\/v1|apis\/apps\/v1)\/namespaces\/[^/]+\/(configmaps|daemonsets)\/[^/]+$/.test(path)) {
      const object = this.objects.get(path);
      return object ? this.json(res, 200, object) : this.status(res, 404, `not found: ${path}`);
    }
    const pods = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(path);
    if (method === 'GET' && pods) {
      const query = new URLSearchParams(this.podQueries.at(-1) ?? '');
      const node = /^spec\.nodeName=(.*)$/.exec(query.get('fieldSelector') ?? '')?.[1];
      const [key, value] = (query.get('labelSelector') ?? '').split('=');
      const items = this.pods.filter((p) => p.namespace === pods[1] && (node === undefined || p.nodeName === node) && (!key || p.labels[key] === value))
        .map((p) => ({ metadata: { name: p.name, namespace: p.namespace, labels: p.labels }, spec: { nodeName: p.nodeName, containers: [] }, status: { phase: p.phase } }));
      return this.json(res, 200, { apiVersion: 'v1', kind: 'PodList', metadata: {}, items });
    }
    this.unexpected.push(`${method} ${path}`);
    this.status(res, 404, 'not implemented by the fake API server');
  }

  private node(): unknown {
    return { apiVersion: 'v1', kind: 'Node', metadata: { name: this.nodeName, uid: this.uid }, status: { conditions: this.conditions } };
  }

  private invalid(res: ServerResponse, message: string): void {
    this.schemaErrors.push(message);
    this.status(res, 422, message);
  }

  private json(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private status(res: ServerResponse, code: number, message: string, retryAfter?: number): void {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
    res.writeHead(code, headers);
    res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Status', status: 'Failure', message, code }));
  }
}

function req(method: string, path: string, wantMethod: string, wantPath: string): boolean {
  return method === wantMethod && path === wantPath;
}

function validate(fn: () => void): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * A local Kubernetes API server for the agent tests, on 127.0.0.1 and a random port. It implements
 * exactly the calls the agent makes (GET a node, PATCH its status with a strategic merge patch, POST
 * an Event), checks each body against the Kubernetes OpenAPI schemas (kubernetes-models), applies the
 * patch the way the API server does for conditions (merge by type), and can be told to fail, hang or
 * answer 409/429/500. Anything else is recorded as unexpected and answered 404.
 *
 * For kubectl hostnet and the agent's secured endpoints it also lists nodes, events and pods, answers
 * TokenReviews and SubjectAccessReviews from its users and their RBAC rules (the shipped ClusterRoles,
 * loaded from deploy/), and proxies pods/NAME:PORT/proxy/PATH to the agent as the API server does:
 * the Authorization header is removed (the API server deletes it once it has authenticated the
 * client). With `rbac` on, every request is authenticated and authorised like the API server's.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Event } from 'kubernetes-models/v1/Event';
import { Node } from 'kubernetes-models/v1/Node';
import { NodeCondition } from 'kubernetes-models/v1/NodeCondition';
import type { TestContext } from 'node:test';
import type { Agent } from '../../src/agent/agent.js';

export type Misbehaviour = { status: number; retryAfter?: number } | 'hang' | 'reset';

/** An RBAC PolicyRule, as in a ClusterRole. */
export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs: string[];
  nonResourceURLs?: string[];
  /** Where the rule holds: a Role's namespace (test bookkeeping; RBAC keeps it on the Role). */
  namespace?: string;
}

export interface FakeUser {
  username: string;
  groups: string[];
  rules: PolicyRule[];
}

/** What a request or a SubjectAccessReview asks, as the authorizer sees it. */
export interface Attributes {
  verb: string;
  group?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  namespace?: string;
  path?: string;
}

interface FakeNode {
  uid: string;
  labels: Record<string, string>;
  conditions: Record<string, unknown>[];
}

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
  /** Nodes by name; the constructor's node is the first. */
  readonly nodes = new Map<string, FakeNode>();
  /** Bearer tokens and the users they authenticate as (TokenReview). */
  readonly users = new Map<string, FakeUser>();
  /** Authenticate and authorise every request (401/403 as the API server answers), not only reviews. */
  rbac = false;
  /** TokenReviews and SubjectAccessReviews answered, in order. */
  readonly reviews: { kind: 'TokenReview' | 'SubjectAccessReview'; spec: unknown; allowed: boolean }[] = [];
  /** What to do with the next requests, in order; each entry is used once. */
  readonly misbehave: Misbehaviour[] = [];
  /** Misbehave on every request until cleared. */
  always: Misbehaviour | null = null;
  /** Objects served by GET at their path (ConfigMaps, DaemonSets); an unknown one is a 404. */
  readonly objects = new Map<string, unknown>();
  /** Pods listed by GET /api/v1/namespaces/NS/pods, filtered by the spec.nodeName field selector and a label. */
  readonly pods: { namespace: string; name: string; nodeName: string; labels: Record<string, string>; phase: string; ports?: { name: string; containerPort: number }[] }[] = [];
  /** Paths answered 403 Forbidden, as RBAC does for a read the role does not grant. */
  readonly forbidden = new Set<string>();
  /** The query strings of pod lists, to check their selectors. */
  readonly podQueries: string[] = [];
  private readonly sockets = new Set<Socket>();
  private server = createServer((req, res) => this.handle(req, res));
  port = 0;
  private dir = '';

  constructor(readonly nodeName = 'node1', readonly uid = '6f1c6c0e-0000-4000-8000-000000000001') {
    this.addNode(nodeName, {}, uid);
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

  /** The first node's conditions. */
  get conditions(): Record<string, unknown>[] {
    return this.nodes.get(this.nodeName)!.conditions;
  }

  set conditions(list: Record<string, unknown>[]) {
    this.nodes.get(this.nodeName)!.conditions = list;
  }

  addNode(name: string, labels: Record<string, string> = {}, uid = `6f1c6c0e-0000-4000-8000-${String(this.nodes.size + 1).padStart(12, '0')}`): void {
    this.nodes.set(name, { uid, labels, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' }] });
  }

  condition(type: string, node = this.nodeName): Record<string, unknown> | undefined {
    return this.nodes.get(node)?.conditions.find((c) => c.type === type);
  }

  /** A kubeconfig for a user of this server: its token, and a context named `context`. */
  userKubeconfig(token: string, context = 'fake'): string {
    this.dir ||= mkdtempSync(join(tmpdir(), 'hn-agent-kube-'));
    const file = join(this.dir, `kubeconfig-${context}-${token}`);
    writeFileSync(file, `apiVersion: v1
kind: Config
clusters: [{name: fake, cluster: {server: "http://127.0.0.1:${this.port}", insecure-skip-tls-verify: true}}, {name: elsewhere, cluster: {server: "http://127.0.0.1:9", insecure-skip-tls-verify: true}}]
users: [{name: user, user: {token: ${JSON.stringify(token)}}}]
contexts: [{name: ${context}, context: {cluster: fake, user: user}}, {name: broken, context: {cluster: elsewhere, user: user}}]
current-context: broken
`);
    return file;
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
      if (this.rbac && !this.authorizeRequest(req, path, res)) return;
      const proxy = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/:]+):(\d+)\/proxy(\/.*)?$/.exec(path);
      if (proxy) {
        this.requests.push({ method: req.method ?? '', path, contentType: req.headers['content-type'], body: text });
        return this.proxy(req, res, Number(proxy[3]), `${proxy[4] ?? '/'}${url.search}`, Buffer.concat(chunks));
      }
      if (/\/pods$/.test(path)) this.podQueries.push(url.search);
      this.requests.push({ method: req.method ?? '', path, contentType: req.headers['content-type'], body });
      const trouble = this.misbehave.shift() ?? this.always;
      if (trouble === 'hang') return; // never answers; stop() destroys the socket
      if (trouble === 'reset') {
        req.socket.destroy();
        return;
      }
      if (trouble) return this.status(res, trouble.status, 'injected failure', trouble.retryAfter);
      this.route(req.method ?? '', path, req.headers['content-type'], body, res, url.searchParams);
    });
  }

  /** The API server's pod proxy: to the pod's port (a hostNetwork agent: 127.0.0.1 here), Authorization removed. */
  private proxy(req: IncomingMessage, res: ServerResponse, port: number, target: string, body: Buffer): void {
    const headers = { ...req.headers };
    delete headers.authorization;
    delete headers.host;
    const out = request({ host: '127.0.0.1', port, method: req.method, path: target, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', (err) => this.status(res, 503, `error trying to reach service: ${err.message}`));
    out.end(body);
  }

  /** Authentication and RBAC for a request, as the API server's filters do; false when refused (and answered). */
  private authorizeRequest(req: IncomingMessage, path: string, res: ServerResponse): boolean {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const user = token ? this.users.get(token) : undefined;
    if (!user) {
      this.status(res, 401, 'Unauthorized');
      return false;
    }
    const attrs = requestAttributes(req.method ?? 'GET', path);
    if (allows(user.rules, attrs)) return true;
    this.status(res, 403, `${path} is forbidden: User "${user.username}" cannot ${attrs.verb} resource "${attrs.resource}${attrs.subresource ? `/${attrs.subresource}` : ''}"`);
    return false;
  }

  private route(method: string, path: string, contentType: string | undefined, body: unknown, res: ServerResponse, query: URLSearchParams): void {
    if (req(method, path, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews')) return this.tokenReview(res, body);
    if (req(method, path, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews')) return this.accessReview(res, body);
    if (req(method, path, 'GET', '/api/v1/nodes')) {
      const items = [...this.nodes.keys()].filter((n) => matchesLabels(this.nodes.get(n)!.labels, query.get('labelSelector'))).map((n) => this.node(n));
      return this.json(res, 200, { apiVersion: 'v1', kind: 'NodeList', metadata: {}, items });
    }
    const listEvents = /^\/api\/v1\/namespaces\/([^/]+)\/events$/.exec(path);
    if (method === 'GET' && listEvents) {
      const items = [...this.events.values()].filter((e) => (e.metadata as { namespace?: string } | undefined)?.namespace === listEvents[1] && fieldsMatch(e, query.get('fieldSelector')));
      return this.json(res, 200, { apiVersion: 'v1', kind: 'EventList', metadata: {}, items });
    }
    const nodePath = /^\/api\/v1\/nodes\/([^/]+)(\/status)?$/.exec(path);
    const target = nodePath && this.nodes.has(nodePath[1]!) ? nodePath[1]! : undefined;
    if (method === 'GET' && target && !nodePath![2]) return this.json(res, 200, this.node(target));
    if (method === 'PATCH' && target && nodePath![2]) {
      const node = this.nodes.get(target)!;
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
        const i = node.conditions.findIndex((x) => x.type === (c as { type: string }).type);
        if (i >= 0) node.conditions[i] = { ...node.conditions[i], ...(c as object) };
        else node.conditions.push(c as Record<string, unknown>);
      }
      const err = validate(() => new Node(this.node(target) as never).validate());
      if (err) return this.invalid(res, `Node after patch: ${err}`);
      return this.json(res, 200, this.node(target));
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
      this.events.set(name, { ...(body as Record<string, unknown>), metadata: { ...e.metadata, namespace: ev[1] } });
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
      const items = this.pods.filter((p) => p.namespace === pods[1] && (node === undefined || p.nodeName === node) && matchesLabels(p.labels, query.get('labelSelector')))
        .map((p) => ({ metadata: { name: p.name, namespace: p.namespace, labels: p.labels }, spec: { nodeName: p.nodeName, containers: p.ports ? [{ name: 'agent', ports: p.ports }] : [] }, status: { phase: p.phase } }));
      return this.json(res, 200, { apiVersion: 'v1', kind: 'PodList', metadata: {}, items });
    }
    this.unexpected.push(`${method} ${path}`);
    this.status(res, 404, 'not implemented by the fake API server');
  }

  private node(name = this.nodeName): unknown {
    const n = this.nodes.get(name)!;
    return { apiVersion: 'v1', kind: 'Node', metadata: { name, uid: n.uid, labels: n.labels }, status: { conditions: n.conditions } };
  }

  private tokenReview(res: ServerResponse, body: unknown): void {
    const review = body as { kind?: string; spec?: { token?: string } };
    if (review?.kind !== 'TokenReview' || typeof review.spec?.token !== 'string') return this.invalid(res, `TokenReview: ${JSON.stringify(body)}`);
    const user = this.users.get(review.spec.token);
    this.reviews.push({ kind: 'TokenReview', spec: { token: '(hidden)' }, allowed: user !== undefined });
    const status = user ? { authenticated: true, user: { username: user.username, uid: `uid-${user.username}`, groups: user.groups } } : { authenticated: false, error: 'invalid bearer token' };
    return this.json(res, 201, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: review.spec, status });
  }

  private accessReview(res: ServerResponse, body: unknown): void {
    const review = body as { kind?: string; spec?: { user?: string; resourceAttributes?: Attributes; nonResourceAttributes?: { path: string; verb: string } } };
    const spec = review?.spec;
    if (review?.kind !== 'SubjectAccessReview' || !spec?.user || !(spec.resourceAttributes || spec.nonResourceAttributes)) return this.invalid(res, `SubjectAccessReview: ${JSON.stringify(body)}`);
    const user = [...this.users.values()].find((u) => u.username === spec.user);
    const attrs = spec.resourceAttributes ?? { verb: spec.nonResourceAttributes!.verb, path: spec.nonResourceAttributes!.path };
    const allowed = user !== undefined && allows(user.rules, attrs);
    this.reviews.push({ kind: 'SubjectAccessReview', spec, allowed });
    return this.json(res, 201, { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec, status: { allowed, ...(allowed ? {} : { reason: 'no RBAC rule allows it' }) } });
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

/** RBAC's rule matching: a rule allows when its groups, resources (or resource/subresource), names and verbs all match. */
export function allows(rules: readonly PolicyRule[], a: Attributes): boolean {
  return rules.some((r) => {
    if (!r.verbs.includes(a.verb) && !r.verbs.includes('*')) return false;
    if (r.namespace !== undefined && r.namespace !== a.namespace) return false;
    if (a.path !== undefined) return (r.nonResourceURLs ?? []).some((u) => u === a.path || (u.endsWith('*') && a.path!.startsWith(u.slice(0, -1))));
    const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    return (r.apiGroups ?? []).some((g) => g === '*' || g === (a.group ?? ''))
      && (r.resources ?? []).some((x) => x === '*' || x === resource)
      && (!r.resourceNames?.length || (a.name !== undefined && r.resourceNames.includes(a.name)));
  });
}

/** The attributes of a request path, as the API server's RequestInfo resolves them. */
export function requestAttributes(method: string, path: string): Attributes {
  const m = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)(\/.*)?$/.exec(path);
  if (!m) return { verb: method.toLowerCase(), path };
  let parts = (m[2] ?? '').split('/').filter(Boolean);
  let namespace: string | undefined;
  if (parts[0] === 'namespaces' && parts.length >= 3) {
    namespace = parts[1];
    parts = parts.slice(2);
  }
  const [resource, name, subresource] = parts;
  const verbs: Record<string, string> = { GET: name ? 'get' : 'list', POST: 'create', PATCH: 'patch', PUT: 'update', DELETE: 'delete' };
  return { verb: verbs[method] ?? method.toLowerCase(), group: m[1] ?? '', resource, name, subresource, namespace };
}

/** Equality label selectors (a=b,c=d), the only kind hostnet sends. */
function matchesLabels(labels: Record<string, string>, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [key, value] = term.split('=');
    return labels[key!] === value;
  });
}

/** Field selectors on dotted paths (involvedObject.kind=Node,source=hostnet-agent). */
function fieldsMatch(object: Record<string, unknown>, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [key, value] = term.split('=');
    const actual = key!.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], object);
    return String(actual) === value;
  });
}

/**
 * Starts the agent's HTTP server and registers its teardown with the test: open connections closed,
 * the server, the agent and the fake API server stopped, in that order.
 */
export async function listenForTest(t: TestContext, agent: Agent, server: FakeApiServer): Promise<{ url: string; port: number }> {
  const { server: http, port } = await agent.listen('127.0.0.1', 0);
  t.after(async () => {
    http.closeAllConnections();
    await new Promise((r) => http.close(r));
    await agent.stop();
    await server.stop();
  });
  return { url: `http://127.0.0.1:${port}`, port };
}

/**
 * The API calls of `kubectl hostnet`: list nodes, their hostnet Events and the agent pods, and reach an
 * agent through the API server's pod proxy (`pods/NAME:PORT/proxy/PATH`), so no network path to the
 * nodes is needed. Credentials come from the kubeconfig as kubectl reads it (--kubeconfig, $KUBECONFIG,
 * ~/.kube/config; --context), through the official client's TLS and token handling.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { gunzipSync } from 'node:zlib';
import { KubeConfig } from '@kubernetes/client-node';
import { FORWARDED_AUTH_HEADER } from '../agent/auth.js';
import { InputError } from '../errors.js';

export interface ClusterOptions {
  kubeconfig?: string;
  context?: string;
  /** A bearer token instead of the kubeconfig user's (as kubectl --token). */
  token?: string;
  timeoutMs: number;
}

export interface ApiAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A Kubernetes object as far as the plugin reads it. */
export interface KubeObject {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; creationTimestamp?: string };
  [key: string]: unknown;
}

export class Cluster {
  private readonly kc: KubeConfig;
  readonly server: string;

  constructor(private readonly o: ClusterOptions) {
    this.kc = loadConfig(o);
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new InputError(`the kubeconfig's context ${JSON.stringify(this.kc.getCurrentContext())} names no cluster`, o.kubeconfig, 'choose one with --context');
    this.server = cluster.server.replace(/\/+$/, '');
  }

  /** The kubeconfig's context names (for completion). */
  contexts(): string[] {
    return this.kc.getContexts().map((c) => c.name);
  }

  /** An API request with the kubeconfig's credentials; the answer whatever its status. */
  async request(method: string, path: string, headers: Record<string, string> = {}): Promise<ApiAnswer> {
    const options: RequestOptions = { method, headers: { accept: 'application/json', 'accept-encoding': 'gzip', ...headers } };
    await this.credentials(options);
    if (this.o.token) (options.headers as Record<string, string>).Authorization = `Bearer ${this.o.token}`;
    const url = new URL(`${this.server}${path}`);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { ...options, signal: AbortSignal.timeout(this.o.timeoutMs) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const body = res.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
        res.on('error', reject);
      });
      req.on('error', (err) => reject(new InputError(`cannot reach the API server ${this.server}: ${err.name === 'AbortError' || err.name === 'TimeoutError' ? `no answer within ${this.o.timeoutMs / 1000} s` : err.message}`, undefined, 'check --context and --kubeconfig')));
      req.end();
    });
  }

  /** GET a list (or object) as JSON; any status but 200 is an error that says what was refused. */
  async getJson<T>(path: string, what: string): Promise<T> {
    const answer = await this.request('GET', path);
    if (answer.status !== 200) throw apiError(answer, what);
    return JSON.parse(answer.body.toString('utf8')) as T;
  }

  /** TLS and credentials from the kubeconfig (a failing exec plugin or a bad file is the user's to fix). */
  private async credentials(options: RequestOptions): Promise<void> {
    try {
      await this.kc.applyToHTTPSOptions(options);
    } catch (err) {
      throw new InputError(`cannot use the credentials of context ${JSON.stringify(this.kc.getCurrentContext())}: ${(err as Error).message}`, this.o.kubeconfig);
    }
  }

  /** The bearer token the agent checks: --token, else the kubeconfig user's (token, token file, exec, OIDC). */
  async agentToken(): Promise<string> {
    if (this.o.token) return this.o.token;
    const options: RequestOptions = { headers: {} };
    await this.credentials(options);
    const auth = (options.headers as Record<string, string | undefined>).Authorization;
    const token = auth ? /^Bearer\s+(\S+)$/i.exec(auth)?.[1] : undefined;
    if (!token) {
      throw new InputError(`the agent needs a bearer token, and the kubeconfig user of context ${JSON.stringify(this.kc.getCurrentContext())} has none (a client certificate cannot be passed on)`,
        undefined, 'give --token TOKEN (e.g. from `kubectl create token SERVICEACCOUNT`)');
    }
    return token;
  }

  /**
   * A request to an agent through the API server's pod proxy. The API server removes Authorization
   * from requests it proxies, so the token also travels in X-Hostnet-Authorization.
   */
  async agent(method: 'GET' | 'POST', pod: AgentPod, path: string): Promise<ApiAnswer> {
    const token = await this.agentToken();
    const proxied = `/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.name)}:${pod.port}/proxy${path}`;
    return this.request(method, proxied, { [FORWARDED_AUTH_HEADER]: `Bearer ${token}` });
  }
}

export interface AgentPod {
  namespace: string;
  name: string;
  node: string;
  port: number;
  phase: string;
}

/** The labels of the agent's pods (deploy/daemonset.yaml). */
export const AGENT_SELECTOR = 'app.kubernetes.io/name=hostnet,app.kubernetes.io/component=agent';
const AGENT_PORT = 9469;

/** The agent pods in `namespace`, on `node` when given; the port is the container port named metrics. */
export async function agentPods(cluster: Cluster, namespace: string, node?: string): Promise<AgentPod[]> {
  const query = new URLSearchParams({ labelSelector: AGENT_SELECTOR, ...(node ? { fieldSelector: `spec.nodeName=${node}` } : {}) });
  const list = await cluster.getJson<{ items: (KubeObject & { spec?: { nodeName?: string; containers?: { ports?: { name?: string; containerPort: number }[] }[] }; status?: { phase?: string } })[] }>(
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods?${query}`, `list the agent pods in ${namespace}`);
  return list.items.map((p) => ({
    namespace,
    name: p.metadata?.name ?? '',
    node: p.spec?.nodeName ?? '',
    port: p.spec?.containers?.flatMap((c) => c.ports ?? []).find((x) => x.name === 'metrics')?.containerPort ?? AGENT_PORT,
    phase: p.status?.phase ?? 'Unknown',
  })).sort((a, b) => a.node.localeCompare(b.node) || a.name.localeCompare(b.name));
}

/** The one running agent pod of a node, or an error that says why there is none. */
export function agentOf(pods: readonly AgentPod[], node: string, namespace: string): AgentPod {
  const mine = pods.filter((p) => p.node === node);
  const running = mine.find((p) => p.phase === 'Running');
  if (running) return running;
  if (mine.length > 0) throw new InputError(`the hostnet agent on node ${node} is not running (pod ${namespace}/${mine[0]!.name} is ${mine[0]!.phase})`);
  throw new InputError(`no hostnet agent pod on node ${node} in namespace ${namespace}`, undefined, 'deploy the agent (kubectl apply -k deploy/), or give its namespace with -n');
}

/** An error for a refused or failed API answer, with the Status message when the body is one. */
export function apiError(answer: ApiAnswer, what: string): InputError {
  const text = answer.body.toString('utf8');
  let message = text.trim().slice(0, 300);
  try {
    const status = JSON.parse(text) as { kind?: string; message?: string };
    if (status.kind === 'Status' && status.message) message = status.message;
  } catch {
    // a plain-text answer (the agent's own refusals are text)
  }
  const hint = answer.status === 401 ? 'the credentials were not accepted: check --context, --kubeconfig or --token'
    : answer.status === 403 ? 'ask for the hostnet-plugin-user role (deploy/plugin/rbac.yaml)' : undefined;
  return new InputError(`cannot ${what}: HTTP ${answer.status}${message ? `: ${message}` : ''}`, undefined, hint);
}

function loadConfig(o: ClusterOptions): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (o.kubeconfig) kc.loadFromFile(o.kubeconfig);
    else kc.loadFromDefault();
  } catch (err) {
    throw new InputError(`cannot load the kubeconfig: ${(err as Error).message}`, o.kubeconfig);
  }
  if (o.context) {
    if (!kc.getContextObject(o.context)) throw new InputError(`no context ${JSON.stringify(o.context)} in the kubeconfig`, o.kubeconfig, `contexts: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'}`);
    kc.setCurrentContext(o.context);
  }
  return kc;
}

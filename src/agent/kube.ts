/**
 * The three Kubernetes API calls the agent makes, through the official client: read its Node (for the
 * uid Events point at, and the condition's last transition), patch the Node's status with one
 * condition, and create Events. Every call has a deadline, so a hanging API server costs a timeout,
 * never a stuck agent.
 *
 * The status patch is a strategic merge patch: `status.conditions` merges by `type` there, so the
 * patch touches only our condition and leaves the kubelet's (Ready, MemoryPressure, ...) alone. A JSON
 * merge patch would replace the whole list.
 */
import { ApiException, CoreV1Api, KubeConfig, Observable, PatchStrategy, type CoreV1Event, type ObservableMiddleware, type V1NodeCondition } from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import type { ConditionState } from './state.js';

export interface NodeInfo {
  uid: string | undefined;
  /** Our condition as the API server has it now, if it has it. */
  condition: V1NodeCondition | undefined;
}

/** What the publisher needs from Kubernetes; KubeNodeApi is the real one. */
export interface NodeApi {
  getNode(name: string): Promise<NodeInfo>;
  patchCondition(name: string, condition: V1NodeCondition): Promise<void>;
  /** 'exists' when an event of that name is already there (a retry of a create whose answer was lost). */
  createEvent(namespace: string, event: CoreV1Event): Promise<'created' | 'exists'>;
}

/** A failed API call, classified for metrics and backoff. */
export class KubeCallError extends Error {
  constructor(
    readonly operation: string,
    /** The HTTP status, or 'timeout' / 'network' when there was no answer. */
    readonly code: number | 'timeout' | 'network',
    message: string,
    /** Seconds the server asked us to wait (Retry-After on 429/503). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'KubeCallError';
  }
}

export interface KubeOptions {
  /** A kubeconfig file; without one: $KUBECONFIG, ~/.kube/config, then the in-cluster service account. */
  kubeconfig?: string;
  /** Deadline of each API call. */
  timeoutMs: number;
  /** The condition type getNode picks out of the node's conditions. */
  conditionType: string;
}

export interface FoundKubeConfig {
  kc: KubeConfig;
  /** How it was found: a file, $KUBECONFIG, ~/.kube/config, or the in-cluster service account. */
  source: string;
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * The kubeconfig to use, or null when there is none: --kubeconfig, $KUBECONFIG, ~/.kube/config, then
 * the in-cluster service account. Unlike the client's loadFromDefault, nothing found means null, not
 * a made-up cluster on localhost:8080.
 */
export function findKubeConfig(explicit?: string): FoundKubeConfig | null {
  const kc = new KubeConfig();
  let source: string;
  try {
    if (explicit) {
      kc.loadFromFile(explicit);
      source = explicit;
    } else if (process.env.KUBECONFIG) {
      kc.loadFromDefault();
      source = `$KUBECONFIG (${process.env.KUBECONFIG})`;
    } else if (existsSync(join(homedir(), '.kube', 'config'))) {
      source = join(homedir(), '.kube', 'config');
      kc.loadFromFile(source);
    } else if (process.env.KUBERNETES_SERVICE_HOST && existsSync(SERVICE_ACCOUNT_TOKEN)) {
      kc.loadFromCluster();
      source = 'the in-cluster service account';
    } else {
      return null;
    }
  } catch (err) {
    throw new InputError(`cannot load the Kubernetes configuration: ${(err as Error).message}`, explicit,
      'give --kubeconfig FILE, or --no-kube to leave the cluster out');
  }
  if (!kc.getCurrentCluster()) {
    throw new InputError(`the Kubernetes configuration from ${source} names no current cluster`, explicit, 'check its current-context, or use --no-kube');
  }
  return { kc, source };
}

/** The kubeconfig the agent must have: without one it says so at once (no retrying against localhost:8080). */
export function loadKubeConfig(kubeconfig?: string): KubeConfig {
  const found = findKubeConfig(kubeconfig);
  if (!found) {
    throw new InputError('found no Kubernetes credentials: no --kubeconfig, $KUBECONFIG is not set, no ~/.kube/config, and not in a pod with a service account', undefined,
      'give --kubeconfig FILE, run in a pod with a service account, or use --no-kube for metrics only');
  }
  return found.kc;
}

export class KubeNodeApi implements NodeApi {
  private readonly api: CoreV1Api;

  constructor(kc: KubeConfig, private readonly options: KubeOptions) {
    this.api = kc.makeApiClient(CoreV1Api);
  }

  async getNode(name: string): Promise<NodeInfo> {
    const node = await this.call('get node', (mw) => this.api.readNode({ name }, { middleware: mw, middlewareMergeStrategy: 'append' }));
    return { uid: node.metadata?.uid, condition: node.status?.conditions?.find((c) => c.type === this.options.conditionType) };
  }

  async patchCondition(name: string, condition: V1NodeCondition): Promise<void> {
    // Times as RFC 3339 in whole seconds, the form metav1.Time writes.
    const body = { status: { conditions: [{ ...condition, lastHeartbeatTime: rfc3339(condition.lastHeartbeatTime), lastTransitionTime: rfc3339(condition.lastTransitionTime) }] } };
    await this.call('patch node status', (mw) => this.api.patchNodeStatus({ name, body }, {
      middleware: [...mw, header('Content-Type', PatchStrategy.StrategicMergePatch)], middlewareMergeStrategy: 'append',
    }));
  }

  async createEvent(namespace: string, event: CoreV1Event): Promise<'created' | 'exists'> {
    try {
      await this.call('create event', (mw) => this.api.createNamespacedEvent({ namespace, body: event }, { middleware: mw, middlewareMergeStrategy: 'append' }));
      return 'created';
    } catch (err) {
      if (err instanceof KubeCallError && err.code === 409) return 'exists';
      throw err;
    }
  }

  private async call<T>(operation: string, send: (middleware: ObservableMiddleware[]) => Promise<T>): Promise<T> {
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    try {
      return await send([deadline(signal)]);
    } catch (err) {
      throw classify(operation, err, signal, this.options.timeoutMs);
    }
  }
}

export function deadline(signal: AbortSignal): ObservableMiddleware {
  return {
    pre: (ctx) => {
      ctx.setSignal(signal);
      return new Observable(Promise.resolve(ctx));
    },
    post: (ctx) => new Observable(Promise.resolve(ctx)),
  };
}

function header(key: string, value: string): ObservableMiddleware {
  return {
    pre: (ctx) => {
      ctx.setHeaderParam(key, value);
      return new Observable(Promise.resolve(ctx));
    },
    post: (ctx) => new Observable(Promise.resolve(ctx)),
  };
}

export function classify(operation: string, err: unknown, signal: AbortSignal, timeoutMs: number): KubeCallError {
  if (err instanceof ApiException) {
    const headers = (err.headers ?? {}) as Record<string, string>;
    const retryAfter = Number(headers['retry-after'] ?? headers['Retry-After']);
    const status = typeof err.body === 'string' ? statusMessage(err.body) : undefined;
    return new KubeCallError(operation, err.code, `${operation}: HTTP ${err.code}${status ? `: ${status}` : ''}`,
      Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined);
  }
  if (signal.aborted) return new KubeCallError(operation, 'timeout', `${operation}: no answer within ${timeoutMs} ms`);
  return new KubeCallError(operation, 'network', `${operation}: ${(err as Error).message}`);
}

/** The message of a Kubernetes Status object, when the body is one. */
function statusMessage(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { kind?: string; message?: string };
    return parsed.kind === 'Status' ? parsed.message : undefined;
  } catch {
    return body.slice(0, 200) || undefined;
  }
}

/** The condition as the API wants it; lastTransitionTime only moves when the status changes. */
export function nodeCondition(state: ConditionState, current: V1NodeCondition | undefined, now: Date): V1NodeCondition {
  const transition = current && current.status === state.status && current.lastTransitionTime ? new Date(current.lastTransitionTime) : now;
  return {
    type: state.type,
    status: state.status,
    reason: state.reason,
    message: state.message,
    lastHeartbeatTime: now,
    lastTransitionTime: transition,
  };
}

export function rfc3339(t: Date | undefined): string | undefined {
  return t === undefined ? undefined : `${new Date(t).toISOString().slice(0, 19)}Z`;
}

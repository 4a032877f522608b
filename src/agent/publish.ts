/**
 * Publishing to the API server without ever holding up the checks: the agent hands over the newest
 * condition and the events to send, and this loop sends them when it can. On failure it waits with
 * exponential backoff (honouring Retry-After), keeps the newest condition only, and keeps a bounded
 * queue of events (the oldest are dropped and counted when the API server is away for long).
 */
import type { CoreV1Event } from '@kubernetes/client-node';
import { KubeCallError, nodeCondition, type NodeApi } from './kube.js';
import type { AgentMetrics } from './metrics.js';
import { COMPONENT, type ConditionState, type EventSpec } from './state.js';

export interface PublisherOptions {
  api: NodeApi;
  nodeName: string;
  /** Where Events go; Node events conventionally live in `default`. */
  eventNamespace: string;
  metrics: AgentMetrics;
  log: (message: string) => void;
  backoff: { initialMs: number; maxMs: number };
  maxPendingEvents: number;
  /**
   * An unchanged condition is re-sent (a heartbeat) only this often: one write per node per check
   * would load the API server of a large cluster for nothing. 0 sends at every check.
   */
  heartbeatMs?: number;
}

export class Publisher {
  private desired: ConditionState | null = null;
  /** What the API server has, as far as we know, and when we last sent it. */
  private published: { state: ConditionState; at: number } | null = null;
  private readonly queue: EventSpec[] = [];
  private dirty = false;
  private stopped = false;
  private running: Promise<void> | null = null;
  private cancelSleep: (() => void) | null = null;
  /** Consecutive failed attempts; 0 after a success. */
  failures = 0;
  lastError: string | null = null;

  constructor(private readonly o: PublisherOptions) {}

  /** The newest state to publish; returns at once. */
  update(condition: ConditionState, events: EventSpec[]): void {
    this.desired = condition;
    this.queue.push(...events);
    const excess = this.queue.length - this.o.maxPendingEvents;
    if (excess > 0) {
      this.queue.splice(0, excess);
      this.o.metrics.droppedEvents.inc(excess);
    }
    this.o.metrics.pendingEvents.set(this.queue.length);
    if (this.queue.length === 0 && !this.conditionDue()) return;
    this.dirty = true;
    this.running ??= this.loop().finally(() => {
      this.running = null;
    });
  }

  /** Resolves when everything handed over so far is published, or the publisher stops. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelSleep?.();
    await this.idle();
  }

  private async loop(): Promise<void> {
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      try {
        await this.publishOnce();
        if (this.failures > 0) this.o.log(`API server reachable again after ${this.failures} failed attempt(s)`);
        this.failures = 0;
        this.lastError = null;
        this.o.metrics.lastPublish.setToCurrentTime();
      } catch (err) {
        this.dirty = true;
        this.failures++;
        const e = err instanceof KubeCallError ? err : new KubeCallError('publish', 'network', (err as Error).message);
        this.lastError = e.message;
        const wait = this.backoffMs(e);
        // One line per failure streak step; the metrics carry the counts.
        this.o.log(`cannot publish to the API server (${e.message}); retrying in ${(wait / 1000).toFixed(1)} s`);
        await this.sleep(wait);
      }
    }
  }

  private conditionDue(): boolean {
    const d = this.desired;
    const p = this.published;
    if (!d) return false;
    if (!p || p.state.status !== d.status || p.state.reason !== d.reason || p.state.message !== d.message || p.state.type !== d.type) return true;
    return Date.now() - p.at >= (this.o.heartbeatMs ?? 0);
  }

  private backoffMs(e: KubeCallError): number {
    const exp = Math.min(this.o.backoff.maxMs, this.o.backoff.initialMs * 2 ** Math.min(this.failures - 1, 30));
    // Equal jitter: a fleet of agents that lost the API server together does not come back together.
    const jittered = exp / 2 + Math.random() * (exp / 2);
    const asked = e.retryAfterSeconds !== undefined ? e.retryAfterSeconds * 1000 : 0;
    return Math.min(this.o.backoff.maxMs, Math.max(jittered, asked));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.cancelSleep = done;
    }).finally(() => {
      this.cancelSleep = null;
    });
  }

  private async publishOnce(): Promise<void> {
    const { api, nodeName, metrics } = this.o;
    const counted = async <T>(operation: string, call: () => Promise<T>): Promise<T> => {
      try {
        const result = await call();
        metrics.apiRequests.inc({ operation, code: result === 'exists' ? '409' : '2xx' });
        return result;
      } catch (err) {
        metrics.apiRequests.inc({ operation, code: err instanceof KubeCallError ? String(err.code) : 'network' });
        throw err;
      }
    };
    const desired = this.desired;
    if (desired && this.conditionDue()) {
      const node = await counted('get_node', () => api.getNode(nodeName));
      await counted('patch_node_status', () => api.patchCondition(nodeName, nodeCondition(desired, node.condition, new Date())));
      this.published = { state: desired, at: Date.now() };
    }
    while (this.queue.length > 0 && !this.stopped) {
      const spec = this.queue[0]!;
      await counted('create_event', () => api.createEvent(this.o.eventNamespace, this.eventBody(spec)));
      this.queue.shift();
      metrics.pendingEvents.set(this.queue.length);
    }
  }

  private eventBody(spec: EventSpec): CoreV1Event {
    const now = new Date();
    const { nodeName, eventNamespace } = this.o;
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: spec.name, namespace: eventNamespace, annotations: spec.annotations },
      // The uid is the node's name, as the kubelet and node-problem-detector write it: that is what
      // `kubectl describe node` looks events up by.
      involvedObject: { apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeName },
      reason: spec.reason,
      message: spec.message,
      type: spec.type,
      source: { component: COMPONENT, host: nodeName },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      reportingComponent: COMPONENT,
      reportingInstance: nodeName,
    };
  }
}

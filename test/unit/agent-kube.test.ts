/**
 * The agent against a local API server that checks every body against the Kubernetes schemas: the
 * condition and events it publishes as findings come and go, and what it does when the server fails,
 * hangs, refuses or answers 409/429/500.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Agent } from '../../src/agent/agent.js';
import { KubeNodeApi, loadKubeConfig } from '../../src/agent/kube.js';
import { AgentMetrics } from '../../src/agent/metrics.js';
import { Publisher } from '../../src/agent/publish.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { FakeApiServer } from './agent-apiserver.js';
import { NOTE_RULE, syntheticSnapshot, TRAP_RULE } from './report-synthetic.js';

interface Harness {
  server: FakeApiServer;
  agent: Agent;
  publisher: Publisher;
  metrics: AgentMetrics;
  logs: string[];
  setHost(s: Snapshot | Error): void;
}

async function harness(t: TestContext, options: { timeoutMs?: number; intervalMs?: number; backoffMs?: number; heartbeatMs?: number } = {}): Promise<Harness> {
  const server = new FakeApiServer('node1');
  await server.start();
  let host: Snapshot | Error = syntheticSnapshot();
  const metrics = new AgentMetrics({ processMetrics: false });
  const logs: string[] = [];
  const log = (m: string): void => {
    logs.push(m);
  };
  const api = new KubeNodeApi(loadKubeConfig(server.kubeconfig()), { timeoutMs: options.timeoutMs ?? 2000, conditionType: 'HostNetworkTrap' });
  const publisher = new Publisher({ api, nodeName: 'node1', eventNamespace: 'default', metrics, log, backoff: { initialMs: options.backoffMs ?? 20, maxMs: options.backoffMs ?? 50 }, maxPendingEvents: 5, heartbeatMs: options.heartbeatMs });
  const agent = new Agent({
    nodeName: 'node1', intervalMs: options.intervalMs ?? 3_600_000, rules: [TRAP_RULE, NOTE_RULE], ignore: [], threshold: 'warning', conditionType: 'HostNetworkTrap',
    metrics, publisher, log,
    collect: async () => {
      if (host instanceof Error) throw host;
      return host;
    },
  });
  t.after(async () => {
    await agent.stop();
    await server.stop();
  });
  return { server, agent, publisher, metrics, logs, setHost: (s) => { host = s; } };
}

/** Resolves when cond() holds; fails the test after `ms`. */
async function until(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('publishes False when clean, True with the rule id and a Warning event when a trap appears, and a Normal event when it goes', { timeout: 30_000 }, async (t) => {
  const h = await harness(t);
  const first = await h.agent.trigger();
  assert.deepEqual(first, { ok: true, findings: 1, condition: 'False' }); // only the note, below the threshold
  await h.publisher.idle();
  const clean = h.server.condition('HostNetworkTrap');
  assert.equal(clean?.status, 'False');
  assert.equal(clean?.reason, 'NoHostNetworkTrap');
  // The note is new on the first check: a Normal event (notes never warn).
  assert.deepEqual([...h.server.events.values()].map((e) => [e.type, e.reason]), [['Normal', 'HostNetworkTrapFound']]);
  const firstTransition = clean?.lastTransitionTime;

  h.setHost(syntheticSnapshot({ traps: ['trap0'] }));
  await new Promise((r) => setTimeout(r, 1100)); // so a wrongly moved lastTransitionTime would show
  assert.equal((await h.agent.trigger()).condition, 'True');
  await h.publisher.idle();
  const firing = h.server.condition('HostNetworkTrap');
  assert.equal(firing?.status, 'True');
  assert.equal(firing?.reason, 'HostNetworkTrapFound');
  assert.match(String(firing?.message), /^1 finding \(test\/trap-iface\): trap0: trap0 is a trap/);
  assert.notEqual(firing?.lastTransitionTime, firstTransition);
  const warning = [...h.server.events.values()].at(-1)!;
  assert.equal(warning.type, 'Warning');
  assert.equal(warning.reason, 'HostNetworkTrapFound');
  assert.match(String(warning.message), /^test\/trap-iface on trap0: /);
  assert.deepEqual(warning.involvedObject, { apiVersion: 'v1', kind: 'Node', name: 'node1', uid: 'node1' });
  assert.deepEqual(warning.source, { component: 'hostnet-agent', host: 'node1' });

  // The same finding again: no event, and the transition time stays.
  await h.agent.trigger();
  await h.publisher.idle();
  assert.equal(h.server.events.size, 2);
  assert.equal(h.server.condition('HostNetworkTrap')?.lastTransitionTime, firing?.lastTransitionTime);

  h.setHost(syntheticSnapshot());
  await h.agent.trigger();
  await h.publisher.idle();
  assert.equal(h.server.condition('HostNetworkTrap')?.status, 'False');
  const resolved = [...h.server.events.values()].at(-1)!;
  assert.deepEqual([resolved.type, resolved.reason], ['Normal', 'HostNetworkTrapResolved']);
  assert.match(String(resolved.message), /trap0 no longer found/);

  // The kubelet's condition is untouched; only the three calls were made; every body passed the schemas.
  assert.equal(h.server.condition('Ready')?.status, 'True');
  assert.deepEqual(h.server.schemaErrors, []);
  assert.deepEqual(h.server.unexpected, []);
  assert.deepEqual([...new Set(h.server.requests.map((r) => `${r.method} ${r.path}`))].sort(),
    ['GET /api/v1/nodes/node1', 'PATCH /api/v1/nodes/node1/status', 'POST /api/v1/namespaces/default/events']);
});

test('a failing check publishes Unknown and resolves nothing', { timeout: 30_000 }, async (t) => {
  const h = await harness(t);
  h.setHost(syntheticSnapshot({ traps: ['trap0'] }));
  await h.agent.trigger();
  h.setHost(new Error('ip: command not found'));
  const summary = await h.agent.trigger();
  assert.equal(summary.ok, false);
  await h.publisher.idle();
  const c = h.server.condition('HostNetworkTrap');
  assert.equal(c?.status, 'Unknown');
  assert.match(String(c?.message), /ip: command not found/);
  assert.equal([...h.server.events.values()].filter((e) => e.reason === 'HostNetworkTrapResolved').length, 0);
});

test('500, 429 with Retry-After, and 409 are retried with backoff until the API server answers', { timeout: 30_000 }, async (t) => {
  const h = await harness(t);
  h.setHost(syntheticSnapshot({ traps: ['trap0'] }));
  h.server.misbehave.push({ status: 500 }, { status: 429, retryAfter: 0 }, { status: 409 }, { status: 500 });
  await h.agent.trigger();
  await h.publisher.idle();
  assert.equal(h.server.condition('HostNetworkTrap')?.status, 'True');
  assert.equal(h.server.events.size, 2);
  assert.equal(h.publisher.failures, 0);
  const counts = await h.metrics.apiRequests.get();
  const codes = counts.values.map((v) => `${String(v.labels.operation)}:${String(v.labels.code)}=${v.value}`).sort();
  assert.ok(codes.includes('get_node:500=2'), codes.join(' '));
  assert.ok(codes.includes('get_node:429=1'), codes.join(' '));
  assert.ok(codes.includes('get_node:409=1'), codes.join(' '));
  assert.ok(h.logs.some((l) => /HTTP 429/.test(l)));
});

test('a 409 on an event create means it is already there: not sent again', { timeout: 30_000 }, async (t) => {
  const h = await harness(t);
  h.setHost(syntheticSnapshot({ traps: ['trap0'] }));
  await h.agent.trigger();
  await h.publisher.idle();
  const sent = h.server.requests.filter((r) => r.method === 'POST').length;
  // Replay the same events through the publisher's queue: the server answers 409 and the publisher moves on.
  const again = [...h.server.events.keys()].map((name) => ({ name, type: 'Normal' as const, reason: 'HostNetworkTrapFound', message: 'x', annotations: {} }));
  h.publisher.update({ type: 'HostNetworkTrap', status: 'True', reason: 'HostNetworkTrapFound', message: 'm' }, again);
  await h.publisher.idle();
  assert.equal(h.server.requests.filter((r) => r.method === 'POST').length, sent + again.length);
  assert.equal(h.publisher.failures, 0);
  const codes = (await h.metrics.apiRequests.get()).values.filter((v) => v.labels.operation === 'create_event' && v.labels.code === '409');
  assert.equal(codes[0]?.value, again.length);
});

test('a hanging API server costs a timeout per call: checks go on, stop() returns', { timeout: 30_000 }, async (t) => {
  const h = await harness(t, { timeoutMs: 150, backoffMs: 30 });
  h.server.always = 'hang';
  const t0 = Date.now();
  const first = await h.agent.trigger();
  const second = await h.agent.trigger();
  assert.ok(first.ok && second.ok);
  assert.ok(Date.now() - t0 < 1000, 'checks do not wait for the API server');
  await until(() => h.publisher.failures >= 3, 5000, 'three timed-out attempts');
  assert.match(String(h.publisher.lastError), /no answer within 150 ms/);
  const timeouts = (await h.metrics.apiRequests.get()).values.filter((v) => v.labels.code === 'timeout');
  assert.ok((timeouts[0]?.value ?? 0) >= 3);
  // Recovery: the server answers again and the newest condition is published.
  h.server.always = null;
  h.setHost(syntheticSnapshot({ traps: ['trap1'] }));
  await h.agent.trigger();
  await until(() => h.server.condition('HostNetworkTrap')?.status === 'True', 5000, 'publication after recovery');
  assert.match(String(h.server.condition('HostNetworkTrap')?.message), /trap1/);
  const t1 = Date.now();
  h.server.always = 'hang';
  h.setHost(syntheticSnapshot());
  await h.agent.trigger();
  await h.agent.stop();
  assert.ok(Date.now() - t1 < 1000, 'stop waits at most one call deadline');
});

test('connection resets: retried, events bounded, nothing thrown', { timeout: 30_000 }, async (t) => {
  const h = await harness(t, { timeoutMs: 200, backoffMs: 10 });
  h.server.always = 'reset';
  for (let i = 0; i < 8; i++) {
    h.setHost(syntheticSnapshot({ traps: [`trap${i}`] }));
    await h.agent.trigger();
  }
  await until(() => h.publisher.failures >= 2, 5000, 'failed attempts');
  // 8 new + 7 resolved + the note = 16 events; the queue keeps the newest 5.
  const dropped = (await h.metrics.droppedEvents.get()).values[0]?.value ?? 0;
  assert.equal(dropped, 11);
  h.server.always = null;
  await until(() => h.server.events.size === 5, 5000, 'the queued events');
  assert.match(String([...h.server.events.values()].at(-1)?.message), /trap7|trap6/);
  assert.deepEqual(h.server.schemaErrors, []);
});

test('an unchanged condition is re-sent only at the heartbeat; a change at once', { timeout: 30_000 }, async (t) => {
  const h = await harness(t, { heartbeatMs: 60_000 });
  const writes = (): number => h.server.requests.filter((r) => r.method === 'PATCH').length;
  await h.agent.trigger();
  await h.publisher.idle();
  assert.equal(writes(), 1);
  for (let i = 0; i < 3; i++) await h.agent.trigger();
  await h.publisher.idle();
  assert.equal(writes(), 1, 'no write for an unchanged condition within the heartbeat');
  assert.equal(h.server.requests.filter((r) => r.method === 'GET').length, 1);
  h.setHost(syntheticSnapshot({ traps: ['trap0'] }));
  await h.agent.trigger();
  await h.publisher.idle();
  assert.equal(writes(), 2, 'a change is written at once');
  assert.equal(h.server.condition('HostNetworkTrap')?.status, 'True');
});

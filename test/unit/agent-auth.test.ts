/**
 * The agent's endpoints over real loopback with the local API server's TokenReview and
 * SubjectAccessReview: /metrics protected by --metrics-auth (a non-resource URL, as Prometheus' roles
 * grant it), the endpoints closed without an API server, an API server that cannot answer (503, never
 * a check), the review cache, and the rate limit of POST /check.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Agent, type EndpointAccess } from '../../src/agent/agent.js';
import { KubeAuthorizer } from '../../src/agent/auth.js';
import { loadKubeConfig } from '../../src/agent/kube.js';
import { AgentMetrics } from '../../src/agent/metrics.js';
import { FakeApiServer, listenForTest } from './agent-apiserver.js';
import { syntheticSnapshot, TRAP_RULE } from './report-synthetic.js';

async function agentWith(t: TestContext, access: (server: FakeApiServer) => EndpointAccess, checkMinIntervalMs = 0): Promise<{ url: string; server: FakeApiServer; agent: Agent; collections: () => number }> {
  const server = new FakeApiServer('node1');
  await server.start();
  server.users.set('prometheus-token', { username: 'system:serviceaccount:monitoring:prometheus', groups: [], rules: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }] });
  server.users.set('alice-token', { username: 'alice', groups: [], rules: [{ apiGroups: ['hostnet'], resources: ['nodes/check'], verbs: ['create'] }, { apiGroups: ['hostnet'], resources: ['nodes/snapshot'], verbs: ['get'], resourceNames: ['node2'] }] });
  let collections = 0;
  const agent = new Agent({
    nodeName: 'node1', intervalMs: 3_600_000, rules: [TRAP_RULE], ignore: [], threshold: 'warning', conditionType: 'HostNetworkTrap',
    metrics: new AgentMetrics({ processMetrics: false }), publisher: null, log: () => {}, access: access(server), checkMinIntervalMs,
    collect: async () => {
      collections++;
      return syntheticSnapshot();
    },
  });
  const { url } = await listenForTest(t, agent, server);
  return { url, server, agent, collections: () => collections };
}

const kube = (protectMetrics: boolean) => (server: FakeApiServer): EndpointAccess => ({ mode: 'kube', authorizer: new KubeAuthorizer(loadKubeConfig(server.kubeconfig()), 2000), protectMetrics });

async function status(url: string, init: RequestInit = {}): Promise<number> {
  const res = await fetch(url, init);
  await res.arrayBuffer();
  return res.status;
}

test('--metrics-auth: /metrics needs a token allowed to get the non-resource URL /metrics', { timeout: 30_000 }, async (t) => {
  const { url } = await agentWith(t, kube(true));
  assert.equal(await status(`${url}/metrics`), 401);
  assert.equal(await status(`${url}/metrics`, { headers: { authorization: 'Bearer alice-token' } }), 403);
  assert.equal(await status(`${url}/metrics`, { headers: { authorization: 'Bearer prometheus-token' } }), 200);
  assert.equal(await status(`${url}/healthz`), 200, '/healthz stays open for the kubelet\'s probes');
});

test('RBAC decides per verb and node name: alice may check node1 but only read node2\'s snapshot; reviews are cached', { timeout: 30_000 }, async (t) => {
  const { url, server } = await agentWith(t, kube(false));
  const alice = { authorization: 'Bearer alice-token' };
  assert.equal(await status(`${url}/check`, { method: 'POST', headers: alice }), 200);
  assert.equal(await status(`${url}/snapshot`, { headers: alice }), 403);
  assert.equal(await status(`${url}/metrics`), 200, 'open without --metrics-auth');
  const reviews = server.reviews.length;
  assert.equal(await status(`${url}/check`, { method: 'POST', headers: { 'x-hostnet-authorization': 'Bearer alice-token' } }), 200);
  assert.equal(server.reviews.length, reviews, 'a second request within a minute is decided from the cache');
  assert.deepEqual(server.reviews.map((r) => [r.kind, r.allowed]), [['TokenReview', true], ['SubjectAccessReview', true], ['TokenReview', true], ['SubjectAccessReview', false]]);
});

test('an API server that cannot review the token: 503 and no check; without one the endpoints are closed', { timeout: 30_000 }, async (t) => {
  const down = await agentWith(t, kube(false));
  down.server.always = { status: 500 };
  const res = await fetch(`${down.url}/check`, { method: 'POST', headers: { authorization: 'Bearer alice-token' } });
  assert.equal(res.status, 503);
  assert.match(await res.text(), /cannot check the token with the API server: token review: HTTP 500/);
  assert.equal(down.collections(), 0);
  const closed = await agentWith(t, () => ({ mode: 'closed', reason: 'off' }));
  assert.equal(await status(`${closed.url}/check`, { method: 'POST' }), 403);
  assert.equal(await status(`${closed.url}/snapshot`), 403);
  assert.equal(closed.collections(), 0);
});

test('POST /check runs at most one check per minimum interval; requests in between get the last result', { timeout: 30_000 }, async (t) => {
  const { url, agent, collections } = await agentWith(t, () => ({ mode: 'open' }), 60_000);
  const answers: { body: { fromLastCheck: boolean; checkedAt: string; retryAfterSeconds?: number }; retryAfter: string | null }[] = [];
  for (let i = 0; i < 5; i++) {
    const res = await fetch(`${url}/check`, { method: 'POST' });
    answers.push({ body: await res.json() as { fromLastCheck: boolean; checkedAt: string; retryAfterSeconds?: number }, retryAfter: res.headers.get('retry-after') });
  }
  assert.equal(collections(), 1);
  assert.deepEqual(answers.map((a) => a.body.fromLastCheck), [false, true, true, true, true]);
  assert.ok(answers.every((a) => a.body.checkedAt === answers[0]!.body.checkedAt));
  assert.ok(answers.slice(1).every((a) => Number(a.retryAfter) > 0 && Number(a.retryAfter) <= 60 && a.body.retryAfterSeconds === Number(a.retryAfter)));
  // Past the interval, a new check (the clock is passed in, not waited for).
  const later = await agent.requestCheck(Date.now() + 61_000);
  assert.equal(later.fromLastCheck, false);
  assert.equal(collections(), 2);
  // SIGHUP and the interval are not limited: trigger() always checks.
  await agent.trigger();
  assert.equal(collections(), 3);
});

test('GET /snapshot: 503 before the first check, then the last check\'s snapshot, redacted, gzipped when asked', { timeout: 30_000 }, async (t) => {
  const { url, agent } = await agentWith(t, () => ({ mode: 'open' }));
  assert.equal(await status(`${url}/snapshot`), 503);
  await agent.trigger();
  const plain = await fetch(`${url}/snapshot`, { headers: { 'accept-encoding': 'identity' } });
  assert.equal(plain.headers.get('content-encoding'), null);
  const body = await plain.json() as { host: { machineId: unknown; hostname: unknown }; scope: { redacted: boolean } };
  const original = syntheticSnapshot();
  assert.match(String(original.host.machineId), /^[0-9a-f]{32}$/, 'the snapshot had a machine id to leave out');
  assert.deepEqual([body.host.machineId, body.scope.redacted, body.host.hostname], [null, true, original.host.hostname]);
  const zipped = await fetch(`${url}/snapshot`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(zipped.headers.get('content-encoding'), 'gzip');
  assert.deepEqual(await zipped.json(), body); // fetch decompresses
});

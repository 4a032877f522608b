/**
 * The agent reads the Calico/VPP configuration from the cluster (tests/unit/agent-apiserver.ts serves
 * the ConfigMap, the calico-vpp-node DaemonSet and a pod on the node): the seed's pre-deployment node,
 * whose snapshot carries no configuration, turns the condition True once the cluster's ConfigMap says
 * ens2f0 is VPP's uplink. A 403 on those reads is a gap, not a failed check. Without any credentials
 * `agent --once` says so at once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { parse } from 'yaml';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { hostnetAsync } from '../helpers/system.js';
import { FakeApiServer } from './agent-apiserver.js';

const example = JSON.parse(readFileSync(new URL('../../examples/vpp-e810-predeploy/snapshot.json', import.meta.url), 'utf8')) as Snapshot;
const configFile = example.files.find((f) => f.role === 'calico-vpp-config')!;
const CM_PATH = '/api/v1/namespaces/calico-vpp-dataplane/configmaps/calico-vpp-config';
const DS_PATH = '/apis/apps/v1/namespaces/calico-vpp-dataplane/daemonsets/calico-vpp-node';

async function setUp(t: TestContext): Promise<{ server: FakeApiServer; snapshot: string }> {
  const server = new FakeApiServer('node1');
  await server.start();
  const dir = mkdtempSync(join(tmpdir(), 'hn-agent-vpp-'));
  t.after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const data = (parse(configFile.content!) as { data: Record<string, string> }).data;
  server.objects.set(CM_PATH, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'calico-vpp-config', namespace: 'calico-vpp-dataplane' }, data });
  server.objects.set(DS_PATH, {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'calico-vpp-node', namespace: 'calico-vpp-dataplane' },
    spec: { selector: { matchLabels: { 'k8s-app': 'calico-vpp-node' } }, template: { metadata: { labels: { 'k8s-app': 'calico-vpp-node' } }, spec: { containers: [
      { name: 'vpp', image: 'docker.io/calicovpp/vpp:v3.26.0', envFrom: [{ configMapRef: { name: 'calico-vpp-config' } }] },
    ] } } },
  });
  server.pods.push({ namespace: 'calico-vpp-dataplane', name: 'calico-vpp-node-x7k2p', nodeName: 'node1', labels: { 'k8s-app': 'calico-vpp-node' }, phase: 'Running' });
  server.pods.push({ namespace: 'calico-vpp-dataplane', name: 'calico-vpp-node-q9w4e', nodeName: 'node2', labels: { 'k8s-app': 'calico-vpp-node' }, phase: 'Running' });
  const snapshot = join(dir, 'node1.json');
  // The node as collected: no configuration on disk.
  writeFileSync(snapshot, JSON.stringify({ ...example, files: example.files.filter((f) => f.role !== 'calico-vpp-config') }));
  return { server, snapshot };
}

const agentOnce = (server: FakeApiServer, snapshot: string) =>
  hostnetAsync(['agent', '--once', '--snapshot', snapshot, '--kubeconfig', server.kubeconfig(), '--node-name', 'node1', '--api-timeout', '2']);

test('the configuration from the cluster makes the pre-deployment node\'s race a True condition', { timeout: 60_000 }, async (t) => {
  const { server, snapshot } = await setUp(t);
  const r = await agentOnce(server, snapshot);
  assert.equal(r.code, 1, r.stderr);
  const condition = server.condition('HostNetworkTrap');
  assert.equal(condition?.status, 'True', JSON.stringify(condition));
  assert.match(String(condition?.message), /link\/mac-policy-race/);
  assert.match(r.stderr, /Calico\/VPP configuration read from http:\/\/127\.0\.0\.1:\d+: ConfigMap calico-vpp-dataplane\/calico-vpp-config, DaemonSet calico-vpp-dataplane\/calico-vpp-node \(container environment\), pod calico-vpp-dataplane\/calico-vpp-node-x7k2p on node1 \(Running\)/);
  assert.deepEqual(server.unexpected, []);
  assert.deepEqual(server.podQueries.map((q) => Object.fromEntries(new URLSearchParams(q))), [{ fieldSelector: 'spec.nodeName=node1', labelSelector: 'k8s-app=calico-vpp-node' }]);
});

test('a 403 on the configuration is a gap: the check runs, the condition says what the node alone shows', { timeout: 60_000 }, async (t) => {
  const { server, snapshot } = await setUp(t);
  for (const p of [CM_PATH, DS_PATH, '/api/v1/namespaces/kube-system/configmaps/calico-config', '/apis/apps/v1/namespaces/kube-system/daemonsets/calico-vpp-node']) server.forbidden.add(p);
  const r = await agentOnce(server, snapshot);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(server.condition('HostNetworkTrap')?.status, 'False');
  assert.match(r.stderr, /could not read the Calico\/VPP configuration .*HTTP 403/);
});

test('agent --once with no credentials at all says so at once and suggests --no-kube', { timeout: 30_000 }, async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'hn-nohome-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const started = Date.now();
  const r = await hostnetAsync(['agent', '--once', '--snapshot', new URL('../../examples/vpp-e810-predeploy/snapshot.json', import.meta.url).pathname],
    { env: { HOME: home, KUBECONFIG: '', KUBERNETES_SERVICE_HOST: '' } });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /found no Kubernetes credentials/);
  assert.match(r.stderr, /--no-kube/);
  assert.ok(Date.now() - started < 10_000, 'no retrying');
});

test('plan calico-vpp without --config takes the configuration from the cluster', { timeout: 60_000 }, async (t) => {
  const { server, snapshot } = await setUp(t);
  const r = await hostnetAsync(['plan', 'calico-vpp', '--snapshot', snapshot, '--kubeconfig', server.kubeconfig(), '--format', 'json'], { env: { NODE_NAME: 'node1' } });
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  const report = JSON.parse(r.stdout) as { config: string; plan: { uplink: string } };
  assert.match(report.config, /^kubernetes:http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(report.plan.uplink, 'ens2f0');
  const none = await hostnetAsync(['plan', 'calico-vpp', '--snapshot', snapshot, '--no-kube']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no Calico\/VPP configuration: none given and none found in a cluster/);
});

test('collect --kubeconfig records the cluster\'s configuration in the snapshot, --no-kube does not', { timeout: 60_000 }, async (t) => {
  const { server } = await setUp(t);
  const r = await hostnetAsync(['collect', '--kubeconfig', server.kubeconfig()], { env: { NODE_NAME: 'node1' } });
  assert.equal(r.code, 0, r.stderr);
  const recorded = (JSON.parse(r.stdout) as Snapshot).files.find((f) => f.role === 'calico-vpp-config');
  assert.match(recorded?.path ?? '', /^kubernetes:http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(recorded!.content!, /kind: ConfigMap[\s\S]*kind: DaemonSet[\s\S]*kind: Pod/);
  const off = await hostnetAsync(['collect', '--kubeconfig', server.kubeconfig(), '--no-kube']);
  assert.equal((JSON.parse(off.stdout) as Snapshot).files.some((f) => f.role === 'calico-vpp-config'), false);
});

// `nad check --kubeconfig`: NADs read through the official Kubernetes client from an API endpoint.
// No API server runs here, so a local HTTP server answers the one list call the way the API server does
// (the path, the bearer token and the List shape are checked); errors become one message and exit 2.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hostnetAsync } from '../helpers/system.js';

const item = (name: string, namespace: string, config: Record<string, unknown>) => ({
  apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition',
  metadata: { name, namespace, uid: `uid-${name}`, resourceVersion: '1' },
  spec: { config: JSON.stringify(config) },
});

async function withApi(handler: (req: IncomingMessage, res: ServerResponse) => void, body: (kubeconfig: string) => Promise<void>): Promise<void> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const dir = mkdtempSync(join(tmpdir(), 'hn-nad-kube-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, `apiVersion: v1
kind: Config
clusters:
- name: lab
  cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}
users:
- name: me
  user: {token: secret-token}
contexts:
- name: lab
  context: {cluster: lab, user: me}
current-context: lab
`);
  try {
    await body(kubeconfig);
  } finally {
    server.close();
  }
}

test('--kubeconfig lists the cluster\'s NADs (all namespaces or one) and checks them like files', async () => {
  const seen: { url: string; auth: string | undefined }[] = [];
  await withApi((req, res) => {
    seen.push({ url: req.url ?? '', auth: req.headers.authorization });
    const items = [item('macvlan-internal', 'default', { cniVersion: '0.3.0', type: 'macvlan', master: 'ens224', mode: 'bridge', ipam: {} }),
      item('bad-mode', 'spk', { cniVersion: '0.3.0', type: 'macvlan', master: 'ens224', mode: 'Bridge' })];
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinitionList', metadata: {}, items: req.url?.includes('/namespaces/spk/') ? items.slice(1) : items }));
  }, async (kubeconfig) => {
    const all = await hostnetAsync(['nad', 'check', '--kubeconfig', kubeconfig, '--snapshot', 'examples/cnf-macvlan/nodes/worker-1.json', '--format', 'json', '--fail-on', 'error']);
    assert.equal(all.code, 1, all.stderr);
    const report = JSON.parse(all.stdout) as { nads: { name: string; file: string }[]; findings: { ruleId: string; evidence: { file?: string }[] }[] };
    assert.deepEqual(report.nads.map((n) => [n.name, n.file]), [['macvlan-internal', 'cluster:default/macvlan-internal'], ['bad-mode', 'cluster:spk/bad-mode']]);
    const mode = report.findings.find((f) => f.ruleId === 'nad/mode-invalid');
    assert.equal(mode?.evidence[0]?.file, 'cluster:spk/bad-mode');
    assert.deepEqual(seen[0], { url: '/apis/k8s.cni.cncf.io/v1/network-attachment-definitions', auth: 'Bearer secret-token' });
    const one = await hostnetAsync(['nad', 'check', '--kubeconfig', kubeconfig, '--kube-namespace', 'spk', '--config-only', '--format', 'json']);
    assert.equal(JSON.parse(one.stdout).nads.length, 1);
    assert.equal(seen[1]!.url, '/apis/k8s.cni.cncf.io/v1/namespaces/spk/network-attachment-definitions');
  });
});

test('--kubeconfig errors: forbidden, CRD missing, unreadable kubeconfig; one message, exit 2', async () => {
  await withApi((req, res) => {
    const forbidden = req.url?.includes('/namespaces/locked/');
    res.statusCode = forbidden ? 403 : 404;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: forbidden ? 'network-attachment-definitions is forbidden' : 'the server could not find the requested resource', code: res.statusCode }));
  }, async (kubeconfig) => {
    const f = await hostnetAsync(['nad', 'check', '--kubeconfig', kubeconfig, '--kube-namespace', 'locked', '--config-only']);
    assert.equal(f.code, 2);
    assert.match(f.stderr, /cannot list NetworkAttachmentDefinitions in namespace locked .*HTTP 403/);
    assert.match(f.stderr, /may not list network-attachment-definitions/);
    const nf = await hostnetAsync(['nad', 'check', '--kubeconfig', kubeconfig, '--config-only']);
    assert.equal(nf.code, 2);
    assert.match(nf.stderr, /CRD is not installed/);
    assert.doesNotMatch(f.stderr + nf.stderr, /\.ts:\d+/);
  });
  const missing = await hostnetAsync(['nad', 'check', '--kubeconfig', '/nonexistent/kubeconfig', '--config-only']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot load the kubeconfig/);
});

test('--kubeconfig also lists the Nodes when a NAD names an SR-IOV resource, and compares them; a forbidden list is a diagnostic', async () => {
  const sriov = { ...item('sriov-a', 'cnf', { cniVersion: '0.3.1', type: 'sriov', ipam: {} }), metadata: { name: 'sriov-a', namespace: 'cnf', annotations: { 'k8s.v1.cni.cncf.io/resourceName': 'openshift.io/vf_a' } } };
  const node = (name: string, vfs: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { allocatable: { cpu: '4', 'openshift.io/vf_a': vfs }, capacity: { cpu: '4', 'openshift.io/vf_a': vfs } } });
  let nodesAllowed = true;
  const seen: string[] = [];
  await withApi((req, res) => {
    seen.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    if (req.url?.startsWith('/api/v1/nodes')) {
      if (!nodesAllowed) {
        res.statusCode = 403;
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'nodes is forbidden', reason: 'Forbidden', code: 403 }));
        return;
      }
      res.end(JSON.stringify({ apiVersion: 'v1', kind: 'NodeList', metadata: {}, items: [node('w1', '4'), node('w2', '0')] }));
      return;
    }
    res.end(JSON.stringify({ apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinitionList', metadata: {}, items: [sriov] }));
  }, async (kubeconfig) => {
    const r = await hostnetAsync(['nad', 'check', '--kubeconfig', kubeconfig, '--config-only', '--format', 'json', '--fail-on', 'note']);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(seen.includes('/api/v1/nodes'), seen.join(' '));
    const report = JSON.parse(r.stdout) as { findings: { ruleId: string; message: string; evidence: { file?: string }[] }[] };
    const f = report.findings.filter((x) => x.ruleId === 'nad/sriov-resource-unadvertised');
    assert.equal(f.length, 1);
    assert.match(f[0]!.message, /allocatable only on w1 of the 2 nodes \(Node objects from the cluster\)/);
    assert.deepEqual(f[0]!.evidence.slice(1).map((e) => e.file), ['cluster:node/w1', 'cluster:node/w2']);
    nodesAllowed = false;
    const denied = await hostnetAsync(['nad', 'check', '--kubeconfig', kubeconfig, '--config-only', '--format', 'json']);
    const d = JSON.parse(denied.stdout) as { diagnostics: { message: string }[]; findings: { ruleId: string }[] };
    assert.ok(d.diagnostics.some((x) => /cannot list Nodes: HTTP 403; SR-IOV resources are not compared/.test(x.message)), denied.stdout);
    assert.ok(!d.findings.some((x) => x.ruleId === 'nad/sriov-resource-unadvertised'));
  });
});

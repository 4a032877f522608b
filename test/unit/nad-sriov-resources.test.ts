// nad/sriov-resource-unadvertised: the NADs' resourceName against what Node objects advertise in
// status.allocatable, from a Node file (`nad check --nodes`, `--input kubernetes-node=FILE`).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildHost } from '../../src/model/host.js';
import { runChecks } from '../../src/rules/engine.js';
import { ALL_RULES } from '../../src/rules/index.js';
import { NAD_ROLE, NODE_ROLE } from '../../src/rules/nad/inputs.js';
import type { Finding } from '../../src/rules/types.js';
import { SnapshotSchema, type Snapshot } from '../../src/snapshot/schema.js';
import { parseK8sNodes } from '../../src/sources/k8s-node.js';
import { stringifyK8sYaml } from '../../src/sources/k8s-yaml.js';
import { hostnet } from '../helpers/system.js';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const base: Snapshot = { ...SnapshotSchema.parse(JSON.parse(read('examples/cnf-macvlan/nodes/worker-1.json'))), interfaces: [], routes: [], files: [] };
const rule = ALL_RULES.find((r) => r.meta.id === 'nad/sriov-resource-unadvertised')!;

function run(nads: string, nodes?: string): Finding[] {
  const files = [{ path: 'nads.yaml', content: nads, mask: null, role: NAD_ROLE }, ...(nodes === undefined ? [] : [{ path: 'nodes.yaml', content: nodes, mask: null, role: NODE_ROLE }])];
  return runChecks(buildHost({ ...base, files }), [rule]).findings;
}

const nadWith = (name: string, resource: string): string =>
  `apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata:\n  name: ${name}\n  annotations:\n    k8s.v1.cni.cncf.io/resourceName: ${resource}\nspec:\n  config: '{"cniVersion":"0.3.1","type":"sriov"}'\n`;

test('the fixture: a prefix mix-up named, an unknown resource an error, one on one node a note', () => {
  const f = run(read('test/fixtures/nad/sriov-nads.yaml'), read('test/fixtures/nad/nodes-sriov.yaml'));
  assert.deepEqual(f.map((x) => [x.severity, x.message.split(':')[0]]), [['error', 'sriov-net-a'], ['error', 'sriov-net-b'], ['note', 'sriov-net-c']]);
  assert.match(f[0]!.message, /the nodes advertise intel\.com\/intel_sriov_netdevice: is that the name meant\?/);
  assert.match(f[0]!.message, /Node objects from nodes\.yaml/);
  assert.deepEqual(f[2]!.evidence.slice(1).map((e) => [e.file, e.line]), [['nodes.yaml', 6], ['nodes.yaml', 20]]);
});

test('without Node objects the rule says nothing; a NAD without the annotation is not compared', () => {
  assert.deepEqual(run(read('test/fixtures/nad/sriov-nads.yaml')), []);
  assert.deepEqual(run(read('examples/cnf-macvlan/nads.yaml'), read('test/fixtures/nad/nodes-sriov.yaml')), []);
});

test('Node files: one node, a NodeList in JSON, a node without status, other kinds skipped with a place', () => {
  const one = parseK8sNodes('n.yaml', 'apiVersion: v1\nkind: Node\nmetadata:\n  name: a\nstatus:\n  allocatable:\n    x.io/y: 2\n');
  assert.deepEqual(one.nodes.map((n) => [n.name, n.allocatable['x.io/y'], n.hasStatus]), [['a', '2', true]]);
  const list = parseK8sNodes('n.json', JSON.stringify({ kind: 'NodeList', items: [{ kind: 'Node', metadata: { name: 'b' } }, { kind: 'Pod', metadata: { name: 'p' } }] }));
  assert.deepEqual(list.nodes.map((n) => [n.name, n.hasStatus]), [['b', false]]);
  assert.equal(list.diagnostics.length, 1);
  assert.match(list.diagnostics[0]!.message, /kind "Pod" is not a Node; skipped/);
  const broken = parseK8sNodes('b.yaml', 'kind: Node\nmetadata: {name: c\n---\nkind: Node\nmetadata:\n  name: d\n');
  assert.deepEqual(broken.nodes.map((n) => n.name), ['d']);
  assert.match(broken.diagnostics[0]!.where, /^b\.yaml:\d+$/);
});

test('property: a resource is flagged as an error exactly when no node has it above 0, a note when some lack it', () => {
  fc.assert(fc.property(fc.array(fc.option(fc.nat(8), { nil: undefined }), { minLength: 1, maxLength: 5 }), (counts) => {
    const nodes = { apiVersion: 'v1', kind: 'List', items: counts.map((c, i) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: `w${i}` }, status: { allocatable: c === undefined ? { cpu: '4' } : { cpu: '4', 'openshift.io/vf': String(c) } } })) };
    const f = run(nadWith('n', 'openshift.io/vf'), stringifyK8sYaml(nodes));
    const having = counts.filter((c) => c !== undefined && c > 0).length;
    const expected = having === 0 ? ['error'] : having < counts.length ? ['note'] : [];
    assert.deepEqual(f.map((x) => x.severity), expected);
  }), { numRuns: 100 });
});

test('nad check --nodes FILE and check --input kubernetes-node=FILE', () => {
  const r = hostnet(['nad', 'check', 'test/fixtures/nad/sriov-nads.yaml', '--nodes', 'test/fixtures/nad/nodes-sriov.yaml', '--config-only']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /error nad\/sriov-resource-unadvertised: sriov-net-a/);
  const c = hostnet(['check', '--snapshot', 'examples/cnf-macvlan/nodes/worker-1.json', '--input', 'network-attachment-definition=test/fixtures/nad/sriov-nads.yaml', '--input', 'kubernetes-node=test/fixtures/nad/nodes-sriov.yaml', '--format', 'json']);
  const report = JSON.parse(c.stdout) as { findings: Finding[] };
  assert.equal(report.findings.filter((x) => x.ruleId === 'nad/sriov-resource-unadvertised').length, 3, c.stderr);
  const wrong = hostnet(['check', '--snapshot', 'examples/cnf-macvlan/nodes/worker-1.json', '--input', 'kubernetes-node=test/fixtures/nad/sriov-nads.yaml']);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /sriov-nads\.yaml.*cannot be read as kubernetes-node: it has no object of kind Node/);
});

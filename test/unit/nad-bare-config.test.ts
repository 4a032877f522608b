// Bare CNI configs and conflists (OpenShift's rawCNIConfig, a file of /etc/cni/net.d) given to `nad check`:
// read as a NAD whose config is the whole file, with the file's own lines; and the `name` a config lacks,
// flagged only where libcni really refuses it (multus fills it in for a NAD's spec.config).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildHost } from '../../src/model/host.js';
import { runChecks } from '../../src/rules/engine.js';
import { ALL_RULES } from '../../src/rules/index.js';
import { NAD_ROLE } from '../../src/rules/nad/inputs.js';
import { configNameProblem } from '../../src/rules/nad/config-invalid.js';
import type { Finding } from '../../src/rules/types.js';
import { SnapshotSchema, type Snapshot } from '../../src/snapshot/schema.js';
import { parseNadFile, topLevelKeyLine } from '../../src/sources/nad.js';
import { hostnet } from '../helpers/system.js';

const fixture = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const worker2 = SnapshotSchema.parse(JSON.parse(fixture('examples/cnf-macvlan/nodes/worker-2.json')));
const noNode: Snapshot = { ...worker2, interfaces: [], routes: [], files: [] };

function findings(snapshot: Snapshot, files: Record<string, string>): Finding[] {
  const inputs = Object.entries(files).map(([path, content]) => ({ path, content, mask: null, role: NAD_ROLE }));
  const rules = ALL_RULES.filter((r) => r.meta.id.startsWith('nad/'));
  return runChecks(buildHost({ ...snapshot, files: [...snapshot.files, ...inputs] }), rules).findings;
}

test("the CNI spec's bridge config is read as a bare config named by its own name, with nothing to say", () => {
  const text = fixture('test/fixtures/nad/cni-spec-bridge.conf');
  const parsed = parseNadFile('cni-spec-bridge.conf', text);
  assert.equal(parsed.diagnostics.length, 0);
  assert.equal(parsed.nads.length, 1);
  const nad = parsed.nads[0]!;
  assert.equal(nad.bare, true);
  assert.equal(nad.name, 'dbnet');
  assert.equal(nad.nameLine, 3);
  assert.deepEqual(nad.config?.plugins.map((p) => p.type), ['bridge']);
  assert.deepEqual(findings(noNode, { 'cni-spec-bridge.conf': text }), []);
});

test('a bare macvlan config gets the node checks, with the line of its "master"', () => {
  const text = fixture('examples/cnf-macvlan/raw-cni/macvlan-external.conf');
  const missing = findings(worker2, { 'macvlan-external.conf': text }).filter((f) => f.ruleId === 'nad/master-missing');
  assert.equal(missing.length, 1);
  assert.match(missing[0]!.message, /master ens256 does not exist on node worker-2/);
  const ev = missing[0]!.evidence[0]!;
  assert.equal(ev.file, 'macvlan-external.conf');
  assert.equal(ev.line, text.split('\n').findIndex((l) => l.includes('"master"')) + 1);
  assert.doesNotMatch(ev.message, /document/);
});

test('a bare conflist without name is flagged with what libcni answers; a bare config without one too', () => {
  const list = fixture('examples/cnf-macvlan/raw-cni/tmm-internal.conflist');
  const f = findings(noNode, { 'tmm.conflist': list }).filter((x) => x.ruleId === 'nad/config-invalid');
  assert.equal(f.length, 1);
  assert.equal(f[0]!.severity, 'warning');
  assert.match(f[0]!.message, /error parsing configuration list: no name/);
  assert.equal(f[0]!.evidence[0]!.line, 1);
  const single = JSON.stringify({ cniVersion: '1.0.0', type: 'macvlan', master: 'ens224' }, null, 2);
  const g = findings(noNode, { 'one.conf': single }).filter((x) => x.ruleId === 'nad/config-invalid');
  assert.equal(g.length, 1);
  assert.match(g[0]!.message, /missing network name:/);
});

test('a NAD whose spec.config has no name is not flagged: multus fills it from metadata.name', () => {
  const nad = `apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata:\n  name: tmm-internal\nspec:\n  config: '${JSON.stringify({ cniVersion: '0.4.0', plugins: [{ type: 'macvlan', master: 'ens224' }] })}'\n`;
  assert.deepEqual(findings(noNode, { 'nad.yaml': nad }).filter((x) => x.ruleId === 'nad/config-invalid' || x.ruleId === 'nad/name-invalid'), []);
});

test('the config name rule, over the cases libcni and multus distinguish', () => {
  assert.equal(configNameProblem(false, { isList: true, name: undefined }), undefined);
  assert.equal(configNameProblem(false, { isList: false, name: '' }), undefined);
  assert.match(configNameProblem(false, { isList: false, name: 5 }) ?? '', /number, not a string/);
  assert.match(configNameProblem(true, { isList: false, name: '' }) ?? '', /missing network name/);
  assert.match(configNameProblem(true, { isList: true, name: 'my net' }) ?? '', /invalid characters found in network name/);
  assert.equal(configNameProblem(true, { isList: true, name: 'tmm_int.v1-a' }), undefined);
  assert.match(configNameProblem(true, { isList: true, name: '-x' }) ?? '', /invalid characters/);
});

test('a JSON error in a bare config is placed at the line of the file; a Kubernetes object in JSON is not bare', () => {
  const broken = '{\n  "cniVersion": "1.0.0",\n  "type": "macvlan"\n  "master": "ens224"\n}\n';
  const nad = parseNadFile('broken.conf', broken).nads[0]!;
  assert.equal(nad.bare, true);
  assert.equal(nad.configProblem?.line, 4);
  assert.match(nad.configProblem?.message ?? '', /^the CNI config is not valid JSON/);
  const obj = JSON.stringify({ apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition', metadata: { name: 'a' }, spec: { config: '{"type":"macvlan"}' } });
  const read = parseNadFile('nad.json', obj).nads[0]!;
  assert.equal(read.bare, false);
  assert.equal(read.name, 'a');
});

test('property: topLevelKeyLine finds the line of a top-level key, never one of a nested object', () => {
  const value = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.dictionary(fc.constantFrom('name', 'type', 'x'), fc.string(), { maxKeys: 3 }));
  fc.assert(fc.property(fc.dictionary(fc.string({ maxLength: 6 }).filter((k) => k !== 'name'), value, { maxKeys: 6 }), fc.nat(6), fc.string(), (others, at, name) => {
    const entries = Object.entries(others);
    entries.splice(Math.min(at, entries.length), 0, ['name', name]);
    const text = JSON.stringify(Object.fromEntries(entries), null, 2);
    // JSON.stringify with indent 2 puts each top-level key on its own line, two spaces in.
    const expected = text.split('\n').findIndex((l) => l.startsWith('  "name": ')) + 1;
    assert.equal(topLevelKeyLine(text, 'name'), expected);
  }), { numRuns: 300 });
});

test('nad check on the bundled bare configs: master missing on worker-2, a conflist without name', () => {
  const one = hostnet(['nad', 'check', 'examples/cnf-macvlan/raw-cni/macvlan-external.conf', '--node-snapshots', 'examples/cnf-macvlan/nodes']);
  assert.equal(one.code, 1, one.stderr);
  assert.match(one.stdout, /1 CNI config from examples\/cnf-macvlan\/raw-cni\/macvlan-external\.conf against worker-1, worker-2/);
  assert.match(one.stdout, /at examples\/cnf-macvlan\/raw-cni\/macvlan-external\.conf:5: "master": "ens256"/);
  const list = hostnet(['nad', 'check', 'examples/cnf-macvlan/raw-cni/tmm-internal.conflist', '--config-only', '--format', 'json']);
  assert.equal(list.code, 1, list.stderr);
  const report = JSON.parse(list.stdout) as { findings: Finding[]; nads: { bareCniConfig: boolean }[] };
  assert.deepEqual(report.nads.map((n) => n.bareCniConfig), [true]);
  assert.ok(report.findings.some((f) => f.ruleId === 'nad/config-invalid' && /no name/.test(f.message)));
});

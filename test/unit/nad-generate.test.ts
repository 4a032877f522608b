// `nad generate`: what it writes is valid against the NetworkAttachmentDefinition CRD (the schema in
// test/fixtures/nad/crd.yaml, checked with ajv, with unknown fields refused since the API server would
// prune them) and passes hostnet's own checks; --from-snapshot proposes NADs for unused NICs only.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { parse } from 'yaml';
import { buildSpec, toObject, toYaml, type NadRequest } from '../../src/model/macvlan/generate.js';
import { buildHost } from '../../src/model/host.js';
import { runChecks } from '../../src/rules/engine.js';
import { ALL_RULES } from '../../src/rules/index.js';
import { NAD_ROLE } from '../../src/rules/nad/inputs.js';
import { SnapshotSchema, type Snapshot } from '../../src/snapshot/schema.js';
import { parseNadFile } from '../../src/sources/nad.js';
import { hostnet } from '../helpers/system.js';

interface Crd {
  spec: { group: string; scope: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: Record<string, unknown> } }[] };
}
const crd = parse(readFileSync(new URL('../fixtures/nad/crd.yaml', import.meta.url), 'utf8')) as Crd;
const version = crd.spec.versions[0]!;

/** The CRD's schema, closed: a field it does not define would be pruned by the API server. */
function closed(schema: Record<string, unknown>, path = ''): Record<string, unknown> {
  const out: Record<string, unknown> = { ...schema };
  delete out.description;
  if (schema.properties && path !== '.metadata') {
    out.additionalProperties = false;
    out.properties = Object.fromEntries(Object.entries(schema.properties as Record<string, Record<string, unknown>>).map(([k, v]) => [k, closed(v, `${path}.${k}`)]));
  }
  return out;
}
const validate = new Ajv({ allErrors: true }).compile(closed(version.schema.openAPIV3Schema));

function assertValidNad(obj: unknown): void {
  assert.ok(validate(obj), JSON.stringify(validate.errors));
  const o = obj as { apiVersion: string; kind: string; metadata: { name: string } };
  assert.equal(o.apiVersion, `${crd.spec.group}/${version.name}`);
  assert.equal(o.kind, crd.spec.names.kind);
  assert.match(o.metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
}

const emptyNode: Snapshot = {
  ...SnapshotSchema.parse(JSON.parse(readFileSync(new URL('../../examples/cnf-macvlan/nodes/worker-1.json', import.meta.url), 'utf8'))),
  interfaces: [], routes: [],
};

function ownFindings(yamlText: string, node: Snapshot = emptyNode) {
  const snap = { ...node, files: [...node.files, { path: '/gen.yaml', content: yamlText, mask: null, role: NAD_ROLE }] };
  return runChecks(buildHost(snap), ALL_RULES.filter((r) => r.meta.id.startsWith('nad/'))).findings;
}

const label = fc.stringMatching(/^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/);
const optsArb = fc.record({
  name: label,
  master: fc.stringMatching(/^[a-z][a-z0-9]{0,14}$/),
  type: fc.constantFrom('macvlan' as const, 'ipvlan' as const),
  namespace: fc.option(label, { nil: undefined }),
  mtu: fc.option(fc.integer({ min: 68, max: 9216 }).map(String), { nil: undefined }),
  ipam: fc.constantFrom('none' as const, 'host-local' as const, 'dhcp' as const),
  cniVersion: fc.constantFrom('0.3.1', '0.4.0', '1.0.0'),
  format: fc.constant('yaml' as const),
}).chain((o) => fc.record({
  mode: o.type === 'macvlan' ? fc.constantFrom('bridge', 'private', 'vepa', 'passthru') : fc.constantFrom('l2', 'l3', 'l3s'),
}).map((m) => ({ ...o, ...m, subnet: o.ipam === 'host-local' ? '192.168.50.0/24' : undefined })));

test('property: every generated NAD validates against the CRD schema and raises no error or warning of our own', () => {
  fc.assert(fc.property(optsArb, (opts) => {
    if (opts.type === 'ipvlan' && opts.mode !== 'l2' && opts.ipam === 'dhcp') {
      // The one combination nad/ipvlan-l3-dhcp reports: refused, not generated.
      assert.throws(() => buildSpec(opts as NadRequest), /--ipam dhcp cannot work with ipvlan mode l3/);
      return;
    }
    const spec = buildSpec(opts as NadRequest);
    const text = toYaml(spec);
    const obj = parse(text) as Record<string, unknown>;
    assertValidNad(obj);
    assertValidNad(toObject(spec));
    const read = parseNadFile('gen.yaml', text);
    assert.deepEqual(read.diagnostics, []);
    assert.equal(read.nads[0]!.name, opts.name);
    const bad = ownFindings(text).filter((f) => f.severity !== 'note');
    assert.deepEqual(bad.map((f) => f.message), []);
  }), { numRuns: 150 });
});

test('the schema check can fail: a missing spec.config type or an unknown field is refused', () => {
  assert.equal(validate({ apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition', metadata: {}, spec: { config: {} } }), false);
  assert.equal(validate({ apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition', metadata: {}, spec: { config: '{}', master: 'x' } }), false);
});

test('nad generate from the CLI: YAML and JSON, bad arguments exit 2 with a message', () => {
  const r = hostnet(['nad', 'generate', '--name', 'macvlan-internal', '--master', 'ens224', '--namespace', 'default']);
  assert.equal(r.code, 0, r.stderr);
  assertValidNad(parse(r.stdout));
  const json = hostnet(['nad', 'generate', '--name', 'st', '--master', 'ens256', '--ipam', 'host-local', '--subnet', '192.168.50.0/24', '--range-start', '192.168.50.10', '--format', 'json']);
  assert.equal(json.code, 0, json.stderr);
  const obj = JSON.parse(json.stdout) as { spec: { config: string } };
  assertValidNad(obj);
  assert.deepEqual(JSON.parse(obj.spec.config).ipam, { type: 'host-local', ranges: [[{ subnet: '192.168.50.0/24', rangeStart: '192.168.50.10' }]] });
  for (const [args, msg] of [
    [['--name', 'Bad', '--master', 'x'], /not a DNS-1123 label/],
    [['--name', 'ok', '--master', 'x', '--mode', 'source'], /not a macvlan mode the plugin accepts/],
    [['--name', 'ok', '--master', 'x', '--mtu', '12'], /--mtu/],
    [['--name', 'ok', '--master', 'x', '--ipam', 'host-local'], /needs --subnet/],
    [['--name', 'ok'], /give --name and --master/],
  ] as const) {
    const bad = hostnet(['nad', 'generate', ...args]);
    assert.equal(bad.code, 2, `${args.join(' ')}: ${bad.stderr}`);
    assert.match(bad.stderr, msg);
    assert.doesNotMatch(bad.stderr, /at .*\.ts:\d+/);
  }
});

test('--from-snapshot proposes the unused NICs only, and the proposals pass nad check on that node', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hn-nad-gen-'));
  const r = hostnet(['nad', 'generate', '--from-snapshot', 'examples/cnf-macvlan/nodes/worker-2.json']);
  assert.equal(r.code, 0, r.stderr);
  const docs = r.stdout.split(/^---$/m).map((d) => parse(d) as { metadata: { name: string } });
  assert.deepEqual(docs.map((d) => d.metadata.name), ['macvlan-ens224', 'macvlan-ens161']);
  for (const d of docs) assertValidNad(d);
  assert.match(r.stderr, /not proposing ens192: it carries the default route/);
  const file = join(dir, 'proposed.yaml');
  writeFileSync(file, r.stdout);
  const check = hostnet(['nad', 'check', file, '--snapshot', 'examples/cnf-macvlan/nodes/worker-2.json', '--fail-on', 'error']);
  assert.equal(check.code, 0, check.stdout + check.stderr);
});

test('--snapshot checks the generated NAD against the node: a missing master or too large an MTU exits 1', () => {
  const node = 'examples/cnf-macvlan/nodes/worker-1.json';
  const missing = hostnet(['nad', 'generate', '--name', 'x', '--master', 'ens999', '--snapshot', node]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /error nad\/master-missing: x: master ens999 does not exist on node worker-1/);
  assertValidNad(parse(missing.stdout));
  const mtu = hostnet(['nad', 'generate', '--name', 'x', '--master', 'ens224', '--mtu', '9000', '--snapshot', node]);
  assert.equal(mtu.code, 1);
  assert.match(mtu.stderr, /invalid MTU 9000, must be \[0, master MTU\(1500\)\]/);
  const ok = hostnet(['nad', 'generate', '--name', 'x', '--master', 'ens224', '--snapshot', node]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /warning nad\/vm-promiscuous/);
});

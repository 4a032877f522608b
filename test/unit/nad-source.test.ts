// Reading NetworkAttachmentDefinitions: documents, List kinds, JSON files, the CNI config inside, and
// every problem placed by file, document number and line while the other documents are still read.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseNadFile, readCniConfig } from '../../src/sources/nad.js';

const seed = readFileSync(new URL('../../examples/cnf-macvlan/nads.yaml', import.meta.url), 'utf8');

test("seed 003's two NADs: names, masters, and lines", () => {
  const r = parseNadFile('nads.yaml', seed);
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.nads.map((n) => [n.name, n.namespace, n.place.document, n.nameLine]), [['macvlan-internal', undefined, 1, 8], ['macvlan-external', undefined, 2, 21]]);
  const conf = r.nads[0]!.config!;
  assert.equal(conf.isList, false);
  assert.deepEqual(conf.plugins[0]!.conf, { cniVersion: '0.3.0', type: 'macvlan', master: 'ens224', mode: 'bridge', ipam: {} });
  // The config line is the line of `config:`'s value.
  assert.equal(seed.split('\n')[r.nads[1]!.configLine - 1]!.trim().startsWith("config: '{"), true);
});

test('a List (YAML) and a NetworkAttachmentDefinitionList (JSON) give their items with item numbers', () => {
  const yaml = `apiVersion: v1
kind: List
items:
  - apiVersion: k8s.cni.cncf.io/v1
    kind: NetworkAttachmentDefinition
    metadata: {name: a, namespace: ns1}
    spec: {config: '{"cniVersion":"1.0.0","type":"macvlan"}'}
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: other}
  - apiVersion: k8s.cni.cncf.io/v1
    kind: NetworkAttachmentDefinition
    metadata: {name: b}
`;
  const r = parseNadFile('list.yaml', yaml);
  assert.deepEqual(r.nads.map((n) => [n.name, n.namespace, n.place.item, n.place.line]), [['a', 'ns1', 1, 4], ['b', undefined, 3, 11]]);
  assert.equal(r.diagnostics.length, 1);
  assert.equal(r.diagnostics[0]!.where, 'list.yaml:8 (document 1, item 2)');
  assert.match(r.diagnostics[0]!.message, /kind "ConfigMap".*not a NetworkAttachmentDefinition/);
  assert.equal(r.nads[1]!.configText, undefined);

  const json = JSON.stringify({ apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinitionList', items: [
    { apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition', metadata: { name: 'j1', namespace: 'default' }, spec: { config: '{"cniVersion":"0.3.1","plugins":[{"type":"macvlan","master":"eth1"},{"type":"tuning"}]}' } },
  ] }, null, 2);
  const j = parseNadFile('list.json', json);
  assert.deepEqual(j.diagnostics, []);
  assert.equal(j.nads[0]!.name, 'j1');
  assert.equal(j.nads[0]!.config!.isList, true);
  assert.deepEqual(j.nads[0]!.config!.plugins.map((p) => [p.type, p.index, p.conf.cniVersion]), [['macvlan', 0, '0.3.1'], ['tuning', 1, '0.3.1']]);
});

test('bad input: a YAML syntax error, a config that is not JSON and an unknown kind, each placed; the rest still read', () => {
  const text = [
    'apiVersion: k8s.cni.cncf.io/v1', //   1
    'kind: NetworkAttachmentDefinition', // 2
    'metadata: {name: good}', //           3
    "spec: {config: '{\"cniVersion\":\"0.3.1\",\"type\":\"macvlan\"}'}", // 4
    '---', //                              5
    'kind: Secret', //                     6
    'apiVersion: v1', //                   7
    '---', //                              8
    'metadata: {name: [broken', //         9
    '---', //                              10
    'apiVersion: k8s.cni.cncf.io/v1', //   11
    'kind: NetworkAttachmentDefinition', // 12
    'metadata: {name: notjson}', //        13
    'spec:', //                            14
    '  config: |', //                      15
    '    {', //                            16
    '      "cniVersion": "0.3.1",', //     17
    '      "type": macvlan', //            18
    '    }', //                            19
    '---', //                              20
    '- just', //                           21
    '- a list', //                         22
  ].join('\n');
  const r = parseNadFile('bad.yaml', text);
  assert.deepEqual(r.nads.map((n) => n.name), ['good', 'notjson']);
  const byDoc = new Map(r.diagnostics.map((d) => [d.place.document, d]));
  assert.equal(byDoc.get(2)!.where, 'bad.yaml:6 (document 2)');
  assert.equal(byDoc.get(2)!.fatal, false);
  assert.match(byDoc.get(3)!.where, /^bad\.yaml:(9|10) \(document 3\)$/);
  assert.match(byDoc.get(3)!.message, /not valid YAML/);
  assert.equal(byDoc.get(3)!.fatal, true);
  assert.equal(byDoc.get(5)!.where, 'bad.yaml:21 (document 5)');
  assert.match(byDoc.get(5)!.message, /found a list/);
  const notjson = r.nads[1]!;
  assert.match(notjson.configProblem!.message, /not valid JSON: invalid symbol at line 3, column 11 of the config/);
  // A block scalar keeps its lines: config line 3 is file line 18.
  assert.equal(notjson.configProblem!.line, 18);
  assert.equal(notjson.place.document, 4);
});

test('config shapes: not an object, plugins not a list, empty text', () => {
  assert.match((readCniConfig('[1]') as { problem: string }).problem, /must be a JSON object, found an array/);
  assert.match((readCniConfig('{"plugins": {}}') as { problem: string }).problem, /"plugins" must be an array/);
  assert.match((readCniConfig('  ') as { problem: string }).problem, /empty/);
  assert.match((readCniConfig('{"a": 1,}') as { problem: string }).problem, /line 1, column \d+ of the config/);
});

test('property: any sequence of NAD and other documents is read back in order with the right document numbers and name lines', () => {
  const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/);
  const doc = fc.oneof(
    fc.record({ nad: fc.constant(true), name: label, master: fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/), list: fc.boolean() }),
    fc.record({ nad: fc.constant(false), name: label, master: fc.constant(''), list: fc.constant(false) }),
  );
  fc.assert(fc.property(fc.array(doc, { minLength: 1, maxLength: 6 }), (docs) => {
    const lines: string[] = [];
    const expected: { name: string; document: number; line: number }[] = [];
    docs.forEach((d, i) => {
      if (i > 0) lines.push('---');
      if (!d.nad) {
        lines.push('apiVersion: v1', 'kind: ConfigMap', `metadata: {name: ${d.name}}`);
        return;
      }
      const config = JSON.stringify({ cniVersion: '0.3.1', type: 'macvlan', master: d.master });
      lines.push('apiVersion: k8s.cni.cncf.io/v1', 'kind: NetworkAttachmentDefinition', 'metadata:');
      expected.push({ name: d.name, document: i + 1, line: lines.length + 1 });
      lines.push(`  name: ${d.name}`, 'spec:', d.list ? `  config: '${config.replace(/'/g, "''")}'` : `  config: |`, ...(d.list ? [] : [`    ${config}`]));
    });
    const r = parseNadFile('p.yaml', `${lines.join('\n')}\n`);
    assert.deepEqual(r.nads.map((n) => ({ name: n.name, document: n.place.document, line: n.nameLine })), expected);
    assert.equal(r.diagnostics.length, docs.filter((d) => !d.nad).length);
    for (const n of r.nads) assert.equal(n.config?.plugins[0]?.type, 'macvlan');
  }), { numRuns: 200 });
});

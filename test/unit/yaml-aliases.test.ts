// YAML anchors and aliases in every YAML input hostnet reads: an alias reads as what its anchor
// stands for; one without its anchor before it (or inside its own anchor) is "not valid YAML" on
// the alias's line, never an exception and never a value read as something else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCalicoVppConfig } from '../../src/sources/calico-vpp-config.js';
import { parseHelmValues } from '../../src/sources/helm-values.js';
import { IntentError, parseLabIntent } from '../../src/sources/lab-intent.js';
import { parseNadFile } from '../../src/sources/nad.js';

const NOT_VALID = /not valid YAML: an alias \(\*name\) without its anchor/;

test('Helm values: an alias reads as its anchor; a missing or enclosing anchor is a diagnostic on its line', () => {
  const ok = parseHelmValues('v.yaml', 'defaults: &limits {cpu: 2, memory: 4Gi}\ntmm:\n  resources:\n    limits: *limits\n');
  assert.deepEqual(ok.diagnostics, []);
  assert.deepEqual(ok.at(['tmm', 'resources', 'limits', 'cpu'])?.value, 2);
  for (const [text, line] of [['tmm:\n  cniNetworks: [*x, a]\n', 2], ['a: 1\nb: &x [1, *x]\n', 2]] as const) {
    const bad = parseHelmValues('v.yaml', text);
    assert.equal(bad.diagnostics.length, 1, text);
    assert.equal(bad.diagnostics[0]!.where, `v.yaml:${line}`);
    assert.match(bad.diagnostics[0]!.message, NOT_VALID);
    assert.equal(bad.at(['tmm']), undefined, 'a values file that is not valid YAML is not checked');
  }
});

test('lab intent: an alias reads as its anchor; a missing anchor is an IntentError on its line', () => {
  const intent = parseLabIntent('lab: x\nlinks:\n  - bridge: br0\n    ends: [{vm: a, dev: vnet0}, {vm: b, dev: vnet1}]\n    carries: &both [lacp, lldp]\n  - bridge: br1\n    ends: [{vm: a, dev: vnet2}, {vm: b, dev: vnet3}]\n    carries: *both\n', 'i.yaml');
  assert.deepEqual(intent.links.map((l) => l.carries), [['lacp', 'lldp'], ['lacp', 'lldp']]);
  assert.throws(() => parseLabIntent('lab: x\nlinks:\n  - bridge: b\n    carries: [*lldp]\n', 'i.yaml'),
    (err: unknown) => err instanceof IntentError && err.line === 4 && NOT_VALID.test(err.message));
});

test('NADs: an alias within a document reads as its anchor; across documents it is a skipped document', () => {
  const cfg = '{"cniVersion":"0.3.1","type":"macvlan","master":"ens224","mode":"bridge","ipam":{}}';
  const nad = (name: string, config: string) => `apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata:\n  name: ${name}\nspec:\n  config: ${config}\n`;
  const list = parseNadFile('l.yaml', `apiVersion: v1\nkind: List\nitems:\n- ${nad('a', `&c '${cfg}'`).replace(/\n/g, '\n  ').trimEnd()}\n- ${nad('b', '*c').replace(/\n/g, '\n  ').trimEnd()}\n`);
  assert.deepEqual(list.diagnostics.filter((d) => d.fatal), []);
  assert.deepEqual(list.nads.map((n) => [n.name, n.config?.plugins[0]?.conf.master]), [['a', 'ens224'], ['b', 'ens224']]);
  const split = parseNadFile('n.yaml', `${nad('a', `&c '${cfg}'`)}---\n${nad('b', '*c')}`);
  assert.deepEqual(split.nads.map((n) => n.name), ['a']);
  assert.deepEqual(split.diagnostics.map((d) => [d.where, NOT_VALID.test(d.message), d.fatal]), [['n.yaml:13 (document 2)', true, true]]);
});

test('Calico/VPP ConfigMap: an alias reads as its anchor; a missing anchor is a diagnostic on its line', () => {
  const head = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: calico-vpp-config\ndata:\n';
  const ok = parseCalicoVppConfig(`${head}  SERVICE_PREFIX: &s 10.96.0.0/12\n  CALICOVPP_INTERFACES: &i '{"uplinkInterfaces":[{"interfaceName":"eth0"}]}'\n  CALICOVPP_CONFIG_TEMPLATE: "cpu { workers 2 }"\n`, 'c.yaml');
  assert.deepEqual(ok.diagnostics, []);
  assert.deepEqual(ok.config.serviceCidrs, ['10.96.0.0/12']);
  const bad = parseCalicoVppConfig(`${head}  SERVICE_PREFIX: *nope\n`, 'c.yaml');
  assert.ok(bad.diagnostics.some((d) => d.where === 'c.yaml:6' && NOT_VALID.test(d.message)), JSON.stringify(bad.diagnostics));
});

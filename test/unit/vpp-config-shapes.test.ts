/**
 * Every shape Calico/VPP's configuration has had, from real vpp-dataplane manifests (test/fixtures/vpp/
 * vpp-dataplane/<release or commit>/<path as in the repository>; README.md there cites each), read to
 * the same model: the uplink, its driver, the service prefix and the startup.conf template. Placeholders
 * are notes, never "missing" or "invalid"; unknown keys and unresolvable references name their line.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { isPlaceholder, parseCalicoVppConfig } from '../../src/sources/calico-vpp-config.js';

const FIXTURES = new URL('../fixtures/vpp/vpp-dataplane/', import.meta.url);
const read = (path: string) => parseCalicoVppConfig(readFileSync(new URL(path, FIXTURES), 'utf8'), path);
const MISREAD = /is not set|no uplink interface is configured|found no calico-vpp-config|not a name Linux gives|not a CIDR|not valid JSON/;

const SHAPES: { path: string; shape: string; uplink: string; driver: string | null; service: string[]; templateLine: number }[] = [
  { path: 'v0.7.0-calicov3.15.1/yaml/generated/calico-base-latest.yaml', shape: 'calico-config in kube-system, legacy keys, DaemonSet valueFrom', uplink: 'eth1', driver: null, service: ['10.96.0.0/12'], templateLine: 40 },
  { path: 'v0.10.0-calicov3.15.1/yaml/generated/calico-vpp-dpdk.yaml', shape: 'legacy keys with vpp_uplink_driver, __PCI_DEVICE_ID__ in the template', uplink: 'eth1', driver: 'none', service: ['10.96.0.0/12'], templateLine: 40 },
  { path: 'v3.23.0/yaml/generated/calico-vpp.yaml', shape: 'calico-vpp-config in calico-vpp-dataplane, legacy keys', uplink: 'eth1', driver: null, service: ['10.96.0.0/12'], templateLine: 5 },
  { path: 'b2a0c71/yaml/generated/calico-vpp-eks-dpdk.yaml', shape: 'CALICOVPP_INTERFACE / CALICOVPP_NATIVE_DRIVER beside CALICOVPP_INTERFACES', uplink: 'eth0', driver: 'dpdk', service: ['10.100.0.0/16'], templateLine: 4 },
  { path: 'v3.26.0/yaml/generated/calico-vpp.yaml', shape: 'CALICOVPP_INTERFACES, DaemonSet envFrom', uplink: 'eth1', driver: null, service: ['10.96.0.0/12'], templateLine: 4 },
];

for (const s of SHAPES) {
  test(`${s.path}: ${s.shape}`, () => {
    const { config, diagnostics } = read(s.path);
    assert.equal(config.mainUplink?.interfaceName, s.uplink);
    assert.equal(config.mainUplink?.vppDriver, s.driver);
    assert.deepEqual(config.serviceCidrs, s.service);
    assert.equal(config.startupConfTemplate?.line, s.templateLine);
    assert.match(config.startupConfTemplate!.value, /^unix \{/);
    assert.deepEqual(diagnostics.filter((d) => MISREAD.test(d.message)), []);
  });
}

test('the v0.7 ConfigMap alone (no DaemonSet) reads the same through the legacy key names', () => {
  const text = readFileSync(new URL(SHAPES[0]!.path, FIXTURES), 'utf8').split(/^---$/m)[0]!;
  const { config, diagnostics } = parseCalicoVppConfig(text, 'calico-config.yaml');
  assert.equal(config.mainUplink?.interfaceName, 'eth1');
  assert.deepEqual(config.ipPools.map((p) => p.cidr), ['172.16.0.0/16']);
  assert.deepEqual(diagnostics.filter((d) => MISREAD.test(d.message) || /unknown key/.test(d.message)), []);
});

test('the dev overlay: every value a ${VAR} placeholder, each a note, nothing missing or invalid', () => {
  const { config, diagnostics } = read('23834fb/yaml/overlays/dev/calico-vpp-dev-configmap.yaml');
  assert.equal(config.mainUplink, null);
  assert.deepEqual(diagnostics.filter((d) => MISREAD.test(d.message)), []);
  const iface = diagnostics.find((d) => d.message.startsWith('note: CALICOVPP_INTERFACE is templated'));
  assert.equal(iface?.where, '23834fb/yaml/overlays/dev/calico-vpp-dev-configmap.yaml:10');
  assert.match(iface!.message, /\(\$\{CALICOVPP_INTERFACE\}\), resolved at run time/);
  // DEBUG is not a variable Calico/VPP reads: an unknown key, named with its line.
  assert.ok(diagnostics.some((d) => d.where.endsWith(':16') && /unknown key "DEBUG"/.test(d.message)));
});

test('__PCI_DEVICE_ID__ in the template is a note', () => {
  const { diagnostics } = read(SHAPES[1]!.path);
  assert.ok(diagnostics.some((d) => d.where.endsWith(':40') && /CALICOVPP_CONFIG_TEMPLATE is templated \(__PCI_DEVICE_ID__\)/.test(d.message)));
});

const BROKEN = `apiVersion: v1
kind: ConfigMap
metadata: {name: calico-vpp-config, namespace: calico-vpp-dataplane}
data:
  vpp_dataplane_interfce: eth1
  service_prefix: 10.96.0.0/12
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: calico-vpp-node, namespace: calico-vpp-dataplane}
spec:
  template:
    spec:
      containers:
      - name: vpp
        env:
        - name: CALICOVPP_INTERFACE
          valueFrom:
            configMapKeyRef: {name: calico-vpp-config, key: vpp_dataplane_interface}
        - name: CALICOVPP_NATIVE_DRIVER
          valueFrom:
            configMapKeyRef: {name: calico-config, key: vpp_uplink_driver}
        - name: CALICOVPP_CONFIG_TEMPLATE
          valueFrom:
            configMapKeyRef: {name: calico-vpp-config, key: vpp_config_template, optional: true}
        envFrom:
        - configMapRef: {name: vpp-extra}
`;

test('bad ones: an unknown key, a valueFrom to a missing key and to a missing ConfigMap, an envFrom to a missing one, each with its line', () => {
  const { diagnostics } = parseCalicoVppConfig(BROKEN, 'broken.yaml');
  const at = (line: number) => diagnostics.filter((d) => d.where === `broken.yaml:${line}`).map((d) => d.message);
  assert.match(at(5).join('\n'), /ConfigMap calico-vpp-config: unknown key "vpp_dataplane_interfce"; Calico\/VPP ignores it \(a typo of vpp_dataplane_interface\?\)/);
  assert.match(at(19).join('\n'), /container vpp: env CALICOVPP_INTERFACE takes key "vpp_dataplane_interface" of ConfigMap calico-vpp-config, which has no such key; the pod does not start/);
  assert.match(at(22).join('\n'), /env CALICOVPP_NATIVE_DRIVER takes key "vpp_uplink_driver" of ConfigMap calico-config, which is not in this input/);
  assert.deepEqual(at(25), [], 'optional: true is no error');
  assert.match(at(27).join('\n'), /envFrom ConfigMap vpp-extra is not in this input/);
});

test('property: a placeholder uplink, in any of its spellings, is a note and never a bad or missing uplink', () => {
  const name = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,20}$/);
  const placeholder = fc.oneof(name.map((n) => `\${${n}}`), name.map((n) => `$${n}`), name.filter((n) => !n.endsWith('_')).map((n) => `__${n}__`));
  fc.assert(fc.property(placeholder, fc.boolean(), (p, legacy) => {
    assert.ok(isPlaceholder(p));
    const data = legacy ? `CALICOVPP_INTERFACE: "${p}"` : `CALICOVPP_INTERFACES: '{"uplinkInterfaces": [{"interfaceName": "${p}"}]}'`;
    const { config, diagnostics } = parseCalicoVppConfig(`kind: ConfigMap\nmetadata: {name: calico-vpp-config}\ndata:\n  SERVICE_PREFIX: 10.96.0.0/12\n  CALICOVPP_CONFIG_TEMPLATE: "unix {}"\n  ${data}\n`, 'c.yaml');
    assert.equal(config.uplinkInterfaces.length, 0);
    assert.deepEqual(diagnostics.filter((d) => MISREAD.test(d.message)), []);
    assert.ok(diagnostics.some((d) => d.message.includes('templated') && d.message.includes(p)));
  }), { seed: 13, numRuns: 200 });
});

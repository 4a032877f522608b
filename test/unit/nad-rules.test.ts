// The nad/* rules on the example's node snapshots and variations of them: each case states what the
// plugin or the kernel would do and checks that the rule says so (or stays quiet).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildHost } from '../../src/model/host.js';
import { runChecks } from '../../src/rules/engine.js';
import { ALL_RULES } from '../../src/rules/index.js';
import { NAD_ROLE, VALUES_ROLE } from '../../src/rules/nad/inputs.js';
import { splitNetworkList } from '../../src/rules/nad/values-cni-networks.js';
import { parseQuantity } from '../../src/rules/nad/values-resources.js';
import type { Finding, Rule } from '../../src/rules/types.js';
import { SnapshotSchema, type Interface, type Snapshot } from '../../src/snapshot/schema.js';
import { parseNadFile } from '../../src/sources/nad.js';

const load = (name: string): Snapshot =>
  SnapshotSchema.parse(JSON.parse(readFileSync(new URL(`../../examples/cnf-macvlan/nodes/${name}.json`, import.meta.url), 'utf8')));
const worker1 = load('worker-1');
const worker2 = load('worker-2');
const seedNads = readFileSync(new URL('../../examples/cnf-macvlan/nads.yaml', import.meta.url), 'utf8');
const seedValues = readFileSync(new URL('../../examples/cnf-macvlan/values.yaml', import.meta.url), 'utf8');

function rule(id: string): Rule {
  const r = ALL_RULES.find((x) => x.meta.id === id);
  assert.ok(r, `rule ${id} is registered`);
  return r;
}

function nad(name: string, config: Record<string, unknown> | string, extra = ''): string {
  const text = typeof config === 'string' ? config : JSON.stringify(config);
  return `apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata:\n  name: ${name}\n${extra}spec:\n  config: '${text.replace(/'/g, "''")}'\n`;
}

function withInputs(snapshot: Snapshot, nads: string[], values?: string): Snapshot {
  return {
    ...snapshot,
    files: [
      ...snapshot.files,
      ...nads.map((content, i) => ({ path: `/in/nad${i}.yaml`, content, mask: null, role: NAD_ROLE })),
      ...(values ? [{ path: '/in/values.yaml', content: values, mask: null, role: VALUES_ROLE }] : []),
    ],
  };
}

function editIface(snapshot: Snapshot, name: string, set: Partial<Interface>): Snapshot {
  return { ...snapshot, interfaces: snapshot.interfaces.map((i) => (i.name === name ? { ...i, ...set } : i)) };
}

function run(id: string, snapshot: Snapshot): Finding[] {
  return runChecks(buildHost(snapshot), [rule(id)]).findings;
}

const noNode: Snapshot = { ...worker1, interfaces: [], routes: [], host: { ...worker1.host, hostname: null, virtualization: null } };
const mv = (extra: Record<string, unknown> = {}) => ({ cniVersion: '0.3.1', type: 'macvlan', master: 'ens224', mode: 'bridge', ipam: {}, ...extra });

test('seed 003 on worker-1: masters present and up, nothing for master, mode, MTU, name or config rules', () => {
  const s = withInputs(worker1, [seedNads]);
  for (const id of ['nad/name-invalid', 'nad/config-invalid', 'nad/mode-invalid', 'nad/master-missing', 'nad/master-down', 'nad/master-enslaved', 'nad/mtu-invalid', 'nad/shared-master']) {
    assert.deepEqual(run(id, s), [], id);
  }
});

test('nad/master-missing: ens256 is missing on worker-2, with the file line and the NICs that exist', () => {
  const f = run('nad/master-missing', withInputs(worker2, [seedNads]));
  assert.equal(f.length, 1);
  assert.equal(f[0]!.interface, 'ens256');
  assert.match(f[0]!.message, /master ens256 does not exist on node worker-2/);
  assert.equal(f[0]!.evidence[0]!.file, '/in/nad0.yaml');
  assert.equal(f[0]!.evidence[0]!.line, 23);
  assert.match(f[0]!.evidence[1]!.message, /ens192, ens224, ens161/);
});

test('nad/master-missing: an omitted master is the first IPv4 default route\'s device; none is an error', () => {
  const s = withInputs(worker1, [nad('def', mv({ master: undefined }))]);
  const f = run('nad/master-missing', s);
  assert.equal(f.length, 1);
  assert.equal(f[0]!.severity, 'warning');
  assert.equal(f[0]!.interface, 'ens192');
  const none = run('nad/master-missing', { ...s, routes: s.routes.filter((r) => r.dst !== 'default') });
  assert.equal(none[0]!.severity, 'error');
  assert.match(none[0]!.message, /no default route interface found/);
});

test('nad/master-down: down is an error, no carrier a warning', () => {
  const nads = [nad('a', mv())];
  const down = run('nad/master-down', withInputs(editIface(worker1, 'ens224', { flags: ['BROADCAST', 'MULTICAST'] }), nads));
  assert.equal(down[0]!.severity, 'error');
  assert.match(down[0]!.message, /administratively down/);
  const nocarrier = run('nad/master-down', withInputs(editIface(worker1, 'ens224', { flags: ['BROADCAST', 'MULTICAST', 'UP'], operstate: 'DOWN' }), nads));
  assert.equal(nocarrier[0]!.severity, 'warning');
  assert.match(nocarrier[0]!.message, /no carrier/);
});

test('nad/master-enslaved: a bridge port or bond slave refuses a macvlan; the message names the master to use', () => {
  const s = editIface(worker1, 'ens224', { master: 'br-ex', slaveKind: 'bridge' });
  const f = run('nad/master-enslaved', withInputs(s, [nad('a', mv())]));
  assert.equal(f.length, 1);
  assert.match(f[0]!.message, /bridge port .*Device or resource busy.*"master": "br-ex"/);
  const bond = run('nad/master-enslaved', withInputs(editIface(worker1, 'ens224', { master: 'bond0', slaveKind: 'bond' }), [nad('a', mv())]));
  assert.match(bond[0]!.message, /bond slave/);
});

test('nad/mode-invalid: case matters, source is the kernel\'s only, ipvlan has its own modes', () => {
  const cases: [Record<string, unknown>, RegExp | null][] = [
    [mv({ mode: 'Bridge' }), /write "bridge"/],
    [mv({ mode: 'source' }), /kernel has a source mode/],
    [mv({ mode: '' }), null],
    [mv({ mode: 'passthru' }), null],
    [{ cniVersion: '0.3.1', type: 'ipvlan', master: 'ens224', mode: 'l3s' }, null],
    [{ cniVersion: '0.3.1', type: 'ipvlan', master: 'ens224', mode: 'bridge' }, /l2, l3, l3s/],
  ];
  for (const [config, expected] of cases) {
    const f = run('nad/mode-invalid', withInputs(noNode, [nad('m', config)]));
    if (expected === null) assert.deepEqual(f, [], JSON.stringify(config));
    else assert.match(f[0]?.message ?? '', expected, JSON.stringify(config));
  }
});

test('nad/config-invalid: versions, types as Go reads them, missing type, name mismatch', () => {
  const msgs = (config: Record<string, unknown> | string) => run('nad/config-invalid', withInputs(noNode, [nad('c', config)])).map((f) => `${f.severity}: ${f.message}`);
  assert.deepEqual(msgs(mv()), []);
  assert.match(msgs(mv({ cniVersion: '0.3.2' })).join(), /error: .*cniVersion "0.3.2" is not a CNI version/);
  assert.match(msgs(mv({ cniVersion: undefined })).join(), /warning: .*assumes 0.1.0/);
  assert.match(msgs(mv({ mtu: '9000' })).join(), /cannot unmarshal string into field mtu of type int/);
  assert.match(msgs(mv({ mtu: 1500.5 })).join(), /cannot unmarshal number 1500.5/);
  assert.match(msgs(mv({ type: undefined })).join(), /no "type"/);
  assert.match(msgs(mv({ name: 'other' })).join(), /note: .*differs from the object's name/);
  assert.match(msgs('{"cniVersion": "0.3.1", "type": "macvlan",}').join(), /not valid JSON/);
  // Go matches keys case-insensitively: "Master" is the master, so nothing is wrong.
  assert.deepEqual(msgs({ cniVersion: '0.3.1', type: 'macvlan', Master: 'ens224', MODE: 'bridge' }), []);
});

test('nad/mtu-invalid: above the master\'s MTU fails as the plugin says; 0 and equal pass', () => {
  const f = run('nad/mtu-invalid', withInputs(worker1, [nad('a', mv({ mtu: 9000 }))]));
  assert.match(f[0]!.message, /invalid MTU 9000, must be \[0, master MTU\(1500\)\]/);
  assert.deepEqual(run('nad/mtu-invalid', withInputs(worker1, [nad('a', mv({ mtu: 1500 })), nad('b', mv({ mtu: 0 }))])), []);
  assert.match(run('nad/mtu-invalid', withInputs(noNode, [nad('a', mv({ mtu: -1 }))]))[0]!.message, /negative/);
  // 1 to 67 pass the plugin's check, and the kernel refuses them; no node is needed to say so.
  assert.match(run('nad/mtu-invalid', withInputs(noNode, [nad('a', mv({ mtu: 67 }))]))[0]!.message, /below Ethernet's minimum of 68/);
  assert.deepEqual(run('nad/mtu-invalid', withInputs(worker1, [nad('a', mv({ mtu: 68 }))])), []);
});

test('nad/shared-master: two networks on one master, passthru beside others, macvlan with ipvlan', () => {
  const two = run('nad/shared-master', withInputs(worker1, [nad('internal', mv()), nad('external', mv())]));
  assert.equal(two.length, 1);
  assert.equal(two[0]!.severity, 'warning');
  assert.match(two[0]!.message, /internal, external are different networks on the same master ens224/);
  const pt = run('nad/shared-master', withInputs(worker1, [nad('a', mv({ mode: 'passthru' })), nad('b', mv())]));
  assert.equal(pt[0]!.severity, 'error');
  assert.match(pt[0]!.message, /passthru/);
  const mixed = run('nad/shared-master', withInputs(worker1, [nad('a', mv()), nad('b', { cniVersion: '0.3.1', type: 'ipvlan', master: 'ens224' })]));
  assert.match(mixed[0]!.message, /both macvlan and ipvlan/);
  // The same network defined in two namespaces is one network.
  assert.deepEqual(run('nad/shared-master', withInputs(worker1, [nad('a', mv(), '  namespace: one\n'), nad('a', mv(), '  namespace: two\n')])), []);
});

test('nad/host-unreachable: the model decides; a bridge-mode shim with an address silences it, a private pod cannot be helped', () => {
  const base = withInputs(worker1, [nad('a', mv({ ipam: { type: 'host-local', subnet: '192.168.50.0/24' } }))]);
  const f = run('nad/host-unreachable', base);
  assert.equal(f.length, 1);
  assert.equal(f[0]!.severity, 'note');
  // The node holding an address in the network's subnet means it wants to reach the pods: a warning.
  const wants = editIface(base, 'ens224', { addresses: [{ family: 'inet', local: '192.168.50.1', prefixlen: 24, scope: 'global', peer: null }] });
  const w = run('nad/host-unreachable', wants);
  assert.equal(w[0]!.severity, 'warning');
  assert.match(w[0]!.evidence[1]!.message, /192\.168\.50\.1 on ens224/);
  assert.deepEqual(f[0]!.fixes[0]!.commands.slice(-1), ['ip route add 192.168.50.0/24 dev mvl-ens224']);
  const ens224 = worker1.interfaces.find((i) => i.name === 'ens224')!;
  const shim: Interface = { ...ens224, index: 99, name: 'mvl-ens224', kind: 'macvlan', kindData: { mode: 'bridge' }, link: 'ens224', driver: null, devicePath: null,
    addresses: [{ family: 'inet', local: '192.168.50.254', prefixlen: 32, scope: 'global', peer: null }] };
  const withShim = { ...base, interfaces: [...base.interfaces, shim] };
  assert.deepEqual(run('nad/host-unreachable', withShim), []);
  // A shim in private mode does not reach a bridge pod; a private pod is reached by no shim.
  const privShim = run('nad/host-unreachable', { ...withShim, interfaces: [...base.interfaces, { ...shim, kindData: { mode: 'private' } }] });
  assert.equal(privShim.length, 1);
  assert.match(privShim[0]!.message, /mvl-ens224 is a macvlan of ens224 on the node in private mode: a shim must be in bridge mode/);
  const priv = run('nad/host-unreachable', { ...withInputs(worker1, [nad('p', mv({ mode: 'private' }))]), interfaces: [...base.interfaces, shim] });
  assert.match(priv[0]!.message, /private mode .* a host-side shim does not help/);
  assert.equal(priv[0]!.severity, 'note');
});

test('nad/vm-promiscuous: per hypervisor advice, nothing on bare metal, containers or unknown virtualization, nothing for ipvlan', () => {
  const s = withInputs(worker1, [seedNads]);
  const f = run('nad/vm-promiscuous', s);
  assert.equal(f.length, 2);
  assert.match(f[0]!.message, /Forged transmits Accept/);
  const kvm = run('nad/vm-promiscuous', { ...s, host: { ...s.host, virtualization: 'kvm' } });
  assert.match(kvm[0]!.message, /trustGuestRxFilters.*OpenStack/);
  assert.match(run('nad/vm-promiscuous', { ...s, host: { ...s.host, virtualization: 'amazon' } })[0]!.message, /use ipvlan/);
  for (const virt of ['none', 'docker', null]) assert.deepEqual(run('nad/vm-promiscuous', { ...s, host: { ...s.host, virtualization: virt } }), [], String(virt));
  assert.deepEqual(run('nad/vm-promiscuous', withInputs(worker1, [nad('i', { cniVersion: '0.3.1', type: 'ipvlan', master: 'ens224' })])), []);
});

test('nad/name-invalid: subdomain vs label, namespaces', () => {
  const m = (name: string, extra = '') => run('nad/name-invalid', withInputs(noNode, [nad(name, mv(), extra)])).map((f) => f.severity);
  assert.deepEqual(m('macvlan-internal'), []);
  assert.deepEqual(m('Macvlan'), ['error']);
  assert.deepEqual(m('a.b'), ['warning']);
  assert.deepEqual(m(`a${'b'.repeat(63)}`), ['warning']);
  assert.deepEqual(m('ok', '  namespace: Bad_NS\n'), ['error']);
});

test('chart values: seed 003 values are clean; each requirement broken is named with its line', () => {
  const s = withInputs(noNode, [seedNads], seedValues);
  for (const id of ['nad/values-cni-networks', 'nad/values-tmm-macvlan', 'nad/values-resources']) assert.deepEqual(run(id, s), [], id);
  const broken = seedValues
    .replace('value: "TRUE"', 'value: TRUE')
    .replace('topologyManager: false', 'topologyManager: true')
    .replace('default/macvlan-external', 'other/macvlan-external,default/macvlan-missing')
    .replace(/requests:\n {6}cpu: 1\n {6}hugepages-2Mi: "1572Mi"/, 'requests:\n      cpu: 500m\n      hugepages-2Mi: "1Gi"');
  const b = withInputs(noNode, [seedNads], broken);
  const cni = run('nad/values-cni-networks', b);
  assert.equal(cni.length, 1, JSON.stringify(cni));
  assert.match(cni[0]!.message, /default\/macvlan-missing/);
  assert.equal(cni[0]!.evidence[0]!.line, 7);
  const tmm = run('nad/values-tmm-macvlan', b).map((f) => f.message);
  assert.equal(tmm.length, 2);
  assert.match(tmm[0]!, /YAML boolean true, not the string "TRUE"/);
  assert.match(tmm[1]!, /topologyManager is true/);
  const res = run('nad/values-resources', b).map((f) => `${f.severity}: ${f.message}`);
  assert.ok(res.some((m) => /^warning: .*cpu: requests 500m differ from limits 1/.test(m)), res.join('\n'));
  assert.ok(res.some((m) => /^error: .*hugepages-2Mi: requests 1Gi differ from limits 1572Mi/.test(m)), res.join('\n'));
  // Without macvlan networks, TMM's macvlan settings are not required.
  const ipvlanOnly = withInputs(noNode, [nad('macvlan-internal', { cniVersion: '0.3.1', type: 'ipvlan', master: 'ens224' })], broken);
  assert.deepEqual(run('nad/values-tmm-macvlan', ipvlanOnly), []);
  // An entry in another namespace than the NAD's own is named as such.
  const nsd = run('nad/values-cni-networks', withInputs(noNode, [nad('x', mv(), '  namespace: spk\n')], 'tmm:\n  cniNetworks: default/x\n'));
  assert.match(nsd[0]!.message, /defined in namespace spk, not default/);
});

test('property: quantities with binary and decimal suffixes scale exactly; network lists split as written', () => {
  const bin: [string, number][] = [['Ki', 2 ** 10], ['Mi', 2 ** 20], ['Gi', 2 ** 30]];
  fc.assert(fc.property(fc.integer({ min: 0, max: 100000 }), fc.constantFrom(...bin), (n, [suffix, factor]) => {
    assert.equal(parseQuantity(`${n}${suffix}`), n * factor);
    assert.equal(parseQuantity(`${n}m`), n / 1000);
    assert.equal(parseQuantity(`${n}k`), n * 1000);
    // A request written in millicores equals the same limit written as a decimal.
    assert.equal(parseQuantity(`${n}m`), parseQuantity(String(n / 1000)));
  }));
  const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);
  fc.assert(fc.property(fc.array(fc.tuple(fc.option(label, { nil: undefined }), label), { minLength: 1, maxLength: 5 }), (entries) => {
    const text = entries.map(([ns, name]) => (ns ? `${ns}/${name}` : name)).join(' , ');
    assert.deepEqual(splitNetworkList(text).map((e) => [e.namespace, e.name]), entries);
  }));
});

test('Kubernetes quantities', () => {
  assert.equal(parseQuantity('1572Mi'), 1572 * 2 ** 20);
  assert.equal(parseQuantity('1.5Gi'), 1.5 * 2 ** 30);
  assert.equal(parseQuantity('500m'), 0.5);
  assert.equal(parseQuantity(2), 2);
  assert.equal(parseQuantity('2'), 2);
  assert.equal(parseQuantity('1e3'), 1000);
  assert.equal(parseQuantity('2G'), 2e9);
  for (const bad of ['', 'Mi', '1 Mi', '1mi', 'abc', '1.2.3', null, true]) assert.equal(parseQuantity(bad), undefined, String(bad));
});

test('nad/sriov-vf-policy: a VF needs a device-plugin resource; TMM on SR-IOV needs spoofchk off, trust on, mac and ips', () => {
  const sriov = (extra: Record<string, unknown>) => ({ cniVersion: '0.3.1', type: 'sriov', ...extra });
  const ann = "  annotations:\n    k8s.v1.cni.cncf.io/resourceName: openshift.io/ens1f0vfs\n";
  const noRes = run('nad/sriov-vf-policy', withInputs(noNode, [nad('sr', sriov({}))]));
  assert.equal(noRes.length, 1);
  assert.match(noRes[0]!.message, /no k8s\.v1\.cni\.cncf\.io\/resourceName annotation/);
  assert.deepEqual(run('nad/sriov-vf-policy', withInputs(noNode, [nad('sr', sriov({}), ann)])), []);
  assert.match(run('nad/sriov-vf-policy', withInputs(noNode, [nad('sr', sriov({ spoofchk: 'false' }), ann)]))[0]!.message, /"spoofchk": "false" must be "on" or "off"/);
  const values = 'tmm:\n  cniNetworks: default/sr\n';
  const tmm = run('nad/sriov-vf-policy', withInputs(noNode, [nad('sr', sriov({}), ann)], values)).map((f) => f.message);
  assert.equal(tmm.length, 3, tmm.join('\n'));
  assert.match(tmm.join('\n'), /spoofchk": "off"[\s\S]*trust": "on"[\s\S]*"mac": true and "ips": true/);
  const good = sriov({ spoofchk: 'off', trust: 'on', capabilities: { mac: true, ips: true } });
  assert.deepEqual(run('nad/sriov-vf-policy', withInputs(noNode, [nad('sr', good, ann)], values)), []);
});

test('nad/ipvlan-l3-dhcp: l3 and l3s with dhcp are found, in a list too; l2 with dhcp and l3 with host-local are not', () => {
  const ipv = (mode: string, ipam: string) => ({ cniVersion: '0.3.1', type: 'ipvlan', master: 'ens224', mode, ipam: { type: ipam } });
  const found = run('nad/ipvlan-l3-dhcp', withInputs(worker1, [nad('a', ipv('l3', 'dhcp')), nad('b', ipv('l3s', 'dhcp')), nad('c', ipv('l2', 'dhcp')), nad('d', ipv('l3', 'host-local')),
    nad('e', { cniVersion: '0.3.1', name: 'e', plugins: [{ type: 'ipvlan', master: 'ens224', mode: 'l3', ipam: { type: 'dhcp' } }, { type: 'tuning' }] })]));
  assert.deepEqual(found.map((f) => f.message.split(':')[0]), ['a', 'b', 'e']);
  assert.match(found[0]!.message, /ipvlan in mode l3 with "ipam": \{"type": "dhcp"\}: an L3-mode ipvlan passes no broadcast/);
  assert.match(found[2]!.message, /ipvlan \(plugin 0 of the list\)/);
  assert.equal(found[0]!.evidence[0]!.file, '/in/nad0.yaml');
});

test('the legacy multus kind Network (kubernetes.cni.cncf.io/v1) is called obsolete, with its line', () => {
  const text = 'apiVersion: kubernetes.cni.cncf.io/v1\nkind: Network\nmetadata:\n  name: flannel-conf\nplugin: flannel\nargs: \'[{"delegate": {"isDefaultGateway": true}}]\'\n';
  const read = parseNadFile('legacy.yaml', text);
  assert.equal(read.nads.length, 0);
  assert.equal(read.diagnostics.length, 1);
  assert.match(read.diagnostics[0]!.message, /^kind Network \(kubernetes\.cni\.cncf\.io\/v1\) is the obsolete multus CRD: .*NetworkAttachmentDefinition \(k8s\.cni\.cncf\.io\/v1\)/);
  assert.equal(read.diagnostics[0]!.where, 'legacy.yaml:1 (document 1)');
});

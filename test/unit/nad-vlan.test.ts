// The vlan plugin's master, checked as the vlan plugin's loadConf and the kernel treat it: required (no
// default-route fallback as macvlan has), looked up by name, an mtu within [0, master MTU], a vlanId of
// 0..4094; a VLAN follows its master's state; a bridge port or bond slave is a valid VLAN master.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildHost } from '../../src/model/host.js';
import { readVlanConf } from '../../src/model/macvlan/index.js';
import { runChecks } from '../../src/rules/engine.js';
import { ALL_RULES } from '../../src/rules/index.js';
import { NAD_ROLE } from '../../src/rules/nad/inputs.js';
import type { Finding } from '../../src/rules/types.js';
import { SnapshotSchema, type Interface, type Snapshot } from '../../src/snapshot/schema.js';
import { hostnet } from '../helpers/system.js';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const node = (name: string): Snapshot => SnapshotSchema.parse(JSON.parse(read(`examples/cnf-macvlan/nodes/${name}.json`)));
const worker1 = node('worker-1');
const worker2 = node('worker-2');
const fixture = read('test/fixtures/nad/vlan-nads.yaml');

function check(snapshot: Snapshot, content: string): Finding[] {
  const files = [...snapshot.files, { path: 'vlan.yaml', content, mask: null, role: NAD_ROLE }];
  return runChecks(buildHost({ ...snapshot, files }), ALL_RULES.filter((r) => r.meta.id.startsWith('nad/'))).findings;
}

function vlanNad(config: Record<string, unknown>): string {
  return `apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata:\n  name: v\nspec:\n  config: '${JSON.stringify({ cniVersion: '0.4.0', type: 'vlan', ...config })}'\n`;
}

function edit(snapshot: Snapshot, name: string, set: Partial<Interface>): Snapshot {
  return { ...snapshot, interfaces: snapshot.interfaces.map((i) => (i.name === name ? { ...i, ...set } : i)) };
}

test('the vlan fixture: ens256 missing on worker-2 with the plugin\'s "Link not found", no master an error anywhere', () => {
  const f = check(worker2, fixture);
  const missing = f.filter((x) => x.ruleId === 'nad/master-missing');
  assert.deepEqual(missing.map((x) => x.interface), ['ens256']);
  assert.match(missing[0]!.message, /vlan-200: master ens256 does not exist on node worker-2; .*"Link not found"/);
  assert.equal(missing[0]!.evidence[0]!.line, 27); // the second NAD's `config: |` line
  const noMaster = f.filter((x) => x.ruleId === 'nad/config-invalid' && /"master" field is required/.test(x.message));
  assert.equal(noMaster.length, 1);
  assert.match(noMaster[0]!.message, /^vlan-nomaster: vlan would fail/);
  assert.deepEqual(check(worker1, fixture).filter((x) => x.ruleId === 'nad/master-missing'), []);
  // Without a node only the load errors remain.
  const none = check({ ...worker1, interfaces: [], routes: [] }, fixture).filter((x) => x.severity === 'error');
  assert.deepEqual(none.map((x) => x.ruleId), ['nad/config-invalid']);
});

test('a vlan on a master that is down, and an mtu above the master\'s', () => {
  const down = check(edit(worker1, 'ens224', { flags: ['BROADCAST', 'MULTICAST'] }), vlanNad({ master: 'ens224', vlanId: 7 }));
  assert.ok(down.some((x) => x.ruleId === 'nad/master-down' && x.severity === 'error' && /master ens224 is administratively down/.test(x.message)));
  const mtu = check(worker1, vlanNad({ master: 'ens224', vlanId: 7, mtu: 9000 })).filter((x) => x.ruleId === 'nad/mtu-invalid');
  assert.equal(mtu.length, 1);
  assert.match(mtu[0]!.message, /invalid MTU 9000, must be \[0, master MTU\(1500\)\]/);
});

test('a vlan on a bond slave is not refused (the kernel takes tagged frames before the bond\'s handler)', () => {
  const enslaved = edit(worker1, 'ens224', { master: 'bond0', slaveKind: 'bond' });
  assert.deepEqual(check(enslaved, vlanNad({ master: 'ens224', vlanId: 7 })).filter((x) => x.ruleId === 'nad/master-enslaved'), []);
  assert.equal(check(enslaved, vlanNad({ type: 'macvlan', master: 'ens224' })).filter((x) => x.ruleId === 'nad/master-enslaved').length, 1);
});

test('vlanId and field types as the plugin loads them', () => {
  assert.deepEqual(readVlanConf({ master: 'eth0', vlanId: 4094 }).loadErrors, []);
  assert.deepEqual(readVlanConf({ master: 'eth0' }).loadErrors, []); // vlanId 0: priority tagging, accepted
  assert.match(readVlanConf({ master: 'eth0', vlanId: 4095 }).loadErrors[0]!, /invalid VLAN ID 4095/);
  assert.match(readVlanConf({ master: 'eth0', vlanId: -1 }).loadErrors[0]!, /invalid VLAN ID -1/);
  assert.match(readVlanConf({ master: 'eth0', vlanId: '100' }).loadErrors[0]!, /cannot unmarshal string into field vlanId of type int/);
  assert.equal(readVlanConf({ Master: 'eth1', VLANID: 9 }).master, 'eth1'); // Go matches keys case-insensitively
});

test('property: a vlan network is missing on a node exactly when its master is not one of the node\'s interfaces', () => {
  const names = worker2.interfaces.map((i) => i.name);
  fc.assert(fc.property(fc.oneof(fc.constantFrom(...names), fc.constantFrom('ens256', 'eth9', 'bond0')), fc.integer({ min: 0, max: 4094 }), (master, vlanId) => {
    const missing = check(worker2, vlanNad({ master, vlanId })).filter((x) => x.ruleId === 'nad/master-missing');
    assert.equal(missing.length, names.includes(master) ? 0 : 1);
  }), { numRuns: 60 });
});

test('nad check lists a vlan network with its id and master', () => {
  const r = hostnet(['nad', 'check', 'test/fixtures/nad/vlan-nads.yaml', '--snapshot', 'examples/cnf-macvlan/nodes/worker-2.json']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /cnf\/vlan-100 \(test\/fixtures\/nad\/vlan-nads\.yaml:3\): vlan 100 on ens224, mtu 1500/);
});

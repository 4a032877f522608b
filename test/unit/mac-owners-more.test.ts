// The owners table beyond Calico/VPP: each device the field reports show udevd's MAC policy hurts
// is raced on the seed's node (which keeps MACAddressPolicy=persistent), its fix matches it by the
// driver udevd sees, and a look-alike that is not that device is left alone.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildHost } from '../../src/model/host.js';
import { macOwned, WELL_KNOWN_DEVICES } from '../../src/model/mac-owners.js';
import { runChecks } from '../../src/rules/engine.js';
import { macPolicyRace } from '../../src/rules/link/mac-policy-race.js';
import { parseSnapshot } from '../../src/snapshot/load.js';
import type { Interface, Snapshot } from '../../src/snapshot/schema.js';

const base = parseSnapshot(readFileSync(new URL('../../examples/vpp-e810-predeploy/snapshot.json', import.meta.url), 'utf8'), 'predeploy');
// Without the Calico/VPP configuration only the device under test is owned.
const plain: Snapshot = { ...base, files: base.files.filter((f) => f.role === null) };

function device(name: string, kind: string | null, extra: Partial<Interface> = {}): Interface {
  return {
    ...base.interfaces[0]!, index: 40, name, kind, kindData: {}, linkType: 'ether', arphrdType: 1, devtype: null, driver: null,
    devicePath: null, parentBus: null, mac: '6a:1b:2c:3d:4e:5f', permaddr: null, addrAssignType: 3, flags: ['BROADCAST', 'MULTICAST', 'UP'], udev: null, ...extra,
  };
}
const withDevice = (iface: Interface): Snapshot => ({ ...plain, interfaces: [...plain.interfaces, iface] });

const CASES: { iface: Interface; owner: RegExp; driver: string; cite: RegExp }[] = [
  { iface: device('eni3f2a9c1b7d0', 'veth'), owner: /AWS VPC CNI/, driver: 'veth', cite: /amazon-vpc-cni-k8s#2103/ },
  { iface: device('br-ex', 'openvswitch'), owner: /Open vSwitch/, driver: 'openvswitch', cite: /okd#540/ },
  { iface: device('ovn-k8s-mp0', 'openvswitch'), owner: /OVN-Kubernetes/, driver: 'openvswitch', cite: /ovn-kubernetes#88/ },
  { iface: device('ovn0', 'openvswitch'), owner: /Kube-OVN/, driver: 'openvswitch', cite: /kube-ovn#5748/ },
  { iface: device('antrea-gw0', 'openvswitch'), owner: /Antrea/, driver: 'openvswitch', cite: /antrea#4426/ },
  { iface: device('lxc12ab34cd', 'netkit'), owner: /netkit/, driver: 'netkit', cite: /cilium#37265/ },
];

for (const c of CASES) {
  test(`${c.iface.name} (${c.iface.kind}): owned, raced under MACAddressPolicy=persistent, fixed by Driver=${c.driver}`, () => {
    const owned = macOwned(buildHost(withDevice(c.iface)));
    assert.equal(owned.length, 1);
    assert.match(owned[0]!.owner, c.owner);
    assert.match(owned[0]!.why, c.cite);
    const [f, ...rest] = runChecks(buildHost(withDevice(c.iface)), [macPolicyRace]).findings;
    assert.equal(rest.length, 0);
    assert.equal(f!.interface, c.iface.name);
    assert.ok(f!.evidence.some((e) => e.file === '/lib/systemd/network/99-default.link'), 'the policy line is cited');
    assert.match(f!.fixes[0]!.files[0]!.content, new RegExp(`^Driver=${c.driver}$`, 'm'));
    assert.equal(f!.fixes[0]!.verified, true, 'the fix, applied to the model, stops the rewrite');
  });
}

test('look-alikes are not owned: an eni* that is not a veth, a plain veth, a NIC', () => {
  for (const iface of [device('eni0', null, { driver: 'ena', devicePath: '/sys/devices/pci0000:00/0000:00:05.0', addrAssignType: 0 }), device('veth1234', 'veth'), device('ovn1', 'veth')]) {
    assert.deepEqual(macOwned(buildHost(withDevice(iface))).map((o) => o.name), [], iface.name);
  }
});

test('every table entry names a device and cites where it was seen', () => {
  for (const d of WELL_KNOWN_DEVICES) {
    assert.ok(d.name !== undefined || d.kind !== undefined, d.owner);
    if (d.kind !== undefined || d.name?.startsWith('ovn')) assert.match(d.why, /[\w-]+\/[\w-]+#\d+/, `${d.owner}: no report cited`);
  }
});

test('bonds and bridges NetworkManager manages are owned; without NetworkManager, or excluded from it, they are not', () => {
  const port = device('ens2f1', null, { driver: 'ice', devicePath: '/sys/devices/pci0000:00/0000:00:03.0', addrAssignType: 0, master: 'bond0', slaveKind: 'bond' });
  const bond = device('bond0', 'bond', { addresses: [{ family: 'inet', local: '10.0.0.5', prefixlen: 24, scope: 'global', peer: null }] });
  const nmConf = { path: '/etc/NetworkManager/NetworkManager.conf', content: '[main]\nplugins=keyfile\n', mask: null, role: null };
  const withNm: Snapshot = { ...plain, interfaces: [...plain.interfaces, port, bond], files: [...plain.files, nmConf] };
  const owned = macOwned(buildHost(withNm)).filter((o) => o.name === 'bond0');
  assert.equal(owned.length, 1);
  assert.equal(owned[0]!.owner, 'NetworkManager');
  assert.match(owned[0]!.why, /systemd\/systemd#13712/);
  const [f] = runChecks(buildHost(withNm), [macPolicyRace]).findings.filter((x) => x.interface === 'bond0');
  assert.match(f!.fixes[0]!.files[0]!.content, /^Driver=bonding$/m);
  assert.equal(f!.fixes[0]!.verified, true);
  assert.deepEqual(macOwned(buildHost({ ...withNm, files: plain.files })).filter((o) => o.name === 'bond0'), [], 'no NetworkManager');
  const excluded = { path: '/etc/NetworkManager/conf.d/bond.conf', content: '[keyfile]\nunmanaged-devices=type:bond\n', mask: null, role: null };
  assert.deepEqual(macOwned(buildHost({ ...withNm, files: [...withNm.files, excluded] })).filter((o) => o.name === 'bond0'), [], 'unmanaged-devices=type:bond');
});

test('not NetworkManager\'s: a bridge with only virtual ports (libvirt\'s virbr0), a bond a .netdev file creates', () => {
  const nmConf = { path: '/etc/NetworkManager/NetworkManager.conf', content: '[main]\nplugins=keyfile\n', mask: null, role: null };
  const up = { addresses: [{ family: 'inet' as const, local: '192.168.122.1', prefixlen: 24, scope: 'global', peer: null }] };
  const virbr = device('virbr0', 'bridge', up);
  const vnet = device('vnet0', 'tun', { master: 'virbr0', slaveKind: 'bridge' });
  const bond = device('bond1', 'bond', up);
  const nic = device('ens2f1', null, { driver: 'ice', devicePath: '/sys/devices/pci0000:00/0000:00:03.0', addrAssignType: 0, master: 'bond1', slaveKind: 'bond' });
  const netdev = { path: '/etc/systemd/network/10-bond1.netdev', content: '[NetDev]\nName=bond1\nKind=bond\n', mask: null, role: null };
  const s: Snapshot = { ...plain, interfaces: [...plain.interfaces, virbr, vnet, bond, nic], files: [...plain.files, nmConf, netdev] };
  assert.deepEqual(macOwned(buildHost(s)).filter((o) => o.owner === 'NetworkManager').map((o) => o.name), []);
  const withoutNetdev = { ...s, files: [...plain.files, nmConf] };
  assert.deepEqual(macOwned(buildHost(withoutNetdev)).filter((o) => o.owner === 'NetworkManager').map((o) => o.name), ['bond1']);
});

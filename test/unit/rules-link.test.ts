// The link/* rules on the seed's E810 node and on variations of it: each variation changes one
// fact the rule depends on, so a regression in any of them shows.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildHost } from '../../src/model/host.js';
import { persistentMac } from '../../src/model/link/index.js';
import { runChecks } from '../../src/rules/engine.js';
import { macPolicyRace } from '../../src/rules/link/mac-policy-race.js';
import { macRewrittenByUdev } from '../../src/rules/link/mac-rewritten-by-udev.js';
import { policyInNetworkFile } from '../../src/rules/link/policy-in-network-file.js';
import type { Rule } from '../../src/rules/types.js';
import { parseSnapshot } from '../../src/snapshot/load.js';
import type { FileRecord, Interface, Snapshot } from '../../src/snapshot/schema.js';

const base = parseSnapshot(readFileSync(new URL('../../examples/vpp-e810-predeploy/snapshot.json', import.meta.url), 'utf8'), 'predeploy');
const MACHINE = base.host.machineId!;
const file = (path: string, content: string | null, extra: Partial<FileRecord> = {}): FileRecord => ({ path, content, mask: null, role: null, ...extra });
const run = (s: Snapshot, rule: Rule) => runChecks(buildHost(s), [rule]).findings;
const withFiles = (s: Snapshot, ...files: FileRecord[]): Snapshot => ({ ...s, files: [...s.files.filter((f) => !files.some((x) => x.path === f.path)), ...files] });
const configText = () => base.files.find((f) => f.role === 'calico-vpp-config')!.content!;
const withConfig = (s: Snapshot, text: string): Snapshot => withFiles(s, { ...base.files.find((f) => f.role === 'calico-vpp-config')!, content: text });

/** The node after the takeover: ens2f0 is VPP's tap, and udevd gave it a MAC. */
function afterTakeover(mac: string, vppctlMac: string | null): Snapshot {
  const nic = base.interfaces.find((i) => i.name === 'ens2f0')!;
  const tap: Interface = {
    ...nic, kind: 'tun', kindData: { type: 'tap', pi: false, vnet_hdr: true, multi_queue: true, persist: false },
    driver: null, devicePath: null, parentBus: null, mac, addrAssignType: 3, speed: null, duplex: null, numRxQueues: 2, numTxQueues: 2,
    udev: { ID_NET_LINK_FILE: '/lib/systemd/network/99-default.link' },
  };
  const s: Snapshot = { ...base, interfaces: base.interfaces.map((i) => (i.name === 'ens2f0' ? tap : i)) };
  if (vppctlMac === null) return s;
  return withFiles(s, file('/tmp/sh-hard.txt', `              Name                Idx   Link  Hardware
ens2f0                             1     up   ens2f0
  Link speed: 25 Gbps
  Ethernet address ${vppctlMac}
  Intel E810 Family
tap0                               2     up   tap0
  Link speed: unknown
  Ethernet address 02:ca:11:c0:fd:00
`, { role: 'vppctl-show-hardware-interfaces' }));
}

test('pre-deploy E810 node: the race is predicted as an error, with the exact MAC and the policy line', () => {
  const [f, ...rest] = run(base, macPolicyRace);
  assert.equal(rest.length, 0);
  assert.equal(f!.severity, 'error');
  assert.equal(f!.interface, 'ens2f0');
  assert.ok(f!.evidence.some((e) => e.file === '/lib/systemd/network/99-default.link' && e.line === 16));
  assert.ok(f!.evidence.some((e) => e.value === persistentMac(MACHINE, 'ens2f0')));
  assert.ok(f!.evidence.some((e) => e.value === '40:a6:b7:3c:1e:50'), 'the MAC VPP will give the tap');
  assert.equal(f!.fixes[0]!.verified, true);
  assert.match(f!.fixes[0]!.files[0]!.content, /^Driver=tun$/m);
  assert.match(f!.fixes[0]!.files[0]!.content, /^MACAddressPolicy=none$/m);
  assert.ok(f!.fixes[0]!.files[0]!.path < '/etc/systemd/network/99-default.link');
});

test('one VPP worker: still a race, but a warning (the seeds\' conditions do not hold)', () => {
  const s = withConfig(base, configText().replace('workers 2', 'workers 1'));
  assert.equal(run(s, macPolicyRace)[0]!.severity, 'warning');
});

test('a NIC with one queue and another driver: a warning', () => {
  const s: Snapshot = { ...base, interfaces: base.interfaces.map((i) => (i.name === 'ens2f0' ? { ...i, driver: 'virtio_net', numRxQueues: 1 } : i)) };
  assert.equal(run(s, macPolicyRace)[0]!.severity, 'warning');
});

test('no Calico/VPP configuration: nothing is owned, nothing is reported', () => {
  assert.deepEqual(run({ ...base, files: base.files.filter((f) => f.role === null) }, macPolicyRace), []);
});

test('a .link that sets MACAddressPolicy=none for tun devices and sorts first: no race', () => {
  const s = withFiles(base, file('/etc/systemd/network/10-ens2f0.link', '[Match]\nDriver=tun\n[Link]\nNamePolicy=keep\nMACAddressPolicy=none\n'));
  assert.deepEqual(run(s, macPolicyRace), []);
});

test('the same file sorting after 99-default.link does not help, and the fix sorts before it', () => {
  const s = withFiles(base, file('/etc/systemd/network/99-zz-late.link', '[Match]\nDriver=tun\n[Link]\nMACAddressPolicy=none\n'));
  const [f] = run(s, macPolicyRace);
  assert.ok(f);
  assert.equal(f.fixes[0]!.verified, true);
});

test('99-default.link masked with a symlink to /dev/null: no file applies, no race', () => {
  const s = withFiles(base, file('/etc/systemd/network/99-default.link', null, { mask: 'dev-null' }));
  assert.deepEqual(run(s, macPolicyRace), []);
});

test('MACAddressPolicy=random leaves a tap born with a random MAC alone ("already matches policy"): no race', () => {
  const s = withFiles(base, file('/etc/systemd/network/50-random.link', '[Match]\nDriver=tun\n[Link]\nMACAddressPolicy=random\n'));
  assert.deepEqual(run(s, macPolicyRace), []);
});

test('a static MACAddress= other than the uplink\'s is written whatever addr_assign_type says: a race too', () => {
  const s = withFiles(base, file('/etc/systemd/network/50-static.link', '[Match]\nDriver=tun\n[Link]\nMACAddressPolicy=none\nMACAddress=02:11:22:33:44:55\n'));
  const [f] = run(s, macPolicyRace);
  assert.match(f!.message, /MACAddress=02:11:22:33:44:55/);
  assert.equal(f!.fixes[0]!.verified, true);
  assert.ok(f!.fixes[0]!.files[0]!.path < '/etc/systemd/network/50-static.link');
  // The very MAC VPP sets is harmless.
  assert.deepEqual(run(withFiles(base, file('/etc/systemd/network/50-static.link', '[Match]\nDriver=tun\n[Link]\nMACAddressPolicy=none\nMACAddress=40:a6:b7:3c:1e:50\n')), macPolicyRace), []);
});

test('a redacted snapshot still shows the race, without the value', () => {
  const [f] = run({ ...base, host: { ...base.host, machineId: null } }, macPolicyRace);
  assert.match(f!.message, /machine-id is needed/);
});

test('well-known CNI devices: flannel.1 is owned, its driver is vxlan, and the fix matches it', () => {
  const flannel: Interface = { ...base.interfaces[0]!, index: 9, name: 'flannel.1', kind: 'vxlan', kindData: { id: 1 }, linkType: 'ether', arphrdType: 1, devtype: 'vxlan', mac: '6a:1b:2c:3d:4e:5f', addrAssignType: 3, flags: ['BROADCAST', 'MULTICAST', 'UP'], udev: null };
  const s: Snapshot = { ...base, files: base.files.filter((f) => f.role === null), interfaces: [...base.interfaces, flannel] };
  const [f] = run(s, macPolicyRace);
  assert.equal(f!.interface, 'flannel.1');
  assert.equal(f!.severity, 'warning');
  assert.match(f!.fixes[0]!.files[0]!.content, /^Driver=vxlan$/m);
  assert.match(f!.fixes[0]!.files[0]!.content, /^OriginalName=flannel\.1$/m);
  assert.equal(f!.fixes[0]!.verified, true);
});

test('after the takeover, a tap with the persistent MAC udevd derives: rewritten by udevd (proved)', () => {
  const p = persistentMac(MACHINE, 'ens2f0');
  const [f, ...rest] = run(afterTakeover(p, null), macRewrittenByUdev);
  assert.equal(rest.length, 0);
  assert.equal(f!.severity, 'error');
  assert.match(f!.message, /written by udevd/);
  assert.ok(f!.evidence.some((e) => e.value === p));
});

test('after the takeover, a tap whose MAC differs from the uplink MAC in VPP: rewritten, and the fix sets it back', () => {
  const [f] = run(afterTakeover('02:00:00:00:00:01', '40:a6:b7:3c:1e:50'), macRewrittenByUdev);
  assert.match(f!.message, /not the 40:a6:b7:3c:1e:50 Calico\/VPP expects/);
  assert.doesNotMatch(f!.message, /written by udevd/);
  assert.equal(f!.fixes[0]!.verified, true);
  assert.deepEqual(f!.fixes[0]!.changes, [{ interface: 'ens2f0', set: { mac: '40:a6:b7:3c:1e:50', addrAssignType: 3 } }]);
  assert.ok(f!.fixes[0]!.commands.some((c) => c.startsWith('ip link set dev ens2f0 address 40:a6:b7:3c:1e:50')));
});

test('after the takeover, a healthy tap (VPP won the race): no proof of a rewrite', () => {
  assert.deepEqual(run(afterTakeover('40:a6:b7:3c:1e:50', '40:a6:b7:3c:1e:50'), macRewrittenByUdev), []);
  assert.deepEqual(run(afterTakeover('40:a6:b7:3c:1e:50', null), macRewrittenByUdev), []);
});

test('policy keys in a .network file are reported with file and line; MACAddress= in [Link] is valid networkd and is not', () => {
  const s = withFiles(base, file('/etc/systemd/network/10-tap.network', '[Match]\nName=ens2f0\n\n[Link]\nMACAddress=40:a6:b7:3c:1e:50\nMACAddressPolicy=none\nNamePolicy=keep\n'));
  const found = run(s, policyInNetworkFile);
  assert.deepEqual(found.map((f) => `${f.evidence[0]!.file}:${f.evidence[0]!.line} ${f.evidence[0]!.message}`), [
    '/etc/systemd/network/10-tap.network:6 MACAddressPolicy=none',
    '/etc/systemd/network/10-tap.network:7 NamePolicy=keep',
  ]);
  assert.deepEqual(run(base, policyInNetworkFile), []);
});

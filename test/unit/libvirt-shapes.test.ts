// libvirt shapes: one MAC on two NICs, a NIC without <model>, a guest MTU above its bridge's or
// network's, and <virtualport> switches that are not Linux bridges.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildLab } from '../../src/model/bridge/lab.js';
import { buildHost } from '../../src/model/host.js';
import { l2ControlBlocked } from '../../src/rules/bridge/l2-control-blocked.js';
import { runChecks } from '../../src/rules/engine.js';
import { duplicateMac } from '../../src/rules/libvirt/duplicate-mac.js';
import { mtuAboveBridge } from '../../src/rules/libvirt/mtu-above-bridge.js';
import { nicModelDefault } from '../../src/rules/libvirt/nic-model-default.js';
import { parseDomainXml } from '../../src/sources/libvirt.js';
import { bridge, file, fixture, snapshot } from './bridge-lab-helpers.js';

const server1 = fixture('libvirt/server1.xml');

test('the parser reads <virtualport>, <mtu> and the architecture', () => {
  const ovs = parseDomainXml(fixture('libvirt/net-openvswitch.xml'), 'ovs.xml');
  assert.equal(ovs.arch, 'x86_64');
  assert.deepEqual(ovs.interfaces.map((i) => [i.type, i.virtualport, i.model, i.mtu, i.line]), [['network', 'openvswitch', 'rtl8139', null, 25]]);
  const mtu = parseDomainXml(fixture('libvirt/net-mtu.xml'), 'mtu.xml');
  assert.deepEqual(mtu.interfaces.map((i) => [i.mac, i.mtu, i.sourceNetwork]), [
    ['52:54:00:e5:48:58', 1500, 'nat-network;plug-network-basic'], ['52:54:00:e5:48:59', 9000, 'nat-network;plug-network-basic']]);
});

test('mtu-above-bridge: the 9000 NIC on a 1500 network is found, the 1500 one is not; a Linux bridge the same', () => {
  const host = buildHost(snapshot([], [
    file('/etc/libvirt/qemu/test.xml', fixture('libvirt/net-mtu.xml')),
    file('/etc/libvirt/qemu/networks/nat-network.xml', fixture('libvirt/nat-network.xml')),
  ]));
  const f = runChecks(host, [mtuAboveBridge]).findings;
  assert.equal(f.length, 1);
  assert.match(f[0]!.message, /test 52:54:00:e5:48:59: the guest NIC has MTU 9000 but network nat-network;plug-network-basic has MTU 1500/);
  assert.deepEqual(f[0]!.evidence.map((e) => [e.file, e.line ?? null]), [['/etc/libvirt/qemu/test.xml', 52], ['/etc/libvirt/qemu/networks/nat-network.xml', null]]);
  // Without the network's definition nothing is known about its MTU: silence, not a guess.
  assert.equal(runChecks(buildHost(snapshot([], [file('/etc/libvirt/qemu/test.xml', fixture('libvirt/net-mtu.xml'))])), [mtuAboveBridge]).findings.length, 0);
  const jumbo = server1.replace("<source bridge='t5_br9'/>", "<source bridge='t5_br9'/>\n      <mtu size='9000'/>");
  const onBridge = (mtu: number) => runChecks(buildHost(snapshot([bridge('t5_br9', 10, {}), bridge('t5_br10', 11)].map((b) => (b.name === 't5_br9' ? { ...b, mtu } : b)),
    [file('/etc/libvirt/qemu/t5_server1.xml', jumbo)])), [mtuAboveBridge]).findings;
  assert.match(onBridge(1500)[0]!.message, /MTU 9000 but bridge t5_br9 has MTU 1500/);
  assert.match(onBridge(1500)[0]!.fixes[0]!.commands[0]!, /^ip link set t5_br9 mtu 9000/);
  assert.equal(onBridge(9000).length, 0);
});

test('duplicate-mac: one MAC in two domains, and twice in one domain; unique MACs are silent', () => {
  const twin = server1.replace('<name>t5_server1</name>', '<name>t5_server2</name>').replace(/52:54:00:5e:01:03/, '52:54:00:5e:02:03').replace(/52:54:00:5e:01:05/, '52:54:00:5e:02:05');
  const f = runChecks(buildHost(snapshot([], [file('/etc/libvirt/qemu/t5_server1.xml', server1), file('/etc/libvirt/qemu/t5_server2.xml', twin)])), [duplicateMac]).findings;
  assert.equal(f.length, 1);
  assert.match(f[0]!.message, /^MAC 52:54:00:5e:01:04 is on 2 NICs \(t5_server1 NIC at line 30, t5_server2 NIC at line 30\)/);
  assert.deepEqual(f[0]!.evidence.map((e) => e.file), ['/etc/libvirt/qemu/t5_server1.xml', '/etc/libvirt/qemu/t5_server2.xml']);
  const self = server1.replace('52:54:00:5e:01:05', '52:54:00:5e:01:04');
  assert.equal(runChecks(buildHost(snapshot([], [file('/etc/libvirt/qemu/t5_server1.xml', self)])), [duplicateMac]).findings.length, 1);
  // The definition and the live status file of one domain are one domain, not two.
  assert.equal(runChecks(buildHost(snapshot([], [file('/etc/libvirt/qemu/t5_server1.xml', server1), file('/run/libvirt/qemu/t5_server1.xml', fixture('libvirt/server1-live.xml'))])), [duplicateMac]).findings.length, 0);
});

test('nic-model-default: x86 NICs without <model> are named; an explicit model or another architecture is not', () => {
  const bare = server1.replace(/\n\s*<model type='virtio'\/>/g, '');
  const f = runChecks(buildHost(snapshot([], [file('/etc/libvirt/qemu/t5_server1.xml', bare)])), [nicModelDefault]).findings;
  assert.equal(f.length, 1);
  assert.match(f[0]!.message, /t5_server1: 3 NIC\(s\) without <model> .*rtl8139/);
  assert.deepEqual(f[0]!.evidence.map((e) => e.line), [25, 29, 33]);
  const arm = bare.replace("arch='x86_64'", "arch='aarch64'");
  assert.equal(runChecks(buildHost(snapshot([], [file('/etc/libvirt/qemu/t5_server1.xml', arm)])), [nicModelDefault]).findings.length, 0);
  assert.equal(runChecks(buildHost(snapshot([], [file('/etc/libvirt/qemu/ovs.xml', fixture('libvirt/net-openvswitch.xml'))])), [nicModelDefault]).findings.length, 0);
});

test('a <virtualport type=openvswitch> NIC is not on a Linux bridge: no group_fwd_mask advice, OVS\'s own setting named', () => {
  const ovs = server1.replace("<source bridge='t5_br9'/>", "<source bridge='ovsbr0'/>\n      <virtualport type='openvswitch'/>");
  const intent = 'bonds:\n  - vm: t5_server1\n    members: [52:54:00:5e:01:04]\n';
  const host = buildHost(snapshot([bridge('t5_br10', 11)], [file('/etc/libvirt/qemu/t5_server1.xml', ovs), file('/lab/intent.yaml', intent, 'lab-intent')]));
  const nic = buildLab(host).nics.find((n) => n.nic.mac === '52:54:00:5e:01:04')!;
  assert.equal(nic.bridge, null);
  assert.deepEqual(nic.virtualSwitch, { kind: 'openvswitch', name: 'ovsbr0' });
  const f = runChecks(host, [l2ControlBlocked]).findings;
  assert.equal(f.length, 1);
  assert.equal(f[0]!.severity, 'note');
  assert.match(f[0]!.message, /ovsbr0 is an Open vSwitch bridge .*not a Linux bridge: group_fwd_mask does not apply; .*forward-bpdu=true/);
  assert.ok(!f.some((x) => x.fixes.some((fix) => fix.commands.some((c) => c.includes('group_fwd_mask')))));
});

test('property: for any assignment of MACs to NICs of two domains, duplicate-mac reports exactly the shared MACs', () => {
  const macs = ['52:54:00:00:00:01', '52:54:00:00:00:02', '52:54:00:00:00:03', '52:54:00:00:00:04'];
  fc.assert(fc.property(fc.array(fc.constantFrom(...macs), { minLength: 1, maxLength: 4 }), fc.array(fc.constantFrom(...macs), { minLength: 1, maxLength: 4 }), (a, b) => {
    const dom = (name: string, list: string[]) => `<domain type='kvm'><name>${name}</name><devices>${list.map((m) => `<interface type='bridge'><mac address='${m}'/><source bridge='br0'/><model type='virtio'/></interface>`).join('')}</devices></domain>`;
    const host = buildHost(snapshot([], [file('/etc/libvirt/qemu/a.xml', dom('a', a)), file('/etc/libvirt/qemu/b.xml', dom('b', b))]));
    const all = [...a, ...b];
    const shared = [...new Set(all.filter((m, i) => all.indexOf(m) !== i))].sort();
    assert.deepEqual(runChecks(host, [duplicateMac]).findings.map((f) => f.evidence[0]!.value).sort(), shared);
  }), { numRuns: 100 });
});

// libvirt/virtio-in-lacp-bond and bridge/l2-control-blocked on a small copy of the seed's hypervisor.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../src/errors.js';
import { buildLab } from '../../src/model/bridge/lab.js';
import { buildHost } from '../../src/model/host.js';
import { l2ControlBlocked } from '../../src/rules/bridge/l2-control-blocked.js';
import { applyFix, runChecks } from '../../src/rules/engine.js';
import { virtioInLacpBond } from '../../src/rules/libvirt/virtio-in-lacp-bond.js';
import { parseDomainXml } from '../../src/sources/libvirt.js';
import { bridge, file, fixture, port, snapshot } from './bridge-lab-helpers.js';

const INTENT = `links:
  - name: leaf1-server1
    bridge: t5_br9
    carries: [lldp]
bonds:
  - vm: t5_server1
    members: [52:54:00:5e:01:04, 52:54:00:5e:01:05]
`;

function kvm(kernel = '6.1.0-18-amd64', intent = INTENT) {
  return snapshot([
    bridge('t5_br9', 10), bridge('t5_br10', 11),
    port('vnet4', 20, 't5_br9', { mac: 'fe:54:00:5e:00:14' }), port('vnet15', 21, 't5_br9', { mac: 'fe:54:00:5e:01:04' }),
    port('vnet7', 22, 't5_br10', { mac: 'fe:54:00:5e:00:24' }), port('vnet16', 23, 't5_br10', { mac: 'fe:54:00:5e:01:05' }),
  ], [
    file('/etc/libvirt/qemu/t5_server1.xml', fixture('libvirt/server1.xml')),
    file('/run/libvirt/qemu/t5_server1.xml', fixture('libvirt/server1-live.xml')),
    file('/lab/intent.yaml', intent, 'lab-intent'),
  ], kernel);
}

test('the lab joins definitions, live files and taps: each bond NIC is found on its bridge', () => {
  const lab = buildLab(buildHost(kvm()));
  assert.deepEqual(lab.nics.map((n) => [n.nic.mac, n.nic.targetDev, n.tap?.name ?? null, n.bridge]), [
    ['52:54:00:5e:01:03', 'vnet14', null, 'virbr0'],
    ['52:54:00:5e:01:04', 'vnet15', 'vnet15', 't5_br9'],
    ['52:54:00:5e:01:05', 'vnet16', 'vnet16', 't5_br10'],
  ]);
  assert.equal(lab.nics[1]!.nic.line, 30, 'lines come from the definition');
});

test('virtio-in-lacp-bond: both bond NICs; the override and the e1000 fixes are verified', () => {
  const [f] = runChecks(buildHost(kvm()), [virtioInLacpBond]).findings;
  assert.ok(f);
  assert.equal(f.interface, 'vnet15');
  assert.deepEqual(f.evidence.filter((e) => e.field === 'model').map((e) => `${e.file}:${e.line}`),
    ['/etc/libvirt/qemu/t5_server1.xml:30', '/etc/libvirt/qemu/t5_server1.xml:35']);
  assert.deepEqual(f.fixes.map((x) => x.verified), [true, true]);
  const fixed = parseDomainXml(f.fixes[0]!.files[0]!.content, 'fixed.xml');
  assert.deepEqual(fixed.interfaces.map((i) => [i.mac, i.alias, i.speed, i.duplex]), [
    ['52:54:00:5e:01:03', null, null, null],
    ['52:54:00:5e:01:04', 'ua-hostnet-net0', 10000, 'full'],
    ['52:54:00:5e:01:05', 'ua-hostnet-net1', 10000, 'full'],
  ]);
  assert.match(f.fixes[0]!.files[0]!.content, /<domain xmlns:qemu='http:\/\/libvirt.org\/schemas\/domain\/qemu\/1.0' type='kvm'>/);
  const e1000 = parseDomainXml(f.fixes[1]!.files[0]!.content, 'e.xml');
  assert.deepEqual(e1000.interfaces.map((i) => i.model), ['virtio', 'e1000', 'e1000']);
});

test('virtio-in-lacp-bond: nothing without an intent, or when the NICs already have speed and duplex', () => {
  const noIntent = kvm();
  noIntent.files = noIntent.files.filter((x) => x.role !== 'lab-intent');
  assert.equal(runChecks(buildHost(noIntent), [virtioInLacpBond]).findings.length, 0);
  const [f] = runChecks(buildHost(kvm()), [virtioInLacpBond]).findings;
  const after = applyFix(kvm(), f!.fixes[0]!);
  assert.equal(runChecks(buildHost(after), [virtioInLacpBond]).findings.length, 0);
});

test('l2-control-blocked: LACP for the bond and LLDP for the link, in both directions, with the seed\'s mask 255', () => {
  const snap = kvm();
  snap.interfaces.find((i) => i.name === 't5_br9')!.bridge!.groupFwdMask = 0xf8; // 255 with the refused bits dropped
  const findings = runChecks(buildHost(snap), [l2ControlBlocked]).findings;
  assert.deepEqual(findings.map((f) => f.interface), ['t5_br9', 't5_br10']);
  const br9 = findings.find((f) => f.interface === 't5_br9')!;
  assert.match(br9.message, /does not forward lacp, lldp \(t5_br9's mask 0xf8 covers 01:80:c2:00:00:00-07 only; LLDP is bit 14, 0x4000\)/);
  assert.deepEqual(br9.evidence.filter((e) => e.file).map((e) => `${e.file}:${e.line}`), ['/lab/intent.yaml:2', '/lab/intent.yaml:6']);
  assert.equal(br9.evidence.filter((e) => e.field === 'group_fwd_mask').length, 4, 'two protocols, two directions');
  const perPort = br9.fixes[0]!;
  assert.equal(perPort.verified, true);
  assert.deepEqual(perPort.commands.slice(0, 2), ['ip link set dev vnet4 type bridge_slave group_fwd_mask 0x4004', 'ip link set dev vnet15 type bridge_slave group_fwd_mask 0x4004']);
  assert.equal(perPort.files[0]!.path, '/etc/libvirt/hooks/qemu.d/hostnet-group-fwd-mask');
  assert.match(perPort.files[0]!.content, /brif\/"\*[\s\S]*\| \$2 [\s\S]*bridge_slave group_fwd_mask "\$mask"/);
  // One hook for the host: each blocked bridge with its own bits, the same file in both findings' fixes.
  assert.deepEqual(perPort.files[0]!.content.split('\n').filter((l) => l.startsWith('open_ports ')), ["open_ports 't5_br9' 0x4004", "open_ports 't5_br10' 0x4"]);
  assert.deepEqual(findings.find((f) => f.interface === 't5_br10')!.fixes[0]!.files, perPort.files);
  assert.equal(br9.fixes.some((x) => x.title.startsWith('Or open')), false, 'LACP cannot be opened at the bridge level');
  const br10 = findings.find((f) => f.interface === 't5_br10')!;
  assert.match(br10.message, /does not forward lacp:/);
});

test('l2-control-blocked: LLDP only can also be opened on the whole bridge; a kernel before 4.15 gets no per-port fix', () => {
  const intent = 'links:\n  - bridge: t5_br9\n    carries: [lldp]\n';
  const [f] = runChecks(buildHost(kvm('6.1.0', intent)), [l2ControlBlocked]).findings;
  assert.deepEqual(f!.fixes.map((x) => [x.verified, x.commands[0]]), [
    [true, 'ip link set dev vnet4 type bridge_slave group_fwd_mask 0x4000'],
    [true, 'ip link set dev t5_br9 type bridge group_fwd_mask 0x4000'],
    [false, '# libvirt: replace each end\'s <interface type=\'bridge\'> with a UDP tunnel to the other (ports are examples):'],
  ]);
  const old = runChecks(buildHost(kvm('4.4.0-210-generic')), [l2ControlBlocked]).findings;
  assert.ok(old.every((x) => !x.fixes.some((fix) => fix.commands.some((c) => c.includes('bridge_slave')))));
  // 4.4: the bridge-level LLDP bit is uncertain (restricted until 784b58a327ad), so the fix says so.
  const br9 = old.find((x) => x.interface === 't5_br9')!;
  assert.equal(br9.fixes.some((x) => x.title.startsWith('Or open')), false, 'LACP is needed too, which no bridge mask can give');
  const lldpOnly = runChecks(buildHost(kvm('4.4.0-210-generic', intent)), [l2ControlBlocked]).findings[0]!;
  assert.match(lldpOnly.fixes[0]!.title, /784b58a327ad/);
});

test('l2-control-blocked: silent once the ports let the protocols through; a bad intent is an input error with a line', () => {
  const snap = kvm();
  for (const i of snap.interfaces) if (i.bridgePort) i.bridgePort.groupFwdMask = 0x4004;
  assert.equal(runChecks(buildHost(snap), [l2ControlBlocked]).findings.length, 0);
  assert.throws(() => runChecks(buildHost(kvm(undefined, 'links:\n  - bridge: t5_br9\n    carries: [lacp, pause]\n')), [l2ControlBlocked]),
    (e: unknown) => e instanceof InputError && e.where === '/lab/intent.yaml:3');
});

test('l2-control-blocked: intent entries this host does not have are notes with their line, not silence', () => {
  const intent = `links:
  - { name: typo, bridge: t5_br99, carries: [lldp] }
  - name: gone
    ends: [{ vm: t5_server1, mac: "52:54:00:5e:01:04" }, { vm: t5_nobody, mac: "52:54:00:00:00:01" }]
    carries: [lacp]
bonds:
  - { vm: t5_server1, members: ["52:54:00:5e:01:09"] }
`;
  const notes = runChecks(buildHost(kvm(undefined, intent)), [l2ControlBlocked]).findings.filter((f) => f.severity === 'note');
  assert.deepEqual(notes.map((n) => `${n.evidence[0]!.line} ${n.message}`), [
    '2 lab intent not checked: typo: there is no bridge t5_br99 on this host',
    '3 lab intent not checked: gone: no libvirt domain t5_nobody with a NIC 52:54:00:00:00:01 was read',
    '7 lab intent not checked: t5_server1 bond0: no libvirt domain t5_server1 with a NIC 52:54:00:5e:01:09 was read',
  ]);
});

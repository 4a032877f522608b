import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explainLink, linkDeviceFromSpec, loadLinkConfigsFromFiles, persistentMac, verificationNote } from '../../src/model/link/index.js';
import { BEHAVIOUR_ROWS, KEY_ROWS, VERIFIED_VERSIONS, has } from '../../src/model/link/versions.js';
import { LINK_KEYS, MATCH_KEYS } from '../../src/model/link/keys.js';
import type { FileRecord, HostFacts } from '../../src/snapshot/schema.js';

const MACHINE_ID = '3d1219c7c4c5404aaa1f6d2a48adfda4';
const facts: HostFacts = {
  hostname: 'node1', kernelRelease: '6.1.0-18-amd64', architecture: 'x86_64', kernelCommandLine: 'quiet',
  os: { id: 'debian', versionId: '12', prettyName: null }, systemdVersion: 252, virtualization: 'kvm', machineId: MACHINE_ID,
};
const file = (path: string, content: string): FileRecord => ({ path, content, mask: null, role: null });
const load = (files: FileRecord[], version: number, f: HostFacts = facts) => loadLinkConfigsFromFiles(files, { systemdVersion: version, facts: f });
const tap = (name = 'hnt0'): ReturnType<typeof linkDeviceFromSpec> => linkDeviceFromSpec(`name=${name},kind=tun,addrAssignType=random,mac=5a:11:22:33:44:55`);

test('Property=ID_NET_DRIVER= sees the driver: set before the files are matched', () => {
  const files = [
    file('/etc/systemd/network/10-not-tun.link', '[Match]\nProperty=!ID_NET_DRIVER=tun\n[Link]\nMACAddressPolicy=none\n'),
    file('/etc/systemd/network/20-tun.link', '[Match]\nProperty=ID_NET_DRIVER=tun\n[Link]\nMACAddressPolicy=persistent\n'),
  ];
  for (const version of VERIFIED_VERSIONS) {
    const e = explainLink(load(files, version), tap(), facts);
    assert.equal(e.linkFile, '/etc/systemd/network/20-tun.link', `systemd ${version}`);
  }
  // A device whose driver is unknown has no ID_NET_DRIVER: the negation holds.
  const unknown = explainLink(load(files, 252), linkDeviceFromSpec('name=x0,addrAssignType=random'), facts);
  assert.equal(unknown.linkFile, '/etc/systemd/network/10-not-tun.link');
});

test('a rename is followed by the move pass: files matched again on the new name, Name= skipped, the final state from both', () => {
  const files = [
    file('/etc/systemd/network/10-rename.link', '[Match]\nOriginalName=hnt*\n[Link]\nName=zz0\nMACAddressPolicy=none\n'),
    file('/etc/systemd/network/30-tun.link', '[Match]\nProperty=ID_NET_DRIVER=tun\n[Link]\nMACAddressPolicy=persistent\nMTUBytes=1400\n'),
  ];
  const e = explainLink(load(files, 247), tap(), facts, { trace: true });
  assert.deepEqual(e.passes.map((p) => [p.action, p.ifname, p.linkFile]), [
    ['add', 'hnt0', '/etc/systemd/network/10-rename.link'],
    ['move', 'zz0', '/etc/systemd/network/30-tun.link'],
  ]);
  assert.equal(e.passes[0]!.macAction, 'keep');
  assert.equal(e.passes[1]!.name.reason, "Skipping to apply Name= and NamePolicy= on 'move' uevent.");
  assert.match(e.passes[1]!.trace[0]!.why, /OriginalName=hnt\* vs zz0/);
  // udevd 247 applied exactly this: "Using \"zz0\" as stable identifying information", MTU 1400.
  assert.equal(e.resultMac, persistentMac(MACHINE_ID, 'zz0'));
  assert.equal(e.macAction, 'persistent');
  assert.equal(e.name.result, 'zz0');
  assert.equal(e.mtu.result, 1400);
  assert.equal(e.linkFile, '/etc/systemd/network/30-tun.link', 'ID_NET_LINK_FILE is the last pass\'s');
});

test('the move pass keeps a MAC the add pass set (addr_assign_type 3), and there is no move without a rename', () => {
  const files = [file('/etc/systemd/network/10-rename.link', '[Match]\nOriginalName=*\n[Link]\nName=zz0\nMACAddressPolicy=persistent\n')];
  const e = explainLink(load(files, 252), tap(), facts);
  assert.equal(e.passes.length, 2);
  assert.equal(e.passes[1]!.macAction, 'keep');
  assert.match(e.passes[1]!.reason, /already set by userspace/);
  assert.equal(e.resultMac, persistentMac(MACHINE_ID, 'hnt0'), 'the add pass decided the final MAC');
  const plain = explainLink(load([file('/etc/systemd/network/10-x.link', '[Match]\nOriginalName=*\n[Link]\nMACAddressPolicy=persistent\n')], 252), tap(), facts);
  assert.equal(plain.passes.length, 1);
});

test('keys a version does not know are ignored; a file left with no match key is ignored as a whole', () => {
  const files = [
    file('/etc/systemd/network/10-kind.link', '[Match]\nKind=tun\n[Link]\nMACAddressPolicy=none\n'),
    file('/etc/systemd/network/99-all.link', '[Match]\nOriginalName=*\n[Link]\nMACAddressPolicy=persistent\n'),
  ];
  const old = load(files, 247);
  assert.ok(old.diagnostics.some((d) => d.id === 'unknown-key' && /Kind/.test(d.message)));
  assert.ok(old.skipped.some((s) => s.reason === 'empty-match' && s.path.endsWith('10-kind.link')));
  assert.equal(explainLink(old, tap(), facts).linkFile, '/etc/systemd/network/99-all.link');
  assert.equal(explainLink(load(files, 252), tap(), facts).linkFile, '/etc/systemd/network/10-kind.link');
  assert.equal(MATCH_KEYS.get('Kind'), 251);
  assert.equal(LINK_KEYS.get('TransmitQueues'), 248);
});

test('version-gated behaviours: empty OriginalName= resets from 252; userspace names renamed before 251', () => {
  const reset = [file('/etc/systemd/network/10-x.link', '[Match]\nOriginalName=hn*\nOriginalName=\nOriginalName=other0\n[Link]\nMACAddressPolicy=none\n')];
  assert.equal(explainLink(load(reset, 247), tap(), facts).linkFile, '/etc/systemd/network/10-x.link', '247 keeps hn*');
  assert.equal(explainLink(load(reset, 252), tap(), facts).linkFile, null, '252 cleared it');
  const props = [file('/etc/systemd/network/10-x.link', '[Match]\nProperty=ID_PATH=*\nProperty=\nProperty=ID_NET_DRIVER=tun\n[Link]\nMACAddressPolicy=none\n')];
  assert.equal(explainLink(load(props, 247), tap(), facts).linkFile, null, '247 still asks for ID_PATH');
  assert.equal(explainLink(load(props, 257), tap(), facts).linkFile, '/etc/systemd/network/10-x.link');
  const rename = [file('/etc/systemd/network/10-x.link', '[Match]\nOriginalName=br0\n[Link]\nName=rn0\n')];
  const userNamed = linkDeviceFromSpec('name=br0,kind=bridge,addrAssignType=random,nameAssignType=user');
  const schemeV250 = { ...facts, kernelCommandLine: 'net.naming-scheme=v250' };
  assert.equal(explainLink(load(rename, 247, schemeV250), userNamed, schemeV250).name.result, 'rn0', '247 renames it');
  assert.equal(explainLink(load(rename, 252, schemeV250), userNamed, schemeV250).name.result, 'br0', '252 with scheme v250 refuses');
  assert.equal(explainLink(load(rename, 252), userNamed, facts).name.result, 'rn0', '252 with its own scheme re-renames');
});

test('KernelCommandLine= reads PID 1\'s command line inside a container', () => {
  const files = [file('/etc/systemd/network/10-x.link', '[Match]\nKernelCommandLine=quiet\nOriginalName=*\n[Link]\nMACAddressPolicy=none\n')];
  const container: HostFacts = { ...facts, virtualization: 'docker', initCommandLine: '/sbin/init splash' };
  assert.equal(load(files, 252).configs.length, 1);
  assert.equal(load(files, 252, container).configs.length, 0, 'PID 1 has no "quiet"');
});

test('the version table: every row has evidence; unverified versions say which verified one stands in', () => {
  for (const row of [...KEY_ROWS, ...BEHAVIOUR_ROWS]) assert.ok(row.evidence.length > 10, JSON.stringify(row));
  assert.equal(verificationNote(252), null);
  assert.match(verificationNote(249)!, /udevd 247/);
  assert.match(verificationNote(255)!, /udevd 252/);
  assert.match(verificationNote(239)!, /udevd 247/);
  assert.equal(has(239, 'userspace-name-kept'), false);
  assert.equal(has(257, 'empty-list-resets'), true);
});

test('247 loses MTUBytes= with a static MACAddress= on a tun (one refused request); 252 drops the MAC and sets the MTU', () => {
  const files = [file('/etc/systemd/network/10-tun.link', '[Match]\nOriginalName=tun0\n[Link]\nMACAddressPolicy=none\nMACAddress=2a:6f:f2:40:5c:f9\nMTUBytes=1280\n')];
  const tun = linkDeviceFromSpec('name=tun0,kind=tun,type=none');
  assert.equal(explainLink(load(files, 247), tun, facts).mtu.result, null);
  assert.equal(explainLink(load(files, 252), tun, facts).mtu.result, 1280);
});

test('247 also sends a random or persistent MAC to a tun by addr_assign_type alone, and loses MTUBytes= with it', () => {
  const policy = (p: string) => [file('/etc/systemd/network/10-tun.link', `[Match]\nOriginalName=tun0\n[Link]\nMACAddressPolicy=${p}\nMTUBytes=1450\n`)];
  const tun = (assign: number) => linkDeviceFromSpec(`name=tun0,kind=tun,type=none,addrAssignType=${assign}`);
  // random on a permanent (0) address, persistent on a random (1) one: 247 generates and sends a MAC.
  assert.equal(explainLink(load(policy('random'), 247), tun(0), facts).mtu.result, null);
  assert.equal(explainLink(load(policy('persistent'), 247), tun(1), facts).mtu.result, null);
  // The policy already matches, or userspace set the address: nothing is sent, the MTU applies.
  assert.equal(explainLink(load(policy('random'), 247), tun(1), facts).mtu.result, 1450);
  assert.equal(explainLink(load(policy('persistent'), 247), tun(0), facts).mtu.result, 1450);
  assert.equal(explainLink(load(policy('random'), 247), tun(3), facts).mtu.result, 1450);
  // 252 never sets a MAC on a device without a hardware address.
  assert.equal(explainLink(load(policy('random'), 252), tun(0), facts).mtu.result, 1450);
  assert.equal(explainLink(load(policy('persistent'), 252), tun(1), facts).mtu.result, 1450);
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  explainLink, linkDeviceFromInterface, linkDeviceFromSpec, loadLinkConfigsFromFiles, newLinkDevice, persistentMac,
} from '../../src/model/link/index.js';
import { lintNetworkFiles } from '../../src/model/link/lint.js';
import { buildHost } from '../../src/model/host.js';
import type { FileRecord, HostFacts, Interface, Snapshot } from '../../src/snapshot/schema.js';

const MACHINE_ID = '3d1219c7c4c5404aaa1f6d2a48adfda4';
const facts: HostFacts = {
  hostname: 'node1', kernelRelease: '6.1.0-18-amd64', architecture: 'x86_64', kernelCommandLine: 'quiet root=/dev/vda1',
  os: { id: 'debian', versionId: '12', prettyName: null }, systemdVersion: 252, virtualization: 'kvm', machineId: MACHINE_ID,
};
const fixture = (p: string): string => readFileSync(new URL(`../fixtures/link/${p}`, import.meta.url), 'utf8');
const DEBIAN: FileRecord[] = [
  { path: '/usr/lib/systemd/network/99-default.link', content: fixture('debian-12/99-default.link'), mask: null, role: null },
  { path: '/usr/lib/systemd/network/73-usb-net-by-mac.link', content: fixture('debian-12/73-usb-net-by-mac.link'), mask: null, role: null },
];
const file = (path: string, content: string | null, mask: FileRecord['mask'] = null): FileRecord => ({ path, content, mask, role: null });
const load = (files: FileRecord[], version = 252, f: HostFacts = facts) => loadLinkConfigsFromFiles(files, { systemdVersion: version, facts: f });
const tap = (extra = ''): ReturnType<typeof linkDeviceFromSpec> => linkDeviceFromSpec(`name=ens2f0,kind=tun,addrAssignType=random,mac=5a:11:22:33:44:55${extra}`);

test('Debian 12 defaults: a fresh tap gets the persistent MAC from 99-default.link line 20', () => {
  const e = explainLink(load(DEBIAN), tap(), facts, { trace: true });
  assert.equal(e.linkFile, '/usr/lib/systemd/network/99-default.link');
  assert.equal(e.macAction, 'persistent');
  assert.equal(e.resultMac, '0e:0a:2a:d5:cf:1c');
  assert.deepEqual(e.macAddressPolicySource, { file: '/usr/lib/systemd/network/99-default.link', line: 20 });
  assert.equal(e.stableName, 'ens2f0');
  assert.deepEqual(e.trace.map((x) => x.matched), [false, true], '73-usb-net-by-mac.link is tried first and does not match');
});

test('the MAC decision follows addr_assign_type and the policy (link_generate_new_hw_addr)', () => {
  const set = (policy: string) => load([file('/etc/systemd/network/10-x.link', `[Match]\nOriginalName=*\n[Link]\nMACAddressPolicy=${policy}\n`)]);
  const cases: [string, string, string, RegExp][] = [
    ['persistent', 'random', 'persistent', /Applying persistent MAC/],
    ['persistent', 'perm', 'keep', /already matches policy "persistent"/],
    ['persistent', 'set', 'keep', /already set by userspace/],
    ['persistent', 'stolen', 'keep', /based on another device/],
    ['random', 'perm', 'random', /random/],
    ['random', 'random', 'keep', /already matches policy "random"/],
    ['none', 'random', 'keep', /Using static MAC address/],
    ['', 'random', 'keep', /Using static MAC address/],
  ];
  for (const [policy, assign, action, reason] of cases) {
    const e = explainLink(set(policy), tap(`,addrAssignType=${assign}`), facts);
    assert.equal(e.macAction, action, `${policy}/${assign}`);
    assert.match(e.reason, reason, `${policy}/${assign}`);
    assert.equal(e.resultMac, action === 'random' ? null : action === 'keep' ? '5a:11:22:33:44:55' : persistentMac(MACHINE_ID, 'ens2f0'));
  }
});

test('only Ethernet and InfiniBand are affected; loopback is never configured; no file means keep', () => {
  const set = load(DEBIAN);
  const tun = explainLink(set, linkDeviceFromSpec('name=tun0,kind=tun,type=none,addrAssignType=perm'), facts);
  assert.equal(tun.macAction, 'keep');
  assert.match(tun.reason, /no hardware address/);
  const lo = explainLink(set, linkDeviceFromSpec('name=lo,type=loopback'), facts);
  assert.equal(lo.linkFile, null);
  assert.match(lo.reason, /loopback/);
  const none = explainLink(load([]), tap(), facts);
  assert.equal(none.linkFile, null);
  assert.equal(none.macAction, 'keep');
});

test('ID_NET_NAME_* wins over the interface name as the stable name, in udevd\'s order', () => {
  const e = explainLink(load(DEBIAN), tap(',ID_NET_NAME_MAC=enx5a1122334455,ID_NET_NAME_PATH=enp3s0f0'), facts);
  assert.equal(e.stableName, 'enp3s0f0');
  assert.equal(e.resultMac, persistentMac(MACHINE_ID, 'enp3s0f0'));
  const old = explainLink(load(DEBIAN, 240), tap(), facts);
  assert.equal(old.macAction, 'keep', 'before stable virtual MACs there is no name to hash');
  assert.match(old.reason, /Could not generate persistent MAC address/);
});

test('static MACAddress=: applied with policy none, multicast bit cleared, ignored with persistent', () => {
  const s = load([file('/run/systemd/network/10-x.link', '[Match]\nKind=tun\n[Link]\nMACAddressPolicy=none\nMACAddress=03:00:00:00:00:01\n')]);
  const e = explainLink(s, tap(), facts);
  assert.equal(e.macAction, 'static');
  assert.equal(e.resultMac, '02:00:00:00:00:01');
  const p = load([file('/run/systemd/network/10-x.link', '[Match]\nKind=tun\n[Link]\nMACAddressPolicy=persistent\nMACAddress=02:00:00:00:00:01\n')]);
  assert.ok(p.diagnostics.some((d) => d.id === 'mac-ignored' && d.line === 5));
  assert.equal(explainLink(p, tap(), facts).macAction, 'persistent');
});

test('precedence: /etc hides /usr/lib by name; masks; lexical order across directories', () => {
  const files = [
    ...DEBIAN,
    file('/etc/systemd/network/99-default.link', null, 'dev-null'),
    file('/run/systemd/network/50-tun.link', '[Match]\nDriver=tun\n[Link]\nMACAddressPolicy=none\n'),
    file('/usr/lib/systemd/network/50-tun.link', '[Match]\nDriver=tun\n[Link]\nMACAddressPolicy=random\n'),
    file('/usr/local/lib/systemd/network/40-empty.link', '', 'empty'),
  ];
  const set = load(files);
  assert.deepEqual(set.configs.map((c) => c.path), ['/run/systemd/network/50-tun.link', '/usr/lib/systemd/network/73-usb-net-by-mac.link']);
  assert.deepEqual(set.skipped.map((s) => `${s.reason} ${s.path}`).sort(), [
    'masked /etc/systemd/network/99-default.link',
    'masked /usr/local/lib/systemd/network/40-empty.link',
    'overridden /usr/lib/systemd/network/50-tun.link',
    'overridden /usr/lib/systemd/network/99-default.link',
  ]);
  assert.equal(explainLink(set, tap(), facts).macAction, 'keep');
});

test('drop-ins: all directories, same name overrides, applied in name order after the main file', () => {
  const files = [
    ...DEBIAN,
    file('/usr/lib/systemd/network/99-default.link.d/20-a.conf', '[Link]\nMACAddressPolicy=random\n'),
    file('/etc/systemd/network/99-default.link.d/10-mac.conf', '[Link]\nMACAddressPolicy=none\n'),
    file('/run/systemd/network/99-default.link.d/30-b.conf', '[Link]\nMTUBytes=1400\n'),
    file('/usr/lib/systemd/network/99-default.link.d/10-mac.conf', '[Link]\nMACAddressPolicy=random\n'),
  ];
  const set = load(files);
  const e = explainLink(set, tap(), facts);
  assert.deepEqual(e.dropins, [
    '/etc/systemd/network/99-default.link.d/10-mac.conf',
    '/usr/lib/systemd/network/99-default.link.d/20-a.conf',
    '/run/systemd/network/99-default.link.d/30-b.conf',
  ]);
  assert.equal(e.macAddressPolicy, 'random', '20-a.conf comes after 10-mac.conf');
  assert.deepEqual(e.macAddressPolicySource, { file: '/usr/lib/systemd/network/99-default.link.d/20-a.conf', line: 2 });
  assert.equal(e.mtu.result, 1400);
  assert.equal(load(files, 247).configs.find((c) => c.path.endsWith('99-default.link'))?.dropins.length, 0, 'no drop-ins before 248');
});

test('an empty or missing [Match] is ignored from v245 (and matched everything before)', () => {
  for (const text of ['[Link]\nMACAddressPolicy=none\n', '[Match]\n[Link]\nMACAddressPolicy=none\n', '[Match]\nOriginalName=*\nOriginalName=\n[Link]\nMACAddressPolicy=none\n']) {
    const files = [...DEBIAN, file('/etc/systemd/network/10-all.link', text)];
    const set = load(files);
    assert.equal(set.skipped.find((s) => s.path.endsWith('10-all.link'))?.reason, 'empty-match');
    assert.match(set.skipped.find((s) => s.reason === 'empty-match')!.message, /To match all interfaces, add OriginalName=\*/);
    assert.equal(explainLink(set, tap(), facts).linkFile, '/usr/lib/systemd/network/99-default.link');
    assert.equal(explainLink(load(files, 244), tap(), facts).linkFile, '/etc/systemd/network/10-all.link');
  }
});

test('version-aware keys: Kind= is unknown to 249, so a Kind-only [Match] is empty there', () => {
  const files = [file('/etc/systemd/network/10-tun.link', '[Match]\nKind=tun\n[Link]\nMACAddressPolicy=none\n')];
  assert.equal(explainLink(load(files, 252), tap(), facts).linkFile, '/etc/systemd/network/10-tun.link');
  const old = load(files, 249);
  assert.equal(explainLink(old, tap(), facts).linkFile, null);
  assert.ok(old.diagnostics.some((d) => d.id === 'unknown-key' && /Kind/.test(d.message)));
});

test('[Match] semantics: negation of the whole list, globs, properties, exact MAC sets, permanent MACs', () => {
  const m = (match: string): string | null => explainLink(load([file('/etc/systemd/network/10-x.link', `[Match]\n${match}\n[Link]\nMACAddressPolicy=none\n`)]), tap(',DEVTYPE_X=1'), facts).linkFile;
  assert.ok(m('OriginalName=ens*'));
  assert.equal(m('OriginalName=!ens* eth*'), null, '! negates every word');
  assert.ok(m('OriginalName=!eth* wl*'));
  assert.ok(m('Driver=tun'));
  assert.equal(m('Driver=veth'), null);
  assert.ok(m('Type=ether'));
  assert.equal(m('Type=!ether'), null);
  assert.ok(m('MACAddress=5A:11:22:33:44:55 00:00:00:00:00:01'));
  assert.equal(m('MACAddress=5a:11:22:33:44:5'), null);
  assert.equal(m('PermanentMACAddress=5a:11:22:33:44:55'), null, 'a tap has no permanent address');
  assert.ok(m('Property=INTERFACE=ens* SUBSYSTEM=net ACTION=add'));
  assert.equal(m('Property=!ACTION=add'), null);
  assert.ok(m('Kind=t?n\nKind=veth'), 'lists append');
  assert.equal(m('Kind=veth\nKind=\nDriver=bridge'), null, 'an empty value resets, the rest still applies');
  assert.ok(m('Host=node1\nVirtualization=vm\nArchitecture=x86-64\nKernelCommandLine=quiet\nKernelVersion=>=6.1'));
  assert.equal(m('OriginalName=*\nVirtualization=container'), null);
  assert.equal(m('OriginalName=*\nHost=!node1'), null);
  assert.equal(m('OriginalName=*\nArchitecture=bogus'), null, 'a condition that cannot be evaluated fails');
  assert.equal(m('OriginalName=*\nCredential=foo'), null, 'udevd has no credentials');
  assert.ok(m('OriginalName=*\nCredential=!foo'));
  assert.ok(m('OriginalName=*\nFirmware=device-tree'), 'unknowable from a snapshot: assumed to hold, with a note');
});

test('a live interface: the ethtool driver comes from the kind, the permanent address only from type 0', () => {
  const iface = (over: Partial<Interface>): Interface => ({
    index: 5, name: 'veth0', kind: 'veth', kindData: {}, link: null, linkNetns: false, master: null, slaveKind: null, linkType: 'ether',
    arphrdType: 1, devtype: null, mac: '5a:11:22:33:44:55', permaddr: null, addrAssignType: 1, nameAssignType: null, mtu: 1500, flags: ['BROADCAST'],
    operstate: 'down', promiscuity: 0, driver: null, devicePath: null, parentBus: null, speed: null, duplex: null, numTxQueues: 1,
    numRxQueues: 1, udev: null, bridge: null, bridgePort: null, addresses: [], ...over,
  });
  const snapshot = { interfaces: [], routes: [], files: [], host: facts } as unknown as Snapshot;
  const host = buildHost(snapshot);
  const veth = linkDeviceFromInterface(host, iface({}));
  assert.equal(veth.driver, 'veth');
  assert.equal(veth.permanentMac, null);
  assert.equal(veth.properties.DEVPATH, '/devices/virtual/net/veth0');
  const nic = linkDeviceFromInterface(host, iface({ name: 'ens3', kind: null, driver: 'virtio_net', addrAssignType: 0, devicePath: '/sys/devices/pci0000:00/0000:00:03.0/virtio0', udev: { ID_NET_DRIVER: 'virtio_net', ID_NET_LINK_FILE: '/x', ID_PATH: 'pci-0000:00:03.0' } }));
  assert.equal(nic.driver, 'virtio_net');
  assert.equal(nic.permanentMac, '5a:11:22:33:44:55');
  assert.equal(nic.properties.ID_PATH, 'pci-0000:00:03.0');
  assert.equal(nic.properties.ID_NET_LINK_FILE, undefined, 'set by net_setup_link itself, not there when it matches');
  assert.equal(nic.properties.DEVPATH, '/devices/pci0000:00/0000:00:03.0/virtio0/net/ens3');
});

test('Ubuntu 22.04 (249): /lib/systemd/network/99-default.link applies and makes a tap persistent', () => {
  const files = [file('/lib/systemd/network/99-default.link', fixture('ubuntu-22.04/99-default.link'))];
  const e = explainLink(load(files, 249), tap(), facts);
  assert.equal(e.linkFile, '/lib/systemd/network/99-default.link');
  assert.equal(e.macAction, 'persistent');
  assert.equal(e.resultMac, '0e:0a:2a:d5:cf:1c');
});

test('NamePolicy/Name: policies in order, Name= as the fallback', () => {
  const s = load([file('/etc/systemd/network/10-x.link', '[Match]\nOriginalName=*\n[Link]\nNamePolicy=kernel keep path\nName=fallback0\n')]);
  assert.equal(explainLink(s, tap(',ID_NET_NAME_PATH=enp3s0'), facts).name.result, 'enp3s0');
  assert.equal(explainLink(s, tap(',nameAssignType=user'), facts).name.result, 'ens2f0');
  assert.equal(explainLink(s, tap(',nameAssignType=predictable'), facts).name.reason, 'Policy *kernel*: keeping predictable kernel name');
  assert.equal(explainLink(s, tap(), facts).name.result, 'fallback0');
  const off = { ...facts, kernelCommandLine: 'net.ifnames=0' };
  assert.equal(explainLink(s, tap(',ID_NET_NAME_PATH=enp3s0'), off).name.result, 'fallback0');
});

test('linkDeviceFromSpec rejects what it cannot read', () => {
  assert.throws(() => linkDeviceFromSpec('driver=tun'), /name= is required/);
  assert.throws(() => linkDeviceFromSpec('name=a,bogus=1'), /unknown key/);
  assert.throws(() => linkDeviceFromSpec('name=a,addrAssignType=maybe'), /addrAssignType/);
  assert.throws(() => linkDeviceFromSpec('name=a,mac=zz'), /hardware address/);
  // The object form gives the same device as the string form.
  assert.deepEqual(newLinkDevice({ name: 'ens2f0', kind: 'tun', addrAssignType: 'random', mac: '5A:11:22:33:44:55', properties: { ID_PATH: 'x' } }),
    linkDeviceFromSpec('name=ens2f0,kind=tun,addrAssignType=random,mac=5a:11:22:33:44:55,ID_PATH=x'));
});

test('lint: unknown keys, invalid values, never-matching and shadowed files, .link keys in .network', () => {
  const d = lintNetworkFiles([
    { path: 'net/10-all.link', text: '[Match]\nOriginalName=*\n[Link]\nMACAddressPolicy=perisistent\nBogus=1\n' },
    { path: 'net/20-tap.link', text: '[Match]\nOriginalName=tap0\n[Link]\nMACAddressPolicy=none\n' },
    { path: 'net/30-never.link', text: '[Match]\nDriver=!*\n[Link]\nMTUBytes=5G\n' },
    { path: 'net/40-empty.link', text: '[Link]\nMACAddressPolicy=none\n' },
    { path: 'net/50-uplink.network', text: '[Match]\nName=ens2f0\n[Link]\nMACAddressPolicy=none\n' },
  ], 252);
  assert.deepEqual(d.map((x) => `${x.file}:${x.line} ${x.id}`), [
    'net/10-all.link:4 invalid-value',
    'net/10-all.link:5 unknown-key',
    'net/20-tap.link:1 shadowed',
    'net/30-never.link:1 never-matches',
    'net/30-never.link:4 invalid-value',
    'net/40-empty.link:1 empty-match',
    'net/50-uplink.network:4 link-key-in-network',
  ]);
  // The same file in two trees (an override), and Debian's defaults, are not problems.
  const defaults = fixture('debian-12/99-default.link');
  assert.deepEqual(lintNetworkFiles([{ path: 'a/99-default.link', text: defaults }, { path: 'b/99-default.link', text: defaults },
    { path: 'a/73-usb-net-by-mac.link', text: fixture('debian-12/73-usb-net-by-mac.link') }], 252), []);
});

test('a macvlan cannot take its lower device\'s address: the kernel refuses, the MAC and MTU stay', () => {
  const iface = (name: string, kind: string | null, mac: string, link: string | null): Interface => ({
    index: 1, name, kind, kindData: {}, link, linkNetns: false, master: null, slaveKind: null, linkType: 'ether', arphrdType: 1,
    devtype: null, mac, permaddr: null, addrAssignType: 1, nameAssignType: null, mtu: 1500, flags: [], operstate: null, promiscuity: 0, driver: null,
    devicePath: null, parentBus: null, speed: null, duplex: null, numTxQueues: 1, numRxQueues: 1, udev: null, bridge: null,
    bridgePort: null, addresses: [],
  });
  const snapshot = { interfaces: [iface('lw0', 'veth', '02:00:00:00:00:01', null), iface('mv0', 'macvlan', '5a:00:00:00:00:02', 'lw0')], routes: [], files: [], host: facts } as unknown as Snapshot;
  const host = buildHost(snapshot);
  const set = load([file('/etc/systemd/network/10-x.link', '[Match]\nKind=macvlan\n[Link]\nMACAddressPolicy=none\nMACAddress=02:00:00:00:00:01\nMTUBytes=1400\n')]);
  const e = explainLink(set, linkDeviceFromInterface(host, host.interface('mv0')!), facts);
  assert.equal(e.macAction, 'keep');
  assert.equal(e.resultMac, '5a:00:00:00:00:02');
  assert.match(e.reason, /Address already in use/);
  assert.equal(e.mtu.result, null);
});

test('the compiled matcher and the kind/driver/type index agree with the plain [Match] test', async () => {
  const fc = (await import('fast-check')).default;
  const { compileMatch, matchesDevice, candidateConfigs, firstMatchingConfig } = await import('../../src/model/link/compiled.js');
  const { firstMismatch, deviceTypeString } = await import('../../src/model/link/index.js');
  const glob = fc.constantFrom('*', 'tap*', 'tap0', 'ens?f0', '[te]*', '[!t]*', '?ap*', 'veth', 'tun', 'bridge', 'ether', 'none', 'virtio_net', 'v*', 'x', '\\*', '\\t*', 'pci-*', 'e[a-n]s*', '');
  const list = fc.array(fc.tuple(fc.boolean(), glob).map(([neg, g]) => (neg ? `!${g}` : g)), { maxLength: 3 });
  const matchArb = fc.record({
    macAddress: fc.option(fc.array(fc.constantFrom('5a:11:22:33:44:55', '02:00:00:00:00:01'), { maxLength: 2 }), { nil: null }),
    permanentMacAddress: fc.option(fc.array(fc.constantFrom('5a:11:22:33:44:55'), { maxLength: 1 }), { nil: null }),
    path: list, driver: list, type: list, kind: list, originalName: list,
    property: fc.array(fc.constantFrom('INTERFACE=tap*', '!DEVTYPE=*', 'ID_PATH=pci-*', '!ACTION=add', 'SUBSYSTEM=net'), { maxLength: 2 }),
  });
  const deviceArb = fc.record({
    name: fc.constantFrom('tap0', 'ens2f0', 'veth1', 'x', '*', 'e'),
    kind: fc.constantFrom('tun', 'veth', 'bridge', null),
    driver: fc.constantFrom('tun', 'veth', 'virtio_net', null),
    type: fc.constantFrom('ether', 'none'),
    devtype: fc.constantFrom('bridge', null),
    mac: fc.constantFrom('5a:11:22:33:44:55', '02:00:00:00:00:01', null),
    perm: fc.constantFrom('5a:11:22:33:44:55', null),
    path: fc.constantFrom('pci-0000:00:03.0', undefined),
  }).map((d) => {
    const dev = linkDeviceFromSpec(`name=${d.name},type=${d.type}${d.kind ? `,kind=${d.kind}` : ''}${d.driver ? `,driver=${d.driver}` : ''}${d.mac ? `,mac=${d.mac}` : ''}${d.perm ? `,permaddr=${d.perm}` : ''}${d.path ? `,ID_PATH=${d.path}` : ''}`);
    return { ...dev, devtype: d.devtype, driver: d.driver };
  });
  fc.assert(fc.property(fc.array(matchArb, { minLength: 1, maxLength: 6 }), deviceArb, (matches, device) => {
    const configs = matches.map((match) => ({ match }));
    const type = deviceTypeString(device);
    const candidates = candidateConfigs(configs, device, type);
    for (const c of configs) {
      const plain = firstMismatch(c.match, device) === null;
      assert.equal(matchesDevice(compileMatch(c.match), device, type), plain);
      if (plain) assert.ok(candidates.some((x) => x.config === c), 'the index never drops a matching file');
    }
    for (let i = 1; i < candidates.length; i++) {
      assert.ok(configs.indexOf(candidates[i - 1]!.config) < configs.indexOf(candidates[i]!.config), 'the index keeps the files in order');
    }
    assert.equal(firstMatchingConfig(configs, device, type), configs.find((c) => firstMismatch(c.match, device) === null) ?? null, 'the indexed search finds the first matching file');
  }), { numRuns: 3000 });
});

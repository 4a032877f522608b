// `hostnet collect --from`: support bundles laid out as sos, calicovppctl and plain captures write
// them (test/fixtures/bundles/README.md cites the layouts), read as directories and as tarballs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { commandFromFileName, ipCommand, isDetailed, isJsonOption, parseEthtoolSettings, udevByIfindex } from '../../src/collect/bundle/captures.js';
import { sysctlsFromText } from '../../src/collect/sysctls.js';
import { parseSnapshot } from '../../src/snapshot/load.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { hostnet, requireTools } from '../helpers/system.js';

const FIXTURES = new URL('../fixtures/bundles/', import.meta.url).pathname;
const SOS = 'sosreport-server1-2026-12-04-qkzvtmb';
const EXPORT = 'calico-vpp-export-2841937605';
const MUST_GATHER = 'must-gather.local.5218336571';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'hostnet-bundle-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function collectFrom(path: string, ...more: string[]): Snapshot {
  const r = hostnet(['collect', '--from', path, ...more]);
  assert.equal(r.code, 0, r.stderr);
  return parseSnapshot(r.stdout, path);
}

test('a sosreport directory: links from ip -d address, drivers from ethtool, the udev database, bonding, host facts, gaps', () => {
  const snap = collectFrom(join(FIXTURES, SOS));
  const byName = new Map(snap.interfaces.map((i) => [i.name, i]));
  assert.deepEqual([...byName.keys()], ['lo', 'ens3', 'ens4', 'ens5', 'bond0']);
  assert.equal(byName.get('bond0')!.kind, 'bond');
  assert.equal(byName.get('bond0')!.kindData.mode, '802.3ad');
  assert.equal(byName.get('bond0')!.devtype, 'bond');
  for (const port of ['ens4', 'ens5']) {
    const i = byName.get(port)!;
    assert.deepEqual([i.master, i.slaveKind, i.driver, i.speed, i.duplex, i.parentBus], ['bond0', 'bond', 'virtio_net', null, 'unknown', 'virtio']);
    assert.equal(i.udev?.ID_NET_LINK_FILE, '/usr/lib/systemd/network/99-default.link');
    assert.equal(i.udev?.IFINDEX, undefined, 'uevent keys are not database properties');
  }
  assert.equal(byName.get('ens5')!.permaddr, '52:54:00:5e:01:05');
  assert.deepEqual(byName.get('bond0')!.addresses.map((a) => `${a.local}/${a.prefixlen}`), ['10.10.0.11/24', 'fe80::5054:ff:fe5e:104/64']);
  assert.equal(snap.routes.filter((r) => r.family === 'inet' && r.table === 'main').length, 3);
  assert.equal(snap.routes.filter((r) => r.family === 'inet6').length, 4);
  assert.deepEqual(snap.files.map((f) => f.path), ['/proc/net/bonding/bond0']);
  assert.deepEqual([snap.host.hostname, snap.host.kernelRelease, snap.host.architecture, snap.host.systemdVersion, snap.host.os.id, snap.host.machineId],
    ['server1', '6.1.0-18-amd64', 'x86_64', 252, 'debian', '5d1f0e3a9c7b4e21a8f6d2c4b0e9a713']);
  assert.deepEqual(snap.gaps.map((g) => g.source).sort(), ['/sys/class/net/*/addr_assign_type', '/usr/lib/systemd/network']);
  // sysctl -a: the net. lines only, tabs inside a value kept.
  assert.equal(snap.sysctls?.['net.ipv4.conf.bond0.arp_ignore'], '0');
  assert.equal(snap.sysctls?.['net.ipv4.tcp_rmem'], '4096\t131072\t6291456');
  assert.ok(Object.keys(snap.sysctls ?? {}).every((k) => k.startsWith('net.')));
  assert.equal(snap.scope.root, join(FIXTURES, SOS));
  assert.equal(hostnet(['collect', '--from', join(FIXTURES, SOS), '--node', 'server1']).code, 0, 'its own name is no mistake');
  const other = hostnet(['collect', '--from', join(FIXTURES, SOS), '--node', 'server2']);
  assert.equal(other.code, 2);
  assert.match(other.stderr, /--node "server2": this sosreport holds one host, server1/);
});

test('the same sosreport as .tar.xz and .tar.gz gives the same snapshot; check --snapshot reads a bundle too', (t) => {
  if (!requireTools(t, ['tar', 'xz', 'gzip'], ['tar', 'xz-utils', 'gzip'])) return;
  const dir = tempDir(t);
  const fromDir = collectFrom(join(FIXTURES, SOS));
  for (const [ext, flag] of [['tar.xz', '-J'], ['tar.gz', '-z']] as const) {
    const tarball = join(dir, `${SOS}.${ext}`);
    const tar = spawnSync('tar', ['-c', flag, '-f', tarball, '-C', FIXTURES, SOS]);
    assert.equal(tar.status, 0, String(tar.stderr));
    const fromTar = collectFrom(tarball);
    assert.deepEqual({ ...fromTar, collectedAt: '', scope: null }, { ...fromDir, collectedAt: '', scope: null }, ext);
    const check = hostnet(['check', '--snapshot', tarball, '--format', 'json']);
    assert.equal(check.code, 1, check.stderr);
    const report = JSON.parse(check.stdout) as { findings: { ruleId: string }[]; source: string };
    assert.deepEqual([...new Set(report.findings.map((f) => f.ruleId))].sort(), ['bond/no-lacp-partner', 'bond/speed-duplex-unknown']);
  }
});

test('a calicovppctl export: one node chosen, its vppctl outputs recorded, a failed command and the Linux side as gaps', () => {
  const path = join(FIXTURES, EXPORT);
  const several = hostnet(['collect', '--from', path]);
  assert.equal(several.code, 2);
  assert.equal(several.stderr.trim().split('\n').length, 1, several.stderr);
  assert.match(several.stderr, /holds 2 nodes \(worker-1, worker-2\): say which with --node NAME/);
  const unknown = hostnet(['collect', '--from', path, '--node', 'worker-3']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no node "worker-3" in this calicovppctl export; it holds worker-1, worker-2/);

  const snap = collectFrom(path, '--node', 'worker-1');
  assert.deepEqual(snap.commands.map((c) => c.argv.join(' ')), ['vppctl show hardware-interfaces', 'vppctl show runtime']);
  assert.match(snap.commands[0]!.stdout, /40:a6:b7:3c:1e:50/);
  assert.deepEqual(snap.files.map((f) => [f.path.slice(path.length), f.role]), [['/20261204-101533-calico-vpp-config.configmap.yaml', 'calico-vpp-config']]);
  assert.equal(snap.interfaces.length, 0);
  assert.ok(snap.gaps.some((g) => g.source === 'vppctl show errors' && g.reason === 'failed' && /timed out/.test(g.detail)));
  assert.ok(snap.gaps.some((g) => g.source === 'ip -d address' && /VPP only/.test(g.detail)));
  assert.equal(snap.host.hostname, 'worker-1');
});

test('a must-gather: one node\'s facts from its Node object, the files of its rendered MachineConfig, shown at their line there', (t) => {
  const path = join(FIXTURES, MUST_GATHER);
  const several = hostnet(['collect', '--from', path]);
  assert.equal(several.code, 2);
  assert.match(several.stderr, /holds 2 nodes \(worker-0, worker-1\): say which with --node NAME/);
  const snap = collectFrom(path, '--node', 'worker-1');
  assert.deepEqual([snap.host.hostname, snap.host.kernelRelease, snap.host.architecture, snap.host.machineId],
    ['worker-1', '5.14.0-427.40.1.el9_4.x86_64', 'x86_64', '3d1219c7c4c5404aaa1f6d2a48adfda1']);
  assert.deepEqual(snap.files.map((f) => f.path), ['/etc/systemd/network/10-hostnet-keep-mac-tun.link', '/etc/systemd/network/20-e810-jumbo.link'],
    'the kubelet file of the MachineConfig is not one hostnet reads');
  assert.deepEqual(snap.gaps.map((g) => g.source), ['ip -d address', '/usr/lib/systemd/network']);
  assert.equal(collectFrom(path, '--node', 'worker-1', '--redact').host.machineId, null);
  const check = hostnet(['check', '--snapshot', path.replace(/\/$/, '')]);
  assert.equal(check.code, 2, 'several nodes: check cannot choose either');
  assert.match(check.stderr, /make a snapshot of one with `hostnet collect --from .* --node NAME -o FILE`/);
  const saved = join(tempDir(t), 'worker-1.json');
  assert.equal(hostnet(['collect', '--from', path, '--node', 'worker-1', '-o', saved]).code, 0);
  const r = hostnet(['check', '--snapshot', saved]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /rendered-worker-8c1f5e0a3b2d4c6e\.yaml:31 \(\/etc\/systemd\/network\/20-e810-jumbo\.link:7\): Failed to parse MTU value '9000x'/);
});

test('a directory of captures with a copy of sysfs: the sysfs facts come from the copy', (t) => {
  const dir = tempDir(t);
  copyFileSync(join(FIXTURES, SOS, 'sos_commands/networking/ip_-d_address'), join(dir, 'ip_-d_address.txt'));
  const sys = join(dir, 'sys/class/net/ens4');
  mkdirSync(join(sys, 'device'), { recursive: true });
  writeFileSync(join(sys, 'addr_assign_type'), '3\n');
  writeFileSync(join(sys, 'name_assign_type'), '4\n');
  writeFileSync(join(sys, 'speed'), '-1\n');
  writeFileSync(join(sys, 'uevent'), 'INTERFACE=ens4\nIFINDEX=3\n');
  symlinkSync('../../../../bus/virtio/drivers/virtio_net', join(sys, 'device/driver'));
  const snap = collectFrom(dir);
  const ens4 = snap.interfaces.find((i) => i.name === 'ens4')!;
  assert.deepEqual([ens4.addrAssignType, ens4.nameAssignType, ens4.speed, ens4.devtype, ens4.driver], [3, 4, null, null, 'virtio_net']);
  assert.equal(snap.interfaces.find((i) => i.name === 'ens5')!.addrAssignType, null, 'not in the copy: unknown');
  assert.ok(!snap.gaps.some((g) => g.source === '/sys/class/net/*/addr_assign_type'));
  assert.deepEqual(snap.gaps.map((g) => g.source).sort(), ['/usr/lib/systemd/network', 'ethtool -i', 'ip -6 route show table all', 'ip route show table all', 'sysctl -a', 'systemd version', 'udevadm info --export-db']);
});

test('what is not a bundle is one line and exit 2', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'notes.txt'), 'nothing here\n');
  for (const path of [dir, join(dir, 'missing'), join(dir, 'notes.txt')]) {
    const r = hostnet(['collect', '--from', path]);
    assert.equal(r.code, 2, `${path}: ${r.stdout}`);
    assert.match(r.stderr.split('\n')[0]!, new RegExp(`^hostnet: ${path.replace(/[/.]/g, '\\$&')}: `));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  // Where only a snapshot file is taken, a bundle is pointed to collect --from.
  const show = hostnet(['snapshot', 'show', join(FIXTURES, SOS)]);
  assert.equal(show.code, 2);
  assert.match(show.stderr, /hint: a support bundle .* is read with `hostnet collect --from PATH -o FILE`/);
  const both = hostnet(['collect', '--from', dir, '--netns', 'x']);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--from cannot be combined with --netns/);
});

/** sos's own rule for a command's file name (sos/report/plugins/__init__.py _mangle_command). */
function sosName(command: string): string {
  return command.replace(/^\/(usr\/|)(bin|sbin)\//, '').replace(/[^\w\-./]+/g, '_').replace(/\//g, '.').replace(/^[ ._-]+|[ ._-]+$/g, '');
}

test('property: an ip command named as sos names it is recognised: object, JSON, details', () => {
  const word = (full: string) => fc.integer({ min: 1, max: full.length }).map((n) => full.slice(0, n));
  fc.assert(fc.property(
    fc.subarray(['-s', '-d', '-j', '-4', '-6', '-details', '-json', '-stats']),
    fc.constantFrom('address', 'link', 'route').chain((o) => word(o).map((w) => [o, w] as const)),
    fc.constantFrom('', ' show', ' show table all'),
    (options, [object, abbreviated], tail) => {
      const command = `/usr/sbin/ip ${options.join(' ')} ${abbreviated}${tail}`.replace(/ +/g, ' ');
      const ip = ipCommand(commandFromFileName(sosName(command)));
      // ip reads a one-letter `l` as link (not list); every prefix of address, link and route is theirs.
      assert.ok(ip, command);
      assert.equal(ip.object, object, command);
      assert.equal(isJsonOption(ip.options), options.some((o) => o === '-j' || o === '-json'), command);
      assert.equal(isDetailed(ip.options), options.some((o) => o === '-d' || o === '-details'), command);
    }), { numRuns: 300 });
  assert.equal(ipCommand(commandFromFileName(sosName('ip netns exec ns1 ip -d address'))), null, 'a namespace\'s capture is not the host\'s');
  assert.equal(ipCommand(commandFromFileName(sosName('ip -o addr'))), null, 'one-line output is another format');
});

test('ethtool settings and the udev database as captured', () => {
  assert.deepEqual(parseEthtoolSettings('Settings for eth0:\n\tSpeed: 25000Mb/s\n\tDuplex: Full\n'), { speed: 25000, duplex: 'full' });
  assert.deepEqual(parseEthtoolSettings('\tSpeed: Unknown!\n\tDuplex: Unknown! (255)\n'), { speed: null, duplex: 'unknown' });
  assert.deepEqual(parseEthtoolSettings('Cannot get device settings: No such device\n'), { speed: null, duplex: null });
  const db = udevByIfindex('P: /devices/virtual/net/ifb0\nE: SUBSYSTEM=net\nE: INTERFACE=ifb0\nE: IFINDEX=2\n\nP: /devices/x/net/eth0\nE: SUBSYSTEM=net\nE: INTERFACE=eth0\nE: IFINDEX=4\nE: USEC_INITIALIZED=1\nE: ID_NET_DRIVER=virtio_net\n');
  assert.deepEqual(db.get(2), { name: 'ifb0', db: null, devtype: null }, 'not handled by udevd: no database entry');
  assert.deepEqual(db.get(4), { name: 'eth0', db: { ID_NET_DRIVER: 'virtio_net' }, devtype: null });
});

test('property: sysctl -a text reads back as the net. names and values it prints, other lines ignored', () => {
  const part = fc.stringMatching(/^[a-z0-9_/-]{1,12}$/);
  const value = fc.stringMatching(/^[0-9a-z:]{0,8}(\t[0-9]{1,6}){0,2}$/);
  fc.assert(fc.property(fc.dictionary(fc.array(part, { minLength: 1, maxLength: 4 }).map((p) => ['net', ...p].join('.')), value),
    fc.array(fc.tuple(fc.constantFrom('kernel', 'vm', 'fs'), part, value)), (net, other) => {
      const lines = [...Object.entries(net).map(([k, v]) => `${k} = ${v}`), ...other.map(([a, b, v]) => `${a}.${b} = ${v}`)];
      const read = sysctlsFromText(lines.join('\n') + '\n');
      assert.deepEqual(read, Object.fromEntries(Object.entries(net).map(([k, v]) => [k, v.trim()])));
    }));
});

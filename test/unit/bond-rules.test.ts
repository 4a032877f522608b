// bond/speed-duplex-unknown and bond/no-lacp-partner on the recorded bonding texts, fixes verified by the engine.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildHost } from '../../src/model/host.js';
import { noLacpPartner } from '../../src/rules/bond/no-lacp-partner.js';
import { speedDuplexUnknown } from '../../src/rules/bond/speed-duplex-unknown.js';
import { runChecks } from '../../src/rules/engine.js';
import { InputError } from '../../src/errors.js';
import { file, fixture, iface, snapshot } from './bridge-lab-helpers.js';

const guest = (bonding: string, kernel = '6.1.0-18-amd64', sysfs: { speed: number | null; duplex: string | null } = { speed: null, duplex: 'unknown' }) => buildHost(snapshot([
  iface('ens4', 3, { driver: 'virtio_net', master: 'bond0', slaveKind: 'bond', ...sysfs }),
  iface('ens5', 4, { driver: 'virtio_net', master: 'bond0', slaveKind: 'bond', ...sysfs }),
], [file('/proc/net/bonding/bond0', fixture(`bonding/${bonding}`))], kernel));

test('speed-duplex-unknown: virtio slaves with Unknown speed are found, with lines and a verified guest fix', () => {
  const report = runChecks(guest('virtio-unknown-speed.txt'), [speedDuplexUnknown]);
  assert.equal(report.findings.length, 1);
  const f = report.findings[0]!;
  assert.equal(f.interface, 'bond0');
  assert.match(f.message, /ens4, ens5 report no speed or full duplex/);
  assert.deepEqual(f.evidence.filter((e) => e.field === 'speed').map((e) => e.line), [27, 54]);
  assert.ok(f.evidence.some((e) => e.value === 'virtio_net'));
  const guestFix = f.fixes[0]!;
  assert.equal(guestFix.verified, true, 'ethtool speed/duplex makes the finding go');
  assert.deepEqual(guestFix.commands.slice(0, 2), ['ethtool -s ens4 speed 10000 duplex full', 'ethtool -s ens5 speed 10000 duplex full']);
  assert.match(guestFix.files[0]!.content, /ATTR\{address\}=="52:54:00:5e:01:04", RUN\+="\/usr\/sbin\/ethtool -s \$name speed 10000 duplex full"/);
  assert.equal(f.fixes.slice(1).every((x) => x.verified === false), true, 'advice without a modelled effect stays unverified');
});

test('speed-duplex-unknown: a guest kernel older than 4.6 gets no ethtool fix (virtio_net cannot take it)', () => {
  const f = runChecks(guest('virtio-unknown-speed.txt', '4.4.0-210-generic'), [speedDuplexUnknown]).findings[0]!;
  assert.ok(!f.fixes.some((x) => x.commands.some((c) => c.startsWith('ethtool'))));
});

test('speed-duplex-unknown: silent for a healthy bond, and when sysfs already knows the speed', () => {
  assert.equal(runChecks(guest('healthy-8023ad.txt', undefined, { speed: 10000, duplex: 'full' }), [speedDuplexUnknown]).findings.length, 0);
  assert.equal(runChecks(guest('no-partner.txt', undefined, { speed: 10000, duplex: 'full' }), [speedDuplexUnknown]).findings.length, 0);
  assert.equal(runChecks(guest('virtio-unknown-speed.txt', undefined, { speed: 10000, duplex: 'full' }), [speedDuplexUnknown]).findings.length, 0);
});

test('speed-duplex-unknown: only 802.3ad bonds', () => {
  const text = fixture('bonding/virtio-unknown-speed.txt').replace('IEEE 802.3ad Dynamic link aggregation', 'fault-tolerance (active-backup)');
  const host = buildHost(snapshot([], [file('/proc/net/bonding/bond0', text)]));
  assert.equal(runChecks(host, [speedDuplexUnknown]).findings.length, 0);
});

test('no-lacp-partner: no partner on either port; names the local cause when duplex is unknown', () => {
  const missing = runChecks(guest('no-partner.txt', undefined, { speed: 10000, duplex: 'full' }), [noLacpPartner]).findings;
  assert.equal(missing.length, 1);
  assert.match(missing[0]!.message, /no LACP partner on ens4, ens5/);
  assert.doesNotMatch(missing[0]!.message, /disabled locally/);
  assert.ok(missing[0]!.evidence.some((e) => /defaulted: no LACPDU received/.test(e.message)));
  const local = runChecks(guest('virtio-unknown-speed.txt'), [noLacpPartner]).findings;
  assert.match(local[0]!.message, /LACP disabled locally/);
  assert.equal(runChecks(guest('healthy-8023ad.txt'), [noLacpPartner]).findings.length, 0);
});

test('a bonding text given with --input proc-net-bonding is read under its file name; a wrong one is an input error', () => {
  const host = buildHost(snapshot([], [file('/home/me/server1/bond0.txt', fixture('bonding/no-partner.txt'), 'proc-net-bonding')]));
  assert.equal(runChecks(host, [noLacpPartner]).findings[0]!.interface, 'bond0');
  const bad = buildHost(snapshot([], [file('/home/me/notes.txt', 'hello\n', 'proc-net-bonding')]));
  assert.throws(() => runChecks(bad, [noLacpPartner]), (e: unknown) => e instanceof InputError && e.where === '/home/me/notes.txt:1');
});

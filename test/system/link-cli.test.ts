/** `hostnet link explain` and `hostnet link lint` through the real CLI. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { persistentMac } from '../../src/model/link/index.js';
import { hostnet, netns, requireRealSystem } from '../helpers/system.js';

test('link explain --netns: a fresh tap named ens2f0 gets the persistent MAC of 99-default.link', (t) => {
  if (!requireRealSystem(t, { tools: ['ip', 'udevadm'] })) return;
  const ns = netns(t, 'hn-linkcli');
  ns.ip('tuntap', 'add', 'ens2f0', 'mode', 'tap');
  const r = hostnet(['link', 'explain', '--netns', ns.name, 'ens2f0', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const e = JSON.parse(r.stdout) as Record<string, unknown>;
  const machineId = readFileSync('/etc/machine-id', 'utf8').trim();
  // What the machine's own configuration says decides the expectation; Debian 12's default applies here.
  assert.equal(e.linkFile, '/usr/lib/systemd/network/99-default.link');
  assert.equal(e.macAction, 'persistent');
  assert.equal(e.resultMac, persistentMac(machineId, 'ens2f0'));
  assert.equal(e.addrAssignType, 1);
  const text = hostnet(['link', 'explain', '--netns', ns.name, 'ens2f0']);
  assert.match(text.stdout, /PERSISTENT/);
  assert.match(text.stdout, /99-default\.link:\d+/);
});

test('link explain: errors are one message and exit 2', () => {
  const bad = hostnet(['link', 'explain', '--iface', 'driver=tun']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /name= is required/);
  assert.doesNotMatch(bad.stderr, /at .*\.ts/);
  const missing = hostnet(['link', 'explain', 'no-such-if0']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no interface "no-such-if0"/);
});

test('link explain --iface: an interface that does not exist yet', () => {
  const r = hostnet(['link', 'explain', '--iface', 'name=ens2f0,driver=tun,kind=tun,addrAssignType=set', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const e = JSON.parse(r.stdout) as { macAction: string; reason: string };
  assert.equal(e.macAction, 'keep');
  assert.equal(e.reason, 'MAC address on the device already set by userspace.');
});

test('link lint: ShellCheck-style lines and exit codes 0, 1 and 2', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hn-linklint-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, '10-vpp.link'), '[Match]\nDriver=tun\n[Link]\nMACAddressPolicy=none\n');
  const clean = hostnet(['link', 'lint', dir]);
  assert.equal(clean.code, 0, clean.stdout + clean.stderr);
  assert.equal(clean.stdout, '');
  writeFileSync(join(dir, '20-uplink.network'), '[Match]\nName=ens2f0\n\n[Link]\nMACAddressPolicy=none\n');
  writeFileSync(join(dir, '30-typo.link'), '[Match]\nOriginalName=*\n[Link]\nMACAdressPolicy=none\n');
  const found = hostnet(['link', 'lint', dir]);
  assert.equal(found.code, 1);
  assert.equal(found.stdout,
    `${join(dir, '20-uplink.network')}:5: warning: MACAddressPolicy= is a .link setting; systemd-networkd ignores it in a .network file. Put it in a .link file (e.g. /etc/systemd/network/10-NAME.link). [link-key-in-network]\n` +
    `${join(dir, '30-typo.link')}:4: warning: Unknown key 'MACAdressPolicy' in section [Link], ignoring. [unknown-key]\n`);
  const json = JSON.parse(hostnet(['link', 'lint', dir, '--format', 'json']).stdout) as { files: number; diagnostics: unknown[] };
  assert.equal(json.files, 3);
  assert.equal(json.diagnostics.length, 2);
  const unreadable = hostnet(['link', 'lint', join(dir, 'missing')]);
  assert.equal(unreadable.code, 2);
  assert.match(unreadable.stderr, /missing: cannot read: no such file or directory/);
});

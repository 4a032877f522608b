// `hostnet collect --netns` records the namespace's network sysctls: non-default values set in a
// throw-away namespace are compared with `sysctl -a` run inside it, read independently of the collector;
// on a small namespace (read on the main thread) and on one large enough for the sysfs worker.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { IPV4_CONF_KEYS, IPV6_CONF_KEYS, sysctlsFromText } from '../../src/collect/sysctls.js';
import { SnapshotSchema } from '../../src/snapshot/schema.js';
import { hostnet, netns, requireRealSystem } from '../helpers/system.js';

test('collect --netns records the namespace\'s sysctls, per interface and global, as sysctl -a prints them', (t) => {
  if (!requireRealSystem(t, { tools: ['ip', 'sysctl'] })) return;
  const ns = netns(t, 'hn-sysctl');
  // A dot in an interface name is a slash in sysctl's dotted names.
  ns.ip('link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb.100');
  const set: Record<string, string> = {
    'net.ipv4.ip_forward': '1',
    'net.ipv4.conf.all.rp_filter': '2',
    'net.ipv4.conf.va.rp_filter': '1',
    'net.ipv4.conf.vb/100.arp_ignore': '2',
    'net.ipv4.conf.vb/100.arp_announce': '2',
    'net.ipv4.conf.default.accept_local': '1',
    'net.ipv6.conf.va.accept_ra': '2',
    'net.ipv6.conf.vb/100.disable_ipv6': '1',
  };
  ns.exec('sysctl', '-qw', ...Object.entries(set).map(([k, v]) => `${k}=${v}`));
  const r = hostnet(['collect', '--netns', ns.name]);
  assert.equal(r.code, 0, r.stderr);
  const snap = SnapshotSchema.parse(JSON.parse(r.stdout));
  const sysctls = snap.sysctls ?? {};
  for (const [k, v] of Object.entries(set)) assert.equal(sysctls[k], v, k);

  // Every per-interface key the collector reads, for every interface, equals what sysctl -a prints there.
  const truth = sysctlsFromText(ns.exec('sysctl', '-a'));
  let compared = 0;
  for (const conf of ['all', 'default', 'lo', 'va', 'vb/100']) {
    for (const key of IPV4_CONF_KEYS) compared += compare(`net.ipv4.conf.${conf}.${key}`);
    for (const key of IPV6_CONF_KEYS) compared += compare(`net.ipv6.conf.${conf}.${key}`);
  }
  compared += compare('net.ipv4.ip_forward');
  assert.ok(compared >= 5 * (IPV4_CONF_KEYS.length + IPV6_CONF_KEYS.length), `compared ${compared}`);
  // The host's own values are not the namespace's: ip_forward was set in the namespace only.
  assert.equal(snap.gaps.filter((g) => g.source.startsWith('/proc/sys')).length, 0, JSON.stringify(snap.gaps));

  function compare(name: string): number {
    assert.ok(name in truth, `sysctl -a has no ${name}`);
    assert.equal(sysctls[name], truth[name], name);
    return 1;
  }
});

test('collect --netns on a namespace large enough for the sysfs worker (over 500 interfaces) records the same sysctls and sysfs facts', (t) => {
  if (!requireRealSystem(t, { tools: ['ip', 'sysctl'] })) return;
  const ns = netns(t, 'hn-sysctlw');
  const dir = mkdtempSync(join(tmpdir(), 'hn-sysctlw-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // 260 veth pairs and a bridge: 522 interfaces with lo, above the collector's 500 for a worker.
  const lines = ['link add wbr type bridge', ...Array.from({ length: 260 }, (_, n) => `link add wa${n} type veth peer name wb${n}`), 'link set wb7 master wbr'];
  writeFileSync(join(dir, 'links.batch'), `${lines.join('\n')}\n`);
  ns.ip('-batch', join(dir, 'links.batch'));
  ns.exec('sysctl', '-qw', 'net.ipv4.conf.wa3.rp_filter=2', 'net.ipv4.conf.wb259.arp_ignore=1', 'net.ipv6.conf.wa0.accept_ra=2');
  const r = hostnet(['collect', '--netns', ns.name]);
  assert.equal(r.code, 0, r.stderr);
  const snap = SnapshotSchema.parse(JSON.parse(r.stdout));
  assert.ok(snap.interfaces.length > 500, `${snap.interfaces.length} interfaces`);
  const all = spawnSync('ip', ['netns', 'exec', ns.name, 'sysctl', '-a'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(all.status, 0, all.stderr);
  const truth = sysctlsFromText(all.stdout);
  const names = ['all', 'default', ...snap.interfaces.map((i) => i.name)];
  let compared = 0;
  for (const conf of names) {
    for (const key of IPV4_CONF_KEYS) compared += Number(snap.sysctls?.[`net.ipv4.conf.${conf}.${key}`] === truth[`net.ipv4.conf.${conf}.${key}`]);
    for (const key of IPV6_CONF_KEYS) compared += Number(snap.sysctls?.[`net.ipv6.conf.${conf}.${key}`] === truth[`net.ipv6.conf.${conf}.${key}`]);
  }
  assert.equal(compared, names.length * (IPV4_CONF_KEYS.length + IPV6_CONF_KEYS.length), 'every per-interface key equals sysctl -a');
  assert.equal(snap.sysctls?.['net.ipv4.conf.wa3.rp_filter'], '2');
  // The sysfs half of the batch came back too.
  assert.equal(snap.interfaces.find((i) => i.name === 'wbr')?.devtype, 'bridge');
  assert.equal(snap.gaps.filter((g) => g.source.startsWith('/proc/sys') || g.source.startsWith('/sys')).length, 0, JSON.stringify(snap.gaps));
});

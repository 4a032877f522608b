// A directory of captured command outputs, made on a real namespace the way a support engineer makes
// one (files named after their commands, as sos names them), read by `collect --from`, against
// `collect --netns` of the same namespace: the same interfaces and routes, field for field, except the
// sysfs facts a capture does not hold (listed as gaps instead).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseSnapshot } from '../../src/snapshot/load.js';
import type { Interface, Snapshot } from '../../src/snapshot/schema.js';
import { hostnet, netns, requireRealSystem } from '../helpers/system.js';

/** What only sysfs and the udev database say: a capture of ip does not hold it. */
const SYSFS_ONLY = ['addrAssignType', 'nameAssignType', 'devtype', 'driver', 'devicePath', 'speed', 'duplex', 'udev'] as const;

/** The kind facts ip's text gives (its JSON gives every one). */
const TEXT_KIND_KEYS = ['mode', 'type', 'id', 'protocol', 'link', 'port'];

function withoutSysfs(i: Interface, format: string): Partial<Interface> {
  const out: Partial<Interface> = { ...i };
  for (const k of SYSFS_ONLY) delete out[k];
  if (format === 'text') out.kindData = Object.fromEntries(Object.entries(i.kindData).filter(([k]) => TEXT_KIND_KEYS.includes(k)));
  return out;
}

test('collect --from a directory of captures equals collect --netns on the same namespace, text and JSON', (t) => {
  if (!requireRealSystem(t, { tools: ['ip'] })) return;
  const ns = netns(t, 'hn-cap');
  ns.exec('sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0');
  ns.ip('link', 'add', 'br0', 'type', 'bridge', 'group_fwd_mask', '0x8');
  ns.ip('link', 'add', 'va0', 'type', 'veth', 'peer', 'name', 'vb0');
  ns.ip('link', 'set', 'va0', 'master', 'br0');
  ns.ip('tuntap', 'add', 'dev', 'ens2f0', 'mode', 'tap');
  ns.ip('link', 'add', 'mv0', 'link', 'vb0', 'type', 'macvlan', 'mode', 'bridge');
  for (const dev of ['br0', 'va0', 'vb0', 'ens2f0']) ns.ip('link', 'set', dev, 'up');
  ns.ip('addr', 'add', '192.168.7.1/24', 'dev', 'vb0');
  ns.ip('addr', 'add', '2001:db8:7::1/64', 'dev', 'vb0');
  ns.ip('route', 'add', 'default', 'via', '192.168.7.254', 'dev', 'vb0', 'metric', '50');
  // Link-local addresses appear a moment after a link comes up: wait for a stable state.
  for (let last = '', n = 0; n < 50; n++) {
    const now = ns.ip('-j', 'addr', 'show') + ns.ip('-6', '-j', 'route', 'show', 'table', 'all');
    if (now === last) break;
    last = now;
    ns.exec('sleep', '0.2');
  }
  const live = hostnet(['collect', '--netns', ns.name]);
  assert.equal(live.code, 0, live.stderr);
  const reference = parseSnapshot(live.stdout, 'live');

  const captures: Record<string, Record<string, string[]>> = {
    text: { 'ip_-d_address': ['-d', 'address'], 'ip_route_show_table_all': ['route', 'show', 'table', 'all'], 'ip_-6_route_show_table_all': ['-6', 'route', 'show', 'table', 'all'] },
    json: { 'ip_-d_-j_address.json': ['-d', '-j', 'address'], 'ip_-4_-j_route_show_table_all.json': ['-4', '-j', 'route', 'show', 'table', 'all'], 'ip_-6_-j_route_show_table_all.json': ['-6', '-j', 'route', 'show', 'table', 'all'] },
  };
  for (const [format, files] of Object.entries(captures)) {
    const dir = mkdtempSync(join(tmpdir(), `hostnet-captures-${format}-`));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    for (const [name, args] of Object.entries(files)) writeFileSync(join(dir, name), ns.ip(...args));
    const r = hostnet(['collect', '--from', dir]);
    assert.equal(r.code, 0, r.stderr);
    const snap: Snapshot = parseSnapshot(r.stdout, dir);
    assert.deepEqual(snap.interfaces.map((i) => withoutSysfs(i, format)), reference.interfaces.map((i) => withoutSysfs(i, format)), format);
    assert.deepEqual(snap.routes, reference.routes, format);
    assert.ok(snap.gaps.some((g) => g.source === 'udevadm info --export-db'), `${format}: the missing udev database is a gap`);
    assert.ok(snap.gaps.some((g) => g.source === '/sys/class/net/*/addr_assign_type'), `${format}: the missing sysfs is a gap`);
  }
});

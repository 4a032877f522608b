// The .network reader and networkd.conf precedence: properties over generated files, and the ip
// rule/nexthop converters on output recorded from iproute2 6.1 on this machine.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { nexthopsFromIp, rulesFromIp } from '../../src/collect/ip.js';
import { loadNetworkdConfig, parseNetworkConfig } from '../../src/model/networkd/index.js';
import type { FileRecord } from '../../src/snapshot/schema.js';

const file = (path: string, content: string | null): FileRecord => ({ path, content, mask: content === null ? 'dev-null' : null, role: null });

test('any text gives a result, never an exception', () => {
  fc.assert(fc.property(fc.string({ unit: fc.constantFrom('[', ']', '=', '\\', '#', ' ', '\n', 'Match', 'Name', 'Network', 'DHCP', '!', '*', 'yes', 'Route'), maxLength: 200 }), (text) => {
    const c = parseNetworkConfig({ path: '/etc/systemd/network/a.network', text }, [], 252);
    assert.ok(Array.isArray(c.name));
  }));
});

const ifname = fc.stringMatching(/^[a-z][a-z0-9_.*-]{0,12}$/);

test('Name= lines add up, "!" negates every word of its line, and an empty Name= resets the list (252)', () => {
  fc.assert(fc.property(fc.array(fc.oneof(
    fc.record({ words: fc.array(ifname, { minLength: 1, maxLength: 3 }), negate: fc.boolean() }),
    fc.constant(null),
  ), { maxLength: 6 }), (lines) => {
    const text = `[Match]\n${lines.map((l) => (l === null ? 'Name=' : `Name=${l.negate ? '!' : ''}${l.words.join(' ')}`)).join('\n')}\n`;
    let expected: string[] = [];
    for (const l of lines) expected = l === null ? [] : [...expected, ...l.words.map((w) => (l.negate ? `!${w}` : w))];
    assert.deepEqual(parseNetworkConfig({ path: '/x.network', text }, [], 252).name, expected);
  }));
});

test('the last assignment of a setting wins, across the main file and its drop-ins in order', () => {
  const bool = fc.constantFrom('yes', 'no', 'true', 'false', '1', '0', 'on', 'off');
  fc.assert(fc.property(fc.array(bool, { minLength: 1, maxLength: 5 }), (values) => {
    const [first, ...rest] = values;
    const c = parseNetworkConfig({ path: '/m.network', text: `[Match]\nName=*\n[Link]\nUnmanaged=${first}\n` },
      rest.map((v, i) => ({ path: `/m.network.d/${i}.conf`, text: `[Link]\nUnmanaged=${v}\n` })), 252);
    assert.equal(c.settings.unmanaged?.value, /^(yes|true|1|on)$/.test(values[values.length - 1]!));
    assert.equal(c.settings.unmanaged?.file, rest.length ? `/m.network.d/${rest.length - 1}.conf` : '/m.network');
  }));
});

test('each [Route] and [RoutingPolicyRule] section is one object, even with the same section name repeated', () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 32765 }), { maxLength: 5 }), (priorities) => {
    const text = `[Match]\nName=eth0\n${priorities.map((p) => `[RoutingPolicyRule]\nPriority=${p}\nTable=100\n[Route]\nDestination=10.${p % 256}.0.0/16\n`).join('')}`;
    const c = parseNetworkConfig({ path: '/r.network', text }, [], 252);
    assert.deepEqual(c.settings.rules.map((r) => r.priority), priorities);
    assert.equal(c.settings.routes.length, priorities.length);
  }));
});

test('a .network in /etc hides the same name in /usr/lib; a mask hides it; files are tried in name order', () => {
  const files = [
    file('/usr/lib/systemd/network/80-a.network', '[Match]\nName=a\n'),
    file('/etc/systemd/network/80-a.network', '[Match]\nName=b\n'),
    file('/usr/lib/systemd/network/10-c.network', '[Match]\nName=c\n'),
    file('/etc/systemd/network/10-c.network', null),
    file('/run/systemd/network/05-d.network', '[Match]\nName=d\n'),
  ];
  const cfg = loadNetworkdConfig(files, { systemdVersion: 252 });
  assert.deepEqual(cfg.networks.map((n) => `${n.path}:${n.name.join(',')}`), ['/run/systemd/network/05-d.network:d', '/etc/systemd/network/80-a.network:b']);
  assert.deepEqual(cfg.skipped.map((s) => s.reason).sort(), ['masked', 'overridden', 'overridden']);
});

test('networkd.conf: defaults yes; drop-ins after the main file in name order; a key unknown to the version is ignored', () => {
  const base = [
    file('/etc/systemd/networkd.conf', '[Network]\nManageForeignRoutes=no\n'),
    file('/usr/lib/systemd/networkd.conf.d/20-b.conf', '[Network]\nManageForeignRoutes=yes\nManageForeignNextHops=no\n'),
    file('/etc/systemd/networkd.conf.d/10-a.conf', '[Network]\nManageForeignRoutingPolicyRules=no\n'),
  ];
  const v252 = loadNetworkdConfig(base, { systemdVersion: 252 }).foreign;
  assert.equal(v252.routes.manage, true);
  assert.equal(v252.routes.source?.file, '/usr/lib/systemd/networkd.conf.d/20-b.conf');
  assert.equal(v252.rules.manage, false);
  assert.equal(v252.nexthops.manage, true, '252 does not know ManageForeignNextHops=');
  assert.equal(v252.nexthops.supported, false);
  assert.equal(loadNetworkdConfig(base, { systemdVersion: 256 }).foreign.nexthops.manage, false);
  assert.equal(loadNetworkdConfig(base, { systemdVersion: 248 }).foreign.rules.manage, true, '248 has no ManageForeignRoutingPolicyRules=');
  const masked = [...base, file('/etc/systemd/networkd.conf.d/20-b.conf', null)];
  assert.equal(loadNetworkdConfig(masked, { systemdVersion: 252 }).foreign.routes.manage, false, 'the mask in /etc hides 20-b.conf');
});

test('ip -d -j rule and nexthop output (iproute2 6.1) converts to records', () => {
  const rules = rulesFromIp(JSON.parse('[{"priority":0,"src":"all","table":"local","protocol":"kernel"},{"priority":5,"not":null,"src":"10.0.0.0","srclen":8,"dst":"192.168.0.0","dstlen":16,"oif":"lo","table":"100","protocol":"unspec"},{"priority":6,"src":"all","action":"blackhole","protocol":"unspec"},{"priority":7,"src":"all","goto":100,"unresolved":null,"protocol":"unspec"},{"priority":99,"src":"all","fwmark":"0x200","fwmask":"0xf00","iif":"d0","table":"100","protocol":"ospf"}]'), 'inet');
  assert.deepEqual(rules.map((r) => [r.priority, r.table, r.action, r.src, r.dst, r.not, r.fwmark, r.protocol]), [
    [0, 'local', null, null, null, false, null, 'kernel'],
    [5, '100', null, '10.0.0.0/8', '192.168.0.0/16', true, null, 'unspec'],
    [6, null, 'blackhole', null, null, false, null, 'unspec'],
    [7, null, 'goto 100', null, null, false, null, 'unspec'],
    [99, '100', null, null, null, false, '0x200/0xf00', 'ospf'],
  ]);
  const nhs = nexthopsFromIp(JSON.parse('[{"id":7,"gateway":"10.9.0.2","dev":"d0","scope":"link","protocol":"unspec","flags":[]},{"id":8,"group":[{"id":7}],"scope":"global","protocol":"unspec","flags":[]},{"id":10,"gateway":"10.9.0.3","dev":"d0","scope":"link","protocol":"ospf","flags":[]}]'));
  assert.deepEqual(nhs.map((n) => [n.id, n.dev, n.group, n.protocol]), [[7, 'd0', null, 'unspec'], [8, null, [7], 'unspec'], [10, 'd0', null, 'ospf']]);
  assert.throws(() => rulesFromIp({}, 'inet'), /JSON array/);
});

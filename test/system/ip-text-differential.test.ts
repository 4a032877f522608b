// The text converters (for support bundles: sos runs ip without -j) against the JSON ones on the same
// real namespace: `ip -d address` / `ip -s -d link` / `ip route show table all` read as text must give
// the records `ip -j` gives, field by field, for interfaces of every kind this kernel can make.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { interfacesFromIpAddr, routesFromIp } from '../../src/collect/ip.js';
import { interfacesFromIpText, routesFromIpText } from '../../src/collect/ip-text.js';
import type { Interface, Route } from '../../src/snapshot/schema.js';
import { netns, requireRealSystem } from '../helpers/system.js';

/** Each step makes one device; a step marked optional needs a module this kernel may not load (dummy, bonding, 8021q, ipvlan). */
const OPTIONAL = /type (dummy|bond|vlan|ipvlan)/;
const STEPS: string[][] = [
  ['link', 'add', 'br0', 'type', 'bridge', 'group_fwd_mask', '0x4000', 'stp_state', '0'],
  ['link', 'add', 'va0', 'type', 'veth', 'peer', 'name', 'vb0'],
  ['link', 'add', 'va1', 'type', 'veth', 'peer', 'name', 'vb1'],
  ['link', 'set', 'va0', 'master', 'br0'],
  ['link', 'set', 'va1', 'master', 'br0'],
  ['link', 'set', 'dev', 'va1', 'type', 'bridge_slave', 'hairpin', 'on', 'flood', 'off', 'group_fwd_mask', '0x4', 'isolated', 'on'],
  ['tuntap', 'add', 'dev', 'tap0', 'mode', 'tap'],
  ['tuntap', 'add', 'dev', 'tun0', 'mode', 'tun'],
  ['link', 'add', 'mv0', 'link', 'vb1', 'type', 'macvlan', 'mode', 'private'],
  ['link', 'add', 'mv1', 'link', 'vb1', 'type', 'macvlan', 'mode', 'bridge'],
  ['link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'dev', 'vb1'],
  ['link', 'add', 'd0', 'type', 'dummy'],
  ['link', 'add', 'bond0', 'type', 'bond', 'mode', '802.3ad'],
  ['link', 'add', 'link', 'vb1', 'name', 'vb1.10', 'type', 'vlan', 'id', '10'],
  ['link', 'add', 'ipv0', 'link', 'vb0', 'type', 'ipvlan', 'mode', 'l2'],
  ['link', 'set', 'br0', 'up'], ['link', 'set', 'va0', 'up'], ['link', 'set', 'vb1', 'up'], ['link', 'set', 'tap0', 'up'],
  ['addr', 'add', '192.168.0.1/24', 'brd', '+', 'dev', 'vb1'],
  ['addr', 'add', '192.168.0.9/24', 'dev', 'vb1'],
  ['addr', 'add', '10.0.0.1', 'peer', '10.0.0.2/32', 'dev', 'tun0'],
  ['addr', 'add', '2001:db8::1/64', 'dev', 'vb1', 'nodad'],
  // An address with lifetimes (ip shows it dynamic), one deprecated, one without a prefix route.
  ['addr', 'add', '2001:db8:5::1/64', 'dev', 'vb1', 'nodad', 'valid_lft', '3600', 'preferred_lft', '1800'],
  ['addr', 'add', '2001:db8:6::1/64', 'dev', 'vb1', 'nodad', 'noprefixroute', 'valid_lft', '600', 'preferred_lft', '0'],
  ['addr', 'add', '192.168.0.10/24', 'dev', 'vb1', 'valid_lft', '900', 'preferred_lft', '900'],
  ['route', 'add', 'default', 'via', '192.168.0.254', 'dev', 'vb1', 'proto', 'dhcp', 'metric', '100'],
  ['route', 'add', '10.96.0.0/12', 'via', '192.168.0.254', 'dev', 'vb1', 'proto', 'static', 'mtu', '1440', 'table', '1000'],
  ['route', 'add', '10.97.0.0/16', 'via', '192.168.0.254', 'dev', 'vb1', 'mtu', 'lock', '1300'],
  ['route', 'add', 'blackhole', '10.98.0.0/16'],
  ['route', 'add', 'unreachable', '10.99.0.0/16', 'metric', '5'],
  ['-6', 'route', 'add', 'default', 'via', '2001:db8::fe', 'dev', 'vb1', 'metric', '1024'],
  ['-6', 'route', 'add', 'blackhole', '2001:db8:2::/64'],
  ['-6', 'route', 'add', '2001:db8:1::/64', 'via', '2001:db8::fe', 'dev', 'vb1', 'mtu', '1400', 'table', '1000'],
];

/** What the text shows: everything but the sysfs facts, and kindData only for the keys analysis reads. */
function comparable(i: Interface): unknown {
  const kindKeys = ['mode', 'type', 'id', 'protocol'];
  const kindData = Object.fromEntries(Object.entries(i.kindData).filter(([k]) => kindKeys.includes(k)));
  return { ...i, kindData, bridgePort: i.bridgePort && { ...i.bridgePort, flags: i.bridgePort.flags } };
}

/** Lifetimes count down between two ip calls: a value within 3 s of the other reading is taken as the same. */
function near<T extends object>(got: T, want: T | undefined, keys: readonly (keyof T)[]): T {
  if (!want) return got;
  const out = { ...got };
  for (const k of keys) {
    const a = got[k];
    const b = want[k];
    if (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= 3) out[k] = b;
  }
  return out;
}

const LIFETIMES = ['validLifetime', 'preferredLifetime'] as const;

function nearInterface(text: Interface, json: Interface): Interface {
  return { ...text, addresses: text.addresses.map((a, n) => near(a, json.addresses[n], LIFETIMES)) };
}

function nearRoutes(text: Route[], json: Route[]): Route[] {
  return text.map((r, n) => near(r, json[n], ['expires']));
}

test('ip text and ip JSON give the same interfaces and routes', (t) => {
  if (!requireRealSystem(t, { tools: ['ip'] })) return;
  const ns = netns(t, 'hn-iptx');
  let made = 0;
  const refused: string[] = [];
  for (const step of STEPS) {
    try {
      ns.ip(...step);
      made++;
    } catch (err) {
      if (!OPTIONAL.test(step.join(' '))) throw err;
      refused.push(step.join(' '));
    }
  }
  t.diagnostic(`${made} devices, addresses and routes made; not here: ${refused.join('; ') || 'none'}`);

  const fromJson = interfacesFromIpAddr(JSON.parse(ns.ip('-d', '-j', 'address', 'show')));
  for (const textArgs of [['-d', 'address'], ['-s', '-d', 'link']]) {
    const fromText = interfacesFromIpText(ns.ip(...textArgs));
    assert.equal(fromText.length, fromJson.length);
    for (const [n, json] of fromJson.entries()) {
      const text = nearInterface(fromText[n]!, json);
      const expected = textArgs.includes('link') ? { ...comparable(json) as object, addresses: [] } : comparable(json);
      assert.deepEqual(comparable(text), expected, `ip ${textArgs.join(' ')}: ${json.name}`);
    }
  }
  const flags = new Set(fromJson.flatMap((i) => i.addresses.flatMap((a) => a.flags ?? [])));
  for (const flag of ['dynamic', 'deprecated', 'noprefixroute', 'nodad']) assert.ok(flags.has(flag), `covered the address flag ${flag}`);
  assert.ok(fromJson.some((i) => i.addresses.some((a) => a.validLifetime !== undefined && a.family === 'inet')), 'covered an IPv4 lifetime');
  const kinds = new Set(fromJson.map((i) => i.kind));
  for (const kind of ['bridge', 'veth', 'tun', 'macvlan', 'vxlan']) assert.ok(kinds.has(kind), `covered ${kind}`);

  for (const family of ['inet', 'inet6'] as const) {
    const flag = family === 'inet' ? '-4' : '-6';
    const json = routesFromIp(JSON.parse(ns.ip(flag, '-j', 'route', 'show', 'table', 'all')), family);
    const text = nearRoutes(routesFromIpText(ns.ip(flag, 'route', 'show', 'table', 'all'), family), json);
    assert.deepEqual(text, json, family);
    assert.ok(json.length >= 5, `${family}: ${json.length} routes compared`);
  }
  // Without -4/-6, `ip route show table all` (what sos runs) prints both families, told apart per line.
  const each = (['inet', 'inet6'] as const).flatMap((f) => routesFromIp(JSON.parse(ns.ip(f === 'inet' ? '-4' : '-6', '-j', 'route', 'show', 'table', 'all')), f));
  const both = nearRoutes(routesFromIpText(ns.ip('route', 'show', 'table', 'all'), null), each);
  assert.deepEqual(both, each);
});

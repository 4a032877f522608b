// The macvlan model's pure parts: how the plugin reads its config and picks a master, and the
// reachability model's invariants (the kernel comparison is in test/system/nad-macvlan-reachability).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { canPing, defaultRouteInterface, MASTER, pluginMode, readStackedConf, type MacvlanMode, type MacvlanPort } from '../../src/model/macvlan/index.js';
import type { Route } from '../../src/snapshot/schema.js';

const route = (r: Partial<Route>): Route => ({ family: 'inet', table: 'main', type: 'unicast', dst: 'default', gateway: null, dev: 'eth0', protocol: null, scope: null, metric: null, prefsrc: null, mtu: null, ...r });

test('the plugin reads keys as Go does: case-insensitive, last one wins; wrong types fail the load', () => {
  const c = readStackedConf('macvlan', { master: 'a', Master: 'b', MODE: 'vepa', mtu: 1400, ipam: { Type: 'host-local' } });
  assert.equal(c.master, 'b');
  assert.equal(c.mode, 'vepa');
  assert.equal(c.mtu, 1400);
  assert.equal(c.layer3, true);
  assert.deepEqual(c.loadErrors, []);
  assert.equal(readStackedConf('macvlan', { ipam: {} }).layer3, false);
  assert.equal(readStackedConf('macvlan', {}).mode, 'bridge');
  assert.equal(readStackedConf('ipvlan', {}).mode, 'l2');
  assert.equal(readStackedConf('macvlan', { master: 5 }).loadErrors.length, 1);
  assert.equal(readStackedConf('macvlan', { linkInContainer: 'yes' }).loadErrors.length, 1);
  assert.equal(pluginMode('macvlan', 'PRIVATE'), undefined);
  assert.equal(pluginMode('macvlan', 'source'), undefined);
});

test('default master: first main-table default route, IPv4 before IPv6; no device is an error', () => {
  assert.deepEqual(defaultRouteInterface([route({ family: 'inet6', dev: 'v6' }), route({ dev: 'v4' })]), { name: 'v4' });
  assert.deepEqual(defaultRouteInterface([route({ table: '100', dev: 'other' }), route({ family: 'inet6', dev: 'v6' })]), { name: 'v6' });
  assert.deepEqual(defaultRouteInterface([route({ dst: '10.0.0.0/8' })]), { error: 'no default route interface found' });
  assert.match((defaultRouteInterface([route({ dev: null, type: 'blackhole' })]) as { error: string }).error, /no single device/);
});

const modes: MacvlanMode[] = ['bridge', 'private', 'vepa'];
const portArb = fc.record({
  hairpin: fc.boolean(),
  children: fc.array(fc.constantFrom(...modes), { minLength: 1, maxLength: 5 }).map((ms) => ms.map((mode, i) => ({ name: `c${i}`, mode }))),
});

test('property: without hairpin the master reaches no child, and two children talk exactly when both are in bridge mode', () => {
  fc.assert(fc.property(portArb, (p: MacvlanPort) => {
    if (p.hairpin) return;
    for (const a of p.children) {
      assert.equal(canPing(p, MASTER, a.name), false);
      assert.equal(canPing(p, a.name, MASTER), false);
      for (const b of p.children) if (a !== b) assert.equal(canPing(p, a.name, b.name), a.mode === 'bridge' && b.mode === 'bridge');
    }
  }));
});

test('property: a private child talks to no other child, hairpin or not; with hairpin the master reaches every child', () => {
  fc.assert(fc.property(portArb, (p: MacvlanPort) => {
    for (const a of p.children) {
      for (const b of p.children) if (a !== b && (a.mode === 'private' || b.mode === 'private')) assert.equal(canPing(p, a.name, b.name), false);
      if (p.hairpin) assert.equal(canPing(p, MASTER, a.name), true);
    }
  }));
});

test('passthru: the node never reaches its only child', () => {
  for (const hairpin of [false, true]) {
    const p: MacvlanPort = { hairpin, children: [{ name: 'pt', mode: 'passthru' }] };
    assert.equal(canPing(p, MASTER, 'pt'), false);
    assert.equal(canPing(p, 'pt', MASTER), false);
  }
});

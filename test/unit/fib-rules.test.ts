// The policy-rule lookup (src/model/fib.ts) and what rp_filter makes of it: properties against the
// default-rule lookup and the selectors' definitions, the `ip -j rule` fields it needs, and a second
// uplink with source routing (the kernel's side is test/system/rpfilter-matrix.test.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { rulesFromIp } from '../../src/collect/ip.js';
import { DEFAULT_RULES, fibLookup, policyLookup, ruleMatches } from '../../src/model/fib.js';
import { buildHost } from '../../src/model/host.js';
import { checkReversePath } from '../../src/model/rpfilter/index.js';
import { runChecks } from '../../src/rules/engine.js';
import { strictAsymmetric } from '../../src/rules/rpfilter/strict-asymmetric.js';
import { SnapshotSchema, type Route, type RoutingRule, type Snapshot } from '../../src/snapshot/schema.js';
import { hostnet } from '../helpers/system.js';

const route = (r: Partial<Route> & { dst: string }): Route => ({
  family: 'inet', table: 'main', type: 'unicast', gateway: null, dev: 'eth0', protocol: null, scope: null, metric: null, prefsrc: null, mtu: null, ...r,
});
const rule = (r: Partial<RoutingRule>): RoutingRule => ({
  family: 'inet', priority: 100, table: null, action: null, protocol: 'static', src: null, dst: null, iif: null, oif: null, fwmark: null, not: false, ...r,
});

const octet = fc.integer({ min: 0, max: 3 });
const arbRoute = fc.record({
  a: octet, b: octet, len: fc.constantFrom(0, 8, 16, 24, 32), metric: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
  table: fc.constantFrom('main', 'local', 'default'), type: fc.constantFrom('unicast', 'local', 'broadcast', 'blackhole', 'unreachable', 'prohibit'), dev: fc.constantFrom('eth0', 'eth1'),
}).map(({ a, b, len, metric, table, type, dev }) => route({ dst: len === 0 ? 'default' : `10.${a}.${b}.0/${len}`.replace(/\.0\/32$/, '.0'), metric, table, type, dev }));

test('property: with the kernel\'s three rules, the policy lookup finds what the table-order lookup finds', () => {
  fc.assert(fc.property(fc.array(arbRoute, { maxLength: 12 }), octet, octet, (routes, a, b) => {
    const dst = `10.${a}.${b}.7`;
    const plain = fibLookup(routes, dst);
    for (const rules of [undefined, DEFAULT_RULES]) {
      const policy = policyLookup(routes, rules, { dst, src: null, iif: 'lo', oif: null, mark: 0 });
      if (plain && ['blackhole', 'unreachable', 'prohibit'].includes(plain.type)) {
        assert.equal(policy.route, null);
        assert.match(policy.failure!, new RegExp(plain.type));
      } else {
        assert.equal(policy.route, plain);
      }
    }
  }));
});

test('property: a rule matches when every selector it has holds, `not` inverts it, and the mark is compared under the mask', () => {
  fc.assert(fc.property(
    fc.option(fc.constantFrom('10.0.0.0/8', '10.1.0.1', '192.168.0.0/16'), { nil: null }), fc.option(fc.constantFrom('10.99.0.0/24', '0.0.0.0/0'), { nil: null }),
    fc.option(fc.constantFrom('lo', 'eth1'), { nil: null }), fc.option(fc.constantFrom('0x1', '0x100/0xf00', '0x0/0x1'), { nil: null }), fc.boolean(),
    fc.constantFrom('10.1.0.1', '192.168.3.4', '172.16.0.1'), fc.constantFrom('10.99.0.5', '8.8.8.8'), fc.constantFrom('lo', 'eth1'), fc.integer({ min: 0, max: 0x1ff }),
    (src, dst, iif, fwmark, not, flowSrc, flowDst, flowIif, mark) => {
      const r = rule({ src, dst, iif, fwmark, not, table: '100' });
      const inNet = (ip: string, cidr: string) => {
        const [net, len] = cidr.includes('/') ? cidr.split('/') : [cidr, '32'];
        const n = (s: string) => s.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
        const bits = Number(len);
        return bits === 0 || Math.floor(n(ip) / 2 ** (32 - bits)) === Math.floor(n(net!) / 2 ** (32 - bits));
      };
      const [value, mask] = (fwmark ?? '0/0').split('/');
      const markOk = fwmark === null || ((Number(value) ^ mark) & (mask === undefined ? 0xffffffff : Number(mask))) === 0;
      const expected = (src === null || inNet(flowSrc, src)) && (dst === null || inNet(flowDst, dst)) && (iif === null || iif === flowIif) && markOk;
      assert.equal(ruleMatches(r, { dst: flowDst, src: flowSrc, iif: flowIif, oif: null, mark }), expected !== not);
    },
  ));
});

test('goto jumps over rules to the target priority; suppress_prefixlength discards a default route; throw and an empty table go on', () => {
  const routes = [route({ dst: 'default', dev: 'eth0', gateway: '10.0.0.1' }), route({ dst: '10.99.0.0/24', dev: 'eth1', table: '100' }), route({ dst: '10.99.0.0/24', dev: 'eth2', table: '101' })];
  const flow = { dst: '10.99.0.5', src: '10.1.0.1', iif: 'lo', oif: null, mark: 0 };
  const base = DEFAULT_RULES;
  assert.equal(policyLookup(routes, [...base, rule({ priority: 100, action: 'goto 120' }), rule({ priority: 110, table: '101' }), rule({ priority: 120, table: '100' })], flow).route?.dev, 'eth1');
  assert.equal(policyLookup(routes, [...base, rule({ priority: 100, table: 'main', suppressPrefixlength: 0 }), rule({ priority: 110, table: '100' })], flow).route?.dev, 'eth1');
  assert.equal(policyLookup([...routes, route({ dst: '10.99.0.0/16', table: '102', type: 'throw', dev: null })], [...base, rule({ priority: 100, table: '102' })], flow).route?.dev, 'eth0');
  assert.equal(policyLookup(routes, [...base, rule({ priority: 100, table: '103' })], flow).route?.dev, 'eth0');
  const failed = policyLookup(routes, [...base, rule({ priority: 100, action: 'prohibit', src: '10.1.0.1/32' })], flow);
  assert.equal(failed.route, null);
  assert.match(failed.failure!, /rule 100 is prohibit/);
  const odd = policyLookup(routes, [...base, rule({ priority: 100, table: '100', unmodelled: ['ipproto'] })], flow);
  assert.deepEqual(odd.unmodelled.map((r) => r.priority), [100]);
});

test('ip -j rule: suppress_prefixlen and the selectors the model leaves alone are kept', () => {
  const [a, b] = rulesFromIp([
    { priority: 100, src: 'all', table: 'main', suppress_prefixlen: 0, protocol: 'static' },
    { priority: 101, src: '10.0.0.0', srclen: 8, ipproto: 'tcp', dport: 443, table: '100' },
  ], 'inet');
  assert.equal(a!.suppressPrefixlength, 0);
  assert.equal(a!.unmodelled, undefined);
  assert.deepEqual(b!.unmodelled, ['ipproto', 'dport']);
  assert.equal(b!.src, '10.0.0.0/8');
});

/** The example's host (two uplinks, the default by uplink0 the better) with source routing for uplink1's address. */
function sourceRouted(withRule: boolean): Snapshot {
  const s = SnapshotSchema.parse(JSON.parse(readFileSync('examples/rp-filter-asymmetric/snapshot.json', 'utf8')));
  return {
    ...s,
    routes: [...s.routes, route({ dst: 'default', gateway: '198.51.100.1', dev: 'uplink1', table: '101' })],
    rules: [...DEFAULT_RULES, ...(withRule ? [rule({ priority: 1000, src: '198.51.100.10', table: '101' })] : [])],
  };
}

test('a second uplink with source routing (from its address lookup its own table) is not reported; without the rule it is', () => {
  assert.equal(runChecks(buildHost(sourceRouted(true)), [strictAsymmetric]).findings.length, 0);
  const [f] = runChecks(buildHost(sourceRouted(false)), [strictAsymmetric]).findings;
  assert.equal(f!.interface, 'uplink1');
  const host = buildHost(sourceRouted(true));
  const d = checkReversePath(host, 'uplink1', '203.0.113.7', { dst: '198.51.100.10' });
  assert.equal(d.passes, true);
  assert.match(d.reason, /by rule 1000: from 198\.51\.100\.10 lookup 101\) leaves by uplink1: accepted/);
  // The same packet to the other address is judged by the main table: strict drops it.
  assert.equal(checkReversePath(host, 'uplink1', '203.0.113.7', { dst: '192.0.2.10' }).passes, false);
});

test('trace packet --mark: a 32-bit mark, decimal or hex; anything else is exit 2 with one line', () => {
  const args = ['trace', 'packet', '--snapshot', 'examples/rp-filter-asymmetric/snapshot.json', '--in', 'uplink1', '--src', '203.0.113.7', '--dst', '198.51.100.10', '--no-reply'];
  assert.equal(hostnet([...args, '--mark', '0x10']).code, 1);
  for (const mark of ['-1', '0x100000000', 'red', '1.5']) {
    const r = hostnet([...args, '--mark', mark]);
    assert.equal(r.code, 2, mark);
    assert.match(r.stderr, /--mark .*expected a 32-bit mark, decimal or 0x hex/);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
  }
});

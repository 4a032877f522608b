// The netfilter model on its own: the ruleset reader on bad input, chain walking (jump, goto, return,
// policies, several base chains), what it leaves undecided. The model against the kernel is
// test/system/netfilter-bridged.test.ts; this holds the parts a generated ruleset there may not reach.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildHost } from '../../src/model/host.js';
import { bridgeNfOf, filterBridged, parseRuleset, rulesetOf, type BridgedPacket, type BridgeNf } from '../../src/model/netfilter/index.js';
import { SnapshotSchema } from '../../src/snapshot/schema.js';

const ON: BridgeNf = { present: true, iptables: true, ip6tables: true, arptables: true };

const chain = (family: string, name: string, extra: Record<string, unknown> = {}) => ({ chain: { family, table: 'filter', name, ...extra } });
const rule = (family: string, chainName: string, expr: unknown[]) => ({ rule: { family, table: 'filter', chain: chainName, expr } });
const iif = (name: string) => ({ match: { op: '==', left: { meta: { key: 'iifname' } }, right: name } });
const ruleset = (...items: unknown[]) => parseRuleset(JSON.stringify({ nftables: [{ metainfo: {} }, ...items] }));
const base = { hook: 'forward', type: 'filter', prio: 0, policy: 'drop' };

function pkt(over: Partial<BridgedPacket> = {}): BridgedPacket {
  return { proto: 'ipv4', bridge: 'br0', inPort: 'p1', outPort: 'p2', saddr: '10.0.0.1', daddr: '10.0.0.2', l4proto: 'icmp', ctState: 'new', ...over };
}

test('the example host: IPv4 and IPv6 dropped by the FORWARD policies, ARP passes, the -i BR -o BR accept lets IP through', () => {
  const snap = SnapshotSchema.parse(JSON.parse(readFileSync('examples/lab-docker-forward/snapshot.json', 'utf8')));
  const host = buildHost(snap);
  const { ruleset: rs } = rulesetOf(host);
  assert.ok(rs);
  const nf = bridgeNfOf(host);
  assert.deepEqual(nf, ON);
  const lab = { bridge: 'lab_br0', inPort: 'vnet3', outPort: 'vnet7' };
  assert.equal(filterBridged(rs, nf, pkt(lab)).droppedBy, 'policy drop of ip filter FORWARD');
  assert.equal(filterBridged(rs, nf, pkt({ ...lab, proto: 'ipv6', saddr: 'fd00::3', daddr: 'fd00::7', l4proto: 'ipv6-icmp' })).droppedBy, 'policy drop of ip6 filter FORWARD');
  assert.equal(filterBridged(rs, nf, pkt({ ...lab, proto: 'arp', saddr: null, daddr: null, l4proto: null })).verdict, 'accept');
  // With the sysctl at 0 the same frame never meets FORWARD.
  assert.equal(filterBridged(rs, { ...nf, iptables: false }, pkt(lab)).verdict, 'accept');
  const user = rs.chains.find((c) => c.family === 'ip' && c.name === 'DOCKER-USER')!;
  user.rules.unshift({ handle: null, comment: null, expr: [iif('lab_br0'), { match: { op: '==', left: { meta: { key: 'oifname' } }, right: 'lab_br0' } }, { accept: null }] });
  assert.equal(filterBridged(rs, nf, pkt(lab)).verdict, 'accept');
});

test('jump returns, goto does not; an accept ends one base chain only; bridge chains run around br_netfilter by priority', () => {
  const rs = ruleset(
    chain('ip', 'FORWARD', base), chain('ip', 'A'), chain('ip', 'B'),
    rule('ip', 'FORWARD', [{ jump: { target: 'A' } }]),
    rule('ip', 'FORWARD', [iif('br0'), { accept: null }]),
    rule('ip', 'A', [{ goto: { target: 'B' } }]),
    rule('ip', 'A', [{ drop: null }]),
    rule('ip', 'B', [{ return: null }]),
    chain('inet', 'late', { ...base, prio: 10, policy: 'accept' }),
    rule('inet', 'late', [{ match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: { prefix: { addr: '10.0.0.0', len: 24 } } } }, { drop: null }]),
  );
  // goto B, B returns to FORWARD (not to A, whose drop is never reached), then iif br0 accepts; the inet chain drops.
  const out = filterBridged(rs, ON, pkt());
  assert.equal(out.verdict, 'drop');
  assert.match(out.droppedBy!, /of inet filter late/);
  assert.equal(filterBridged(rs, ON, pkt({ saddr: '10.0.1.1' })).verdict, 'accept');

  const br = ruleset(chain('bridge', 'early', { ...base, prio: -200, policy: 'accept' }), rule('bridge', 'early', [iif('p1'), { drop: null }]));
  assert.match(filterBridged(br, { ...ON, present: false }, pkt()).droppedBy!, /bridge filter early/);
  assert.equal(filterBridged(br, ON, pkt({ inPort: 'p2', outPort: 'p1' })).verdict, 'accept');
});

test('what the model cannot decide is "may match", never a verdict', () => {
  const rs = ruleset(chain('ip', 'FORWARD', base),
    rule('ip', 'FORWARD', [{ xt: { type: 'match', name: 'conntrack' } }, { accept: null }]),
    rule('ip', 'FORWARD', [{ match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: '@allowed' } }, { accept: null }]));
  const out = filterBridged(rs, ON, pkt());
  assert.equal(out.verdict, 'drop');
  assert.equal(out.uncertain.length, 2);
  assert.match(out.uncertain[0]!, /xt match conntrack/);
  // Unknown addresses leave an address match undecided too.
  const addr = ruleset(chain('ip', 'FORWARD', base), rule('ip', 'FORWARD', [{ match: { op: '==', left: { payload: { protocol: 'ip', field: 'daddr' } }, right: '10.0.0.2' } }, { accept: null }]));
  assert.equal(filterBridged(addr, ON, pkt({ daddr: null })).uncertain.length, 1);
  assert.equal(filterBridged(addr, ON, pkt()).verdict, 'accept');
});

test('parseRuleset: anything but nft\'s JSON is an Error that says so; any JSON array of items is read without a crash', () => {
  assert.throws(() => parseRuleset('not json'), /not JSON/);
  assert.throws(() => parseRuleset('{"x":1}'), /no "nftables" array/);
  const item = fc.oneof(
    fc.record({ chain: fc.record({ family: fc.constantFrom('ip', 'ip6', 'inet', 'bridge', 'arp', 'bogus'), table: fc.constant('t'), name: fc.constantFrom('a', 'b', 'FORWARD'),
      hook: fc.option(fc.constantFrom('forward', 'input')), prio: fc.oneof(fc.integer({ min: -400, max: 400 }), fc.constantFrom('filter', 'raw + 5', 'nonsense')), policy: fc.constantFrom('accept', 'drop') }) }),
    fc.record({ rule: fc.record({ family: fc.constantFrom('ip', 'inet', 'bridge'), table: fc.constant('t'), chain: fc.constantFrom('a', 'b', 'FORWARD'),
      expr: fc.array(fc.oneof(fc.constant({ accept: null }), fc.constant({ drop: null }), fc.constant({ return: null }), fc.constantFrom('a', 'b', 'zz').map((target) => ({ jump: { target } })),
        fc.constantFrom('br0', 'p*', 'x').map(iif), fc.anything()), { maxLength: 4 }) }) }),
    fc.anything(),
  );
  fc.assert(fc.property(fc.array(item, { maxLength: 12 }), (items) => {
    const rs = parseRuleset(JSON.stringify({ nftables: items }));
    const out = filterBridged(rs, ON, pkt());
    assert.ok(out.verdict === 'accept' || out.verdict === 'drop');
  }), { seed: Number(process.env.HOSTNET_SEED ?? 16), numRuns: 300 });
});

// src/net: IP and MAC parsing against Node's own address code (node:net) and a BigInt reference,
// over generated addresses of both families.
import assert from 'node:assert/strict';
import { BlockList, isIPv4 as nodeIsIPv4, isIPv6 as nodeIsIPv6 } from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { addressInPrefix, familyOf, inPrefix, isCidr, isIPv4, isIPv6, networkPrefix, parsePrefix, subnetHop } from '../../src/net/ip.js';
import { parseHwAddr, parseMac } from '../../src/net/mac.js';

const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
const group = fc.nat(0xffff).map((g) => g.toString(16));
/** IPv6 in the forms people write: full, compressed (one `::` run), upper case, an IPv4 tail. */
const v6 = fc.tuple(fc.array(group, { minLength: 8, maxLength: 8 }), fc.nat(8), fc.nat(8), fc.boolean(), fc.boolean(), v4).map(([g, a, b, upper, tail, quad]) => {
  const groups = tail ? [...g.slice(0, 6)] : g;
  const [from, to] = [Math.min(a, b, groups.length), Math.min(Math.max(a, b), groups.length)];
  const head = to > from ? `${groups.slice(0, from).join(':')}::${groups.slice(to).join(':')}` : groups.join(':');
  const text = tail ? (head.endsWith(':') ? `${head}${quad}` : `${head}:${quad}`) : head;
  return upper ? text.toUpperCase() : text;
});
/** Near-misses: typed-wrong addresses of both families. */
const junk = fc.oneof(
  fc.stringMatching(/^[0-9a-fA-F:.]{1,45}$/),
  v4.map((a) => `${a}.1`), v4.map((a) => a.replace(/^\d+/, '256')), v4.map((a) => `0${a}`),
  v6.map((a) => `${a}:1:2:3:4:5:6:7:8`), v6.map((a) => `${a}::`), fc.string(),
);

function toBig(ip: string): bigint {
  const bytes = familyOf(ip) === 'inet' ? ip.split('.').map(Number) : v6Bytes(ip);
  return bytes.reduce((n, x) => (n << 8n) | BigInt(x), 0n);
}
function v6Bytes(ip: string): number[] {
  const m = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  const text = m ? `${m[1]}${((n) => `${(n[0]! * 256 + n[1]!).toString(16)}:${(n[2]! * 256 + n[3]!).toString(16)}`)(m[2]!.split('.').map(Number))}` : ip;
  const [h, t] = text.split('::') as [string, string | undefined];
  const hs = h ? h.split(':') : [];
  const ts = t ? t.split(':') : [];
  const all = t === undefined ? hs : [...hs, ...Array(8 - hs.length - ts.length).fill('0'), ...ts];
  return all.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]);
}

test('address tests agree with node:net on generated addresses and near-misses', () => {
  fc.assert(fc.property(fc.oneof(v4, v6, junk), (s) => {
    const zone = s.includes('%');
    assert.equal(isIPv4(s), nodeIsIPv4(s), `isIPv4(${JSON.stringify(s)})`);
    if (!zone) assert.equal(isIPv6(s), nodeIsIPv6(s), `isIPv6(${JSON.stringify(s)})`);
  }), { numRuns: 3000 });
});

test('inPrefix agrees with node:net BlockList subnets, both families', () => {
  const pair = fc.oneof(
    fc.tuple(v4, v4, fc.nat(32)),
    fc.tuple(v6, v6, fc.nat(128)),
    // the same address with its tail changed: hits near the prefix boundary
    fc.tuple(v4, fc.nat(32), fc.nat(31)).map(([a, len, bit]) => [a, flipBit(a, bit, 32), len] as const),
    fc.tuple(v6, fc.nat(128), fc.nat(127)).map(([a, len, bit]) => [a, flipBit(a, bit, 128), len] as const),
  );
  fc.assert(fc.property(pair, ([ip, net, len]) => {
    const block = new BlockList();
    const type = familyOf(ip) === 'inet' ? 'ipv4' : 'ipv6';
    block.addSubnet(net, len, type);
    assert.equal(inPrefix(ip, `${net}/${len}`), block.check(ip, type), `${ip} in ${net}/${len}`);
  }), { numRuns: 3000 });
});

function flipBit(ip: string, bit: number, width: number): string {
  const n = toBig(ip) ^ (1n << BigInt(bit));
  if (width === 32) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
  return Array.from({ length: 8 }, (_, i) => ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':');
}

test('networkPrefix clears the host bits and keeps the address inside; subnetHop stays in the subnet and off the address', () => {
  fc.assert(fc.property(fc.oneof(fc.tuple(v4, fc.nat(32)), fc.tuple(v6, fc.nat(128))), ([ip, len]) => {
    const width = familyOf(ip) === 'inet' ? 32n : 128n;
    const net = networkPrefix(`${ip}/${len}`);
    const [base, l] = net.split('/') as [string, string];
    assert.equal(Number(l), len);
    const hostBits = (1n << (width - BigInt(len))) - 1n;
    assert.equal(toBig(base) & hostBits, 0n, `${net} has host bits`);
    assert.equal(toBig(base), toBig(ip) & ~hostBits);
    assert.ok(inPrefix(ip, net));
    const hop = subnetHop(ip, len);
    if (BigInt(len) === width) assert.equal(hop, null);
    else {
      assert.ok(hop !== null && inPrefix(hop, net) && toBig(hop) !== toBig(ip), `${hop} for ${ip}/${len}`);
      assert.ok(toBig(hop) === (toBig(base) | hostBits) - 1n || toBig(hop) === toBig(base) + 1n);
    }
  }), { numRuns: 2000 });
});

test('parsePrefix and isCidr: the family decides the longest length; a bare address or junk is no prefix', () => {
  assert.deepEqual(parsePrefix('10.1.2.3/8'), { address: '10.1.2.3', prefixlen: 8, family: 'inet' });
  assert.deepEqual(parsePrefix('2001:DB8::1/64'), { address: '2001:db8::1', prefixlen: 64, family: 'inet6' });
  fc.assert(fc.property(fc.oneof(v4, v6), fc.nat(200), (ip, len) => {
    const max = familyOf(ip) === 'inet' ? 32 : 128;
    assert.equal(isCidr(`${ip}/${len}`), len <= max);
    assert.equal(isCidr(ip), false);
    assert.equal(isCidr(`${ip}/${len}/1`), false);
  }));
  for (const s of ['default', '10.0.0.0/', '/24', '10.0.0.0/24 ', 'fe80::1%eth0/64']) assert.equal(isCidr(s), false, s);
  assert.ok(inPrefix('8.8.8.8', 'default'));
  assert.ok(inPrefix('10.1.1.1', '10.1.1.1'));
  assert.ok(!inPrefix('10.1.1.1', '::/0'));
});

test('parseMac: the written forms of one 6-byte address all give its colon form; other lengths do not', () => {
  const bytes = fc.array(fc.nat(255), { minLength: 6, maxLength: 6 });
  fc.assert(fc.property(bytes, fc.constantFrom(':', '-', ''), fc.boolean(), (b, sep, upper) => {
    const hex = b.map((x) => x.toString(16).padStart(2, '0'));
    const colon = hex.join(':');
    const written = upper ? hex.join(sep).toUpperCase() : hex.join(sep);
    assert.equal(parseMac(written), colon);
    assert.equal(parseMac(` ${written}\t`), colon);
    if (sep !== '') assert.equal(parseHwAddr(written), colon);
    assert.equal(parseMac(hex.slice(1).join(sep || ':')), null);
    assert.equal(parseMac(`${hex.join(':')}:00`), null);
  }));
  for (const s of ['', 'a:b:c:d:e:f', 'aa:bb:cc:dd:ee:fg', 'aabb.ccdd.eeff', 'aa:bb:cc:dd:ee:ff:']) assert.equal(parseMac(s), null, s);
  assert.equal(parseHwAddr('aabb.ccdd.eeff'), 'aa:bb:cc:dd:ee:ff');
});

test('addressInPrefix: offsets from the start and back from the end, in both families; outside the subnet is null', () => {
  assert.equal(addressInPrefix('192.0.2.0/24', 0), '192.0.2.0');
  assert.equal(addressInPrefix('192.0.2.77/24', 1), '192.0.2.1');
  assert.equal(addressInPrefix('192.0.2.0/24', -1), '192.0.2.255');
  assert.equal(addressInPrefix('192.0.2.0/24', -2), '192.0.2.254');
  assert.equal(addressInPrefix('192.0.2.0/24', 256), null);
  assert.equal(addressInPrefix('192.0.2.0/24', -257), null);
  assert.equal(addressInPrefix('2001:db8::/64', -2), '2001:db8::ffff:ffff:ffff:fffe');
  assert.equal(addressInPrefix('not a prefix', 0), null);
  fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 8, max: 30 }), fc.integer({ min: 0, max: 3 }), (n, len, k) => {
    const ip = [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
    const last = addressInPrefix(`${ip}/${len}`, -1 - k)!;
    assert.ok(inPrefix(last, `${ip}/${len}`));
    assert.equal(addressInPrefix(`${ip}/${len}`, 2 ** (32 - len) - 1 - k), last);
  }), { numRuns: 500 });
});

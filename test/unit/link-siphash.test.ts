import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { persistentMac, siphash24 } from '../../src/model/link/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const key = Uint8Array.from({ length: 16 }, (_, i) => i);
const message = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i);

// The SipHash paper's test vectors (appendix A / the reference vectors.h): key 00..0f, message
// 00..(n-1), the 64-bit output as its 8 little-endian bytes.
const PAPER_VECTORS: [number, string][] = [
  [0, '310e0edd47db6f72'], [1, 'fd67dc93c539f874'], [2, '5a4fa9d909806c0d'], [3, '2d7efbd796666785'],
  [4, 'b7877127e09427cf'], [5, '8da699cd64557618'], [6, 'cee3fe586e46c9cb'], [7, '37d1018bf50002ab'],
  [8, '6224939a79f5f593'], [15, 'e545be4961ca29a1'], [63, '724506eb4c328a95'],
];

test('SipHash-2-4 reproduces the paper\'s test vectors', () => {
  for (const [n, expected] of PAPER_VECTORS) assert.equal(hex(siphash24(message(n), key)), expected, `n=${n}`);
  // The paper's worked example: 15-byte message, result 0xa129ca6149be45e5.
  const out = siphash24(message(15), key);
  assert.equal(Buffer.from(out).readBigUInt64LE(0), 0xa129ca6149be45e5n);
});

/** A straightforward BigInt SipHash-2-4, written independently, to check the 32-bit-halves version. */
function reference(m: Uint8Array, k: Uint8Array): bigint {
  const M = (1n << 64n) - 1n;
  const rotl = (x: bigint, b: bigint): bigint => ((x << b) | (x >> (64n - b))) & M;
  const le = (b: Uint8Array, at: number): bigint => Buffer.from(b.slice(at, at + 8)).readBigUInt64LE(0);
  const k0 = le(k, 0);
  const k1 = le(k, 8);
  let v0 = k0 ^ 0x736f6d6570736575n;
  let v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n;
  let v3 = k1 ^ 0x7465646279746573n;
  const round = (): void => {
    v0 = (v0 + v1) & M; v1 = rotl(v1, 13n); v1 ^= v0; v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & M; v3 = rotl(v3, 16n); v3 ^= v2;
    v0 = (v0 + v3) & M; v3 = rotl(v3, 21n); v3 ^= v0;
    v2 = (v2 + v1) & M; v1 = rotl(v1, 17n); v1 ^= v2; v2 = rotl(v2, 32n);
  };
  const padded = new Uint8Array(Math.floor(m.length / 8) * 8 + 8);
  padded.set(m);
  padded[padded.length - 1] = m.length & 0xff;
  for (let at = 0; at < padded.length; at += 8) {
    const w = le(padded, at);
    v3 ^= w; round(); round(); v0 ^= w;
  }
  v2 ^= 0xffn;
  round(); round(); round(); round();
  return v0 ^ v1 ^ v2 ^ v3;
}

test('SipHash-2-4 equals a BigInt reference on random keys and messages', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ maxLength: 80 }), (k, m) => {
    assert.equal(Buffer.from(siphash24(m, k)).readBigUInt64LE(0), reference(m, k));
  }), { numRuns: 2000 });
});

test('siphash24 refuses a key that is not 16 bytes', () => {
  assert.throws(() => siphash24(new Uint8Array(1), new Uint8Array(15)), /16 bytes/);
});

test('persistentMac gives the addresses udevd 252 wrote on this kind of machine', () => {
  // verified-here.md: machine-id 3d1219c7…, a tap named ens2f0 got 0e:0a:2a:d5:cf:1c; tap0 got a6:ae:c5:78:aa:11.
  assert.equal(persistentMac('3d1219c7c4c5404aaa1f6d2a48adfda4', 'ens2f0'), '0e:0a:2a:d5:cf:1c');
  assert.equal(persistentMac('3d1219c7c4c5404aaa1f6d2a48adfda4', 'tap0'), 'a6:ae:c5:78:aa:11');
});

test('persistentMac is always unicast and locally administered, and depends on both inputs', () => {
  fc.assert(fc.property(fc.stringMatching(/^[0-9a-f]{32}$/), fc.string({ minLength: 1, maxLength: 15 }), (id, name) => {
    const mac = persistentMac(id, name);
    const first = parseInt(mac.slice(0, 2), 16);
    assert.equal(first & 1, 0);
    assert.equal(first & 2, 2);
    assert.notEqual(persistentMac(id, `${name}x`), mac);
  }), { numRuns: 300 });
  assert.throws(() => persistentMac('not-an-id', 'eth0'), /machine-id/);
});

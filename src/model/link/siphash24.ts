/**
 * SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012): a keyed 64-bit hash
 * of a byte string under a 128-bit key. systemd uses it to derive persistent MAC addresses.
 *
 * The 64-bit state words are kept as pairs of unsigned 32-bit halves in local variables, so the
 * hash costs no BigInt arithmetic and no memory traffic: `npm run bench -- link` resolves hundreds of thousands of MACs
 * a second with it.
 */

function readLe32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

/**
 * SipHash-2-4 of `message` under the 16-byte `key`. Returns the 64-bit result as its 8 bytes in
 * little-endian order (the order the paper's test vectors list, and the order systemd copies the
 * first 6 of into a MAC address).
 */
export function siphash24(message: Uint8Array, key: Uint8Array): Uint8Array {
  if (key.length !== 16) throw new RangeError(`SipHash key must be 16 bytes, not ${key.length}`);
  const k0h = readLe32(key, 4);
  const k0l = readLe32(key, 0);
  const k1h = readLe32(key, 12);
  const k1l = readLe32(key, 8);
  // The 64-bit state words v0..v3 as (high, low) halves in locals; the initialisation constants
  // spell "somepseudorandomlygeneratedbytes".
  let v0h = (k0h ^ 0x736f6d65) >>> 0; let v0l = (k0l ^ 0x70736575) >>> 0;
  let v1h = (k1h ^ 0x646f7261) >>> 0; let v1l = (k1l ^ 0x6e646f6d) >>> 0;
  let v2h = (k0h ^ 0x6c796765) >>> 0; let v2l = (k0l ^ 0x6e657261) >>> 0;
  let v3h = (k1h ^ 0x74656462) >>> 0; let v3l = (k1l ^ 0x79746573) >>> 0;

  const length = message.length;
  const whole = length - (length % 8);
  // One step per 64-bit message word (the last holds the 0-7 remaining bytes and the length
  // modulo 256 in its top byte), then the finalisation step: v2 ^= 0xff and d = 4 rounds.
  for (let at = 0; at <= whole + 8; at += 8) {
    const final = at > whole;
    let mh = 0;
    let ml = 0;
    if (at < whole) {
      mh = readLe32(message, at + 4);
      ml = readLe32(message, at);
    } else if (!final) {
      mh = (length & 0xff) << 24;
      for (let i = 0; i < length - whole; i++) {
        const b = message[whole + i]!;
        if (i < 4) ml |= b << (8 * i);
        else mh |= b << (8 * (i - 4));
      }
      mh >>>= 0;
      ml >>>= 0;
    }
    if (final) v2l = (v2l ^ 0xff) >>> 0;
    else {
      v3h = (v3h ^ mh) >>> 0;
      v3l = (v3l ^ ml) >>> 0;
    }
    for (let round = final ? 4 : 2; round > 0; round--) {
      // One SipRound (the paper's figure 2.1): 64-bit add = add the halves, carry when the low
      // half wrapped; rotations by n < 32 move bits across the halves; by 32 swap them.
      let lo = (v0l + v1l) >>> 0; v0h = (v0h + v1h + (lo < v0l ? 1 : 0)) >>> 0; v0l = lo;
      let h = v1h; v1h = ((h << 13) | (v1l >>> 19)) >>> 0; v1l = ((v1l << 13) | (h >>> 19)) >>> 0;
      v1h = (v1h ^ v0h) >>> 0; v1l = (v1l ^ v0l) >>> 0;
      h = v0h; v0h = v0l; v0l = h;
      lo = (v2l + v3l) >>> 0; v2h = (v2h + v3h + (lo < v2l ? 1 : 0)) >>> 0; v2l = lo;
      h = v3h; v3h = ((h << 16) | (v3l >>> 16)) >>> 0; v3l = ((v3l << 16) | (h >>> 16)) >>> 0;
      v3h = (v3h ^ v2h) >>> 0; v3l = (v3l ^ v2l) >>> 0;
      lo = (v0l + v3l) >>> 0; v0h = (v0h + v3h + (lo < v0l ? 1 : 0)) >>> 0; v0l = lo;
      h = v3h; v3h = ((h << 21) | (v3l >>> 11)) >>> 0; v3l = ((v3l << 21) | (h >>> 11)) >>> 0;
      v3h = (v3h ^ v0h) >>> 0; v3l = (v3l ^ v0l) >>> 0;
      lo = (v2l + v1l) >>> 0; v2h = (v2h + v1h + (lo < v2l ? 1 : 0)) >>> 0; v2l = lo;
      h = v1h; v1h = ((h << 17) | (v1l >>> 15)) >>> 0; v1l = ((v1l << 17) | (h >>> 15)) >>> 0;
      v1h = (v1h ^ v2h) >>> 0; v1l = (v1l ^ v2l) >>> 0;
      h = v2h; v2h = v2l; v2l = h;
    }
    if (!final) {
      v0h = (v0h ^ mh) >>> 0;
      v0l = (v0l ^ ml) >>> 0;
    }
  }
  const outHi = (v0h ^ v1h ^ v2h ^ v3h) >>> 0;
  const outLo = (v0l ^ v1l ^ v2l ^ v3l) >>> 0;
  const out = new Uint8Array(8);
  for (let i = 0; i < 4; i++) {
    out[i] = (outLo >>> (8 * i)) & 0xff;
    out[i + 4] = (outHi >>> (8 * i)) & 0xff;
  }
  return out;
}

/** Value syntaxes of `.link` keys, as udevd parses them: hardware addresses, interface names, MTUs. */

/** A hardware address in lower-case colon form, or null when systemd's parser rejects it. */
export function parseHwAddr(text: string): string | null {
  if (text === '') return null;
  const firstSep = text.search(/[^0-9a-fA-F]/);
  const sep = firstSep < 0 ? '' : text[firstSep]!;
  if (sep !== '' && sep !== ':' && sep !== '-' && sep !== '.') return null;
  const groupLen = sep === '.' ? 4 : 2;
  const groups = sep === '' ? [text] : text.split(sep);
  const bytes: number[] = [];
  for (const g of groups) {
    if (g.length === 0 || g.length > groupLen || !/^[0-9a-fA-F]+$/.test(g)) return null;
    const v = parseInt(g, 16);
    if (groupLen === 4) bytes.push(v >> 8, v & 0xff);
    else bytes.push(v);
  }
  if (bytes.length === 0 || bytes.length > 32) return null;
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

const SIZE_SUFFIXES: Record<string, number> = { '': 1, B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5, E: 1024 ** 6 };

/**
 * MTUBytes=: a size with an optional 1024-based suffix. udevd 252 (address family unspecified)
 * refuses only what does not fit 32 bits or is negative; 0 leaves the MTU alone; the kernel judges
 * the rest when it is applied.
 */
export function parseMtu(text: string): { mtu: number } | { error: string } {
  if (/^\s*-/.test(text)) return { error: `MTU value out of range (68…4294967295): '${text}'` };
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([BKMGTPE]?)\s*$/.exec(text);
  if (!m) return { error: `Failed to parse MTU value '${text}'` };
  const value = Math.floor(Number(m[1]) * SIZE_SUFFIXES[m[2]!]!);
  if (value > 0xffffffff) return { error: `MTU value out of range (68…4294967295): '${text}'` };
  return { mtu: value };
}

export type MacAddressPolicy = 'persistent' | 'random' | 'none';
export const MAC_ADDRESS_POLICIES: readonly MacAddressPolicy[] = ['persistent', 'random', 'none'];

export const NAME_POLICIES = ['kernel', 'keep', 'database', 'onboard', 'slot', 'path', 'mac'] as const;
export type NamePolicy = (typeof NAME_POLICIES)[number];
export const ALTERNATIVE_NAME_POLICIES = ['database', 'onboard', 'slot', 'path', 'mac'] as const;

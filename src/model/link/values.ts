/** Value syntaxes of `.link` keys, as udevd parses them: hardware addresses, interface names, MTUs. */

/** udevd's hardware-address syntax lives with the other MAC parsing (src/net/mac.ts). */

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

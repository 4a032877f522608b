/**
 * Hardware (MAC) addresses: the one place hostnet reads them from text. Two grammars, because the
 * inputs differ: udevd's for `.link` values (any length, `:`/`-`/`.` groups), and the 6-byte Ethernet
 * address as tools and people write it (vppctl prints bare hex in adjacency rewrites).
 * Both return the lower-case colon form the snapshot uses.
 */

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

/**
 * A 6-byte MAC from `aa:bb:cc:dd:ee:ff`, `aa-bb-cc-dd-ee-ff` (any case, surrounding blanks ignored) or
 * 12 hex digits, in lower-case colon form; null otherwise.
 */
export function parseMac(text: string): string | null {
  const s = text.trim().toLowerCase();
  if (!/^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$/.test(s) && !/^[0-9a-f]{12}$/.test(s)) return null;
  return s.replace(/[:-]/g, '').match(/../g)!.join(':');
}

export function isMac(text: string): boolean {
  return parseMac(text) !== null;
}

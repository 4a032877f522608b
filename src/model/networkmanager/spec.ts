/**
 * NetworkManager's device specs (NetworkManager.conf(5), "Device List Format"), as the daemon splits and
 * matches them (src/core/nm-core-utils.c: nm_match_spec_split, nm_match_spec_device; NetworkManager 1.42
 * to 1.54 read the same way):
 *
 * - The list is split at `,` and `;`; whitespace around a spec is trimmed; a backslash escapes `,` `;`
 *   and `\`, and `\s` `\t` `\n` `\r` stand for those characters. Empty specs are dropped.
 * - Tags are case-insensitive: `interface-name:` (a glob with `*` and `?`, `~` the same, `=` literal),
 *   `mac:` (the permanent MAC, compared as bytes), `type:` (NetworkManager's type name, exact),
 *   `driver:` (exact, or `DRIVER/VERSION-GLOB`), `s390-subchannels:`, `dhcp-plugin:`, `*` (every device).
 * - A spec without a tag matches a MAC or an exact interface name, except after `except:`.
 * - `except:` wins: a list of only except-specs matches every device none of them matches.
 */

export interface NmDeviceFacts {
  name: string;
  /** The permanent MAC, or the current one where the device has none. */
  mac: string | null;
  /** NetworkManager's type name (`nmcli -f GENERAL.TYPE device show`): ethernet, vxlan, bridge, ... */
  type: string;
  /** The ethtool driver (`nmcli -f GENERAL.DRIVER`). */
  driver: string | null;
  driverVersion?: string | null;
}

export type SpecMatch = 'match' | 'except' | 'none';

/** The specs of one value, in order, after unescaping. */
export function splitSpecs(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  // Whitespace that ends the current piece is trimmed only when it was not escaped.
  let trailingWs = 0;
  let i = 0;
  while (i < value.length && isSpace(value[i]!) && cur === '') i++;
  const push = () => {
    const piece = cur.slice(0, cur.length - trailingWs);
    if (piece !== '') out.push(piece);
    cur = '';
    trailingWs = 0;
  };
  for (; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\') {
      const n = value[i + 1];
      if (n === undefined) break;
      cur += ESCAPES[n] ?? (n === ',' || n === ';' ? n : `\\${n}`);
      trailingWs = 0;
      i++;
    } else if (c === ',' || c === ';') {
      push();
      while (i + 1 < value.length && isSpace(value[i + 1]!)) i++;
    } else {
      cur += c;
      trailingWs = isSpace(c) ? trailingWs + 1 : 0;
    }
  }
  push();
  return out;
}

const ESCAPES: Record<string, string> = { s: ' ', n: '\n', t: '\t', r: '\r', '\\': '\\' };

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
}

/** Whether the device list matches the device, and which spec decided it. */
export function matchSpecs(specs: readonly string[], device: NmDeviceFacts): { result: SpecMatch; spec: string | null } {
  let hasExcept = false;
  let hasPositive = false;
  let matched: string | null = null;
  for (const spec of specs) {
    const except = hasTag(spec, 'except:');
    if (except) hasExcept = true;
    else hasPositive = true;
    if (except && evalSpec(spec.slice(7), false, device)) return { result: 'except', spec };
    if (!except && matched === null && evalSpec(spec, true, device)) matched = spec;
  }
  if (hasExcept && !hasPositive) return { result: 'match', spec: null };
  return matched !== null ? { result: 'match', spec: matched } : { result: 'none', spec: null };
}

function hasTag(spec: string, tag: string): boolean {
  return spec.slice(0, tag.length).toLowerCase() === tag;
}

function evalSpec(spec: string, fuzzy: boolean, d: NmDeviceFacts): boolean {
  if (spec === '*') return true;
  if (hasTag(spec, 'type:')) return spec.slice(5) === d.type;
  if (hasTag(spec, 'mac:')) return macEquals(spec.slice(4), d.mac);
  if (hasTag(spec, 'interface-name:')) {
    const rest = spec.slice(15);
    if (rest.startsWith('=')) return rest.slice(1) === d.name;
    const pattern = rest.startsWith('~') ? rest.slice(1) : rest;
    return pattern === d.name || globMatch(pattern, d.name);
  }
  if (hasTag(spec, 'driver:')) return driverMatches(spec.slice(7), d);
  if (hasTag(spec, 's390-subchannels:') || hasTag(spec, 'dhcp-plugin:')) return false;
  return fuzzy && (macEquals(spec, d.mac) || spec === d.name);
}

function driverMatches(spec: string, d: NmDeviceFacts): boolean {
  if (!d.driver) return false;
  const slash = spec.lastIndexOf('/');
  if (slash < 0) return spec === d.driver;
  return d.driver.startsWith(spec.slice(0, slash)) && globMatch(spec.slice(slash + 1), d.driverVersion ?? '');
}

/** GLib's g_pattern_match_simple: `*` any run, `?` one character, nothing else special. */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** A hardware address as bytes: hex pairs separated by `:` or `-`; null when it is not one. */
export function parseHwaddr(text: string): number[] | null {
  const parts = text.split(/[:-]/);
  if (parts.length < 1 || parts.length > 20) return null;
  const bytes: number[] = [];
  for (const p of parts) {
    if (!/^[0-9a-fA-F]{1,2}$/.test(p)) return null;
    bytes.push(parseInt(p, 16));
  }
  return bytes;
}

function macEquals(spec: string, mac: string | null): boolean {
  if (mac === null) return false;
  const a = parseHwaddr(spec);
  const b = parseHwaddr(mac);
  return a !== null && b !== null && a.length === b.length && a.every((x, i) => x === b[i]);
}

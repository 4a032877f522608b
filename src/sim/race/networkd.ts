/**
 * The one systemd-networkd behaviour the race needs: a `.network` file that matches the tap and sets
 * `[Link] MACAddress=` makes networkd write that MAC once udevd has initialised the device. networkd
 * uses the first `.network` file, in the same directory precedence and lexical order as `.link`
 * files, whose [Match] holds. Only Name=, Driver=, Kind= and Type= are evaluated; a file that matches
 * on anything else is treated as not matching the tap, and named in a note.
 */
import type { Host } from '../../model/host.js';
import { fnmatch, LINK_DIRS } from '../../model/link/index.js';
import { parseUnitFile, splitWords } from '../../sources/unitfile.js';
import type { NetworkdSetting } from './bringup.js';

const EVALUATED = new Set(['Name', 'Driver', 'Kind', 'Type']);
/** What the tap offers to each evaluated key. */
const TAP_VALUES = (name: string): Record<string, string> => ({ Name: name, Driver: 'tun', Kind: 'tun', Type: 'ether' });

function globsHold(patterns: string[], value: string): boolean {
  let positive = false;
  let hit = false;
  for (const p of patterns) {
    const invert = p.startsWith('!');
    const glob = invert ? p.slice(1) : p;
    if (!invert) positive = true;
    if (fnmatch(glob, value)) {
      if (invert) return false;
      hit = true;
    }
  }
  return positive ? hit : true;
}

export interface NetworkdFinding {
  /** The MAC networkd would give the tap, with where it is set; null when no .network sets one. */
  setting: NetworkdSetting | null;
  notes: string[];
}

export function networkdMacFor(host: Host, name: string): NetworkdFinding {
  const notes: string[] = [];
  const byBase = new Map<string, { path: string; content: string | null }>();
  for (const dir of LINK_DIRS) {
    for (const f of host.filesUnder(dir)) {
      const base = f.path.slice(dir.length + 1);
      if (base.includes('/') || !base.endsWith('.network') || base.startsWith('.') || byBase.has(base)) continue;
      byBase.set(base, { path: f.path, content: f.mask === null ? f.content : null });
    }
  }
  const values = TAP_VALUES(name);
  for (const base of [...byBase.keys()].sort()) {
    const f = byBase.get(base)!;
    if (!f.content) continue;
    const parsed = parseUnitFile(f.path, f.content);
    if (parsed.failed) continue;
    const match = new Map<string, string[]>();
    let unevaluated = false;
    let mac: NetworkdSetting | null = null;
    for (const a of parsed.assignments) {
      if (a.section === 'Match') {
        if (!EVALUATED.has(a.key)) {
          unevaluated = true;
          continue;
        }
        // An empty assignment resets the list, as in systemd's list parsers.
        const words = a.value.trim() === '' ? [] : splitWords(a.value).words;
        const negate = words[0]?.startsWith('!') ?? false;
        const list = a.value.trim() === '' ? [] : [...(match.get(a.key) ?? []), ...words.map((w, i) => (negate && i > 0 && !w.startsWith('!') ? `!${w}` : w))];
        match.set(a.key, list);
      } else if (a.section === 'Link' && a.key === 'MACAddress' && a.value.trim() !== '') {
        mac = { file: f.path, line: a.line, mac: a.value.trim().toLowerCase() };
      }
    }
    if (unevaluated) {
      notes.push(`${f.path} matches on keys hostnet does not evaluate for systemd-networkd; treated as not matching ${name}`);
      continue;
    }
    if (match.size === 0) continue;
    if ([...match].every(([key, patterns]) => globsHold(patterns, values[key]!))) return { setting: mac, notes };
  }
  return { setting: null, notes };
}

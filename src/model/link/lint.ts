/**
 * `hostnet link lint`: problems in `.link` and `.network` files that udevd and networkd only
 * mention in a log line nobody reads, or not at all. Pure: the CLI reads the files.
 */
import { parseUnitFile, type UnitDiagnostic } from '../../sources/unitfile.js';
import { matchIsEmpty, parseLinkConfig, type LinkConfig, type LinkMatch, type SourceText } from './config.js';
import { fnmatch } from './fnmatch.js';
import { LINK_ONLY_KEYS } from './keys.js';

export interface LintFile {
  path: string;
  text: string;
}

function base(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

const GLOB_CHARS = /[*?[\\]/;

/** A positive glob list that `patterns` of another file covers entirely (sound, not complete). */
function listCovers(a: readonly string[], b: readonly string[]): boolean {
  if (a.length === 0) return true;
  if (a.some((p) => p.startsWith('!'))) return false; // negations: do not try to reason
  const bPositive = b.filter((p) => !p.startsWith('!'));
  if (bPositive.length === 0) return false;
  return bPositive.every((q) => a.some((p) => p === q || (!GLOB_CHARS.test(q) && fnmatch(p, q)) || p === '*'));
}

function setCovers(a: readonly string[] | null, b: readonly string[] | null): boolean {
  if (!a || a.length === 0) return true;
  if (!b || b.length === 0) return false;
  return b.every((x) => a.includes(x));
}

/** True when every device `b` matches is also matched by `a` (so `a`, sorting first, wins). */
export function matchCovers(a: LinkConfig, b: LinkConfig): boolean {
  if (a.conditions.length > 0) return false;
  const ma: LinkMatch = a.match;
  const mb: LinkMatch = b.match;
  return setCovers(ma.macAddress, mb.macAddress) && setCovers(ma.permanentMacAddress, mb.permanentMacAddress) &&
    listCovers(ma.path, mb.path) && listCovers(ma.driver, mb.driver) && listCovers(ma.type, mb.type) &&
    listCovers(ma.kind, mb.kind) && listCovers(ma.originalName, mb.originalName) &&
    ma.property.every((p) => mb.property.includes(p));
}

/** A [Match] that no device can satisfy: a list negating everything, or a glob and its own negation. */
function neverMatches(m: LinkMatch): string | null {
  for (const [key, list] of [['Path', m.path], ['Driver', m.driver], ['Type', m.type], ['Kind', m.kind], ['OriginalName', m.originalName]] as const) {
    if (list.includes('!*')) return `${key}=!* excludes every device`;
    const positive = list.filter((p) => !p.startsWith('!'));
    if (positive.length > 0 && positive.every((p) => list.includes(`!${p}`))) return `${key}= both requires and excludes ${positive.join(' ')}`;
  }
  if (m.property.some((p) => m.property.includes(`!${p}`))) return 'Property= both requires and excludes the same value';
  return null;
}

export function lintNetworkFiles(files: readonly LintFile[], version: number): UnitDiagnostic[] {
  const out: UnitDiagnostic[] = [];
  const dropins = new Map<string, SourceText[]>();
  for (const f of files) {
    const dir = f.path.slice(0, f.path.lastIndexOf('/'));
    if (dir.endsWith('.link.d') && f.path.endsWith('.conf')) {
      const unit = base(dir).slice(0, -2);
      dropins.set(unit, [...(dropins.get(unit) ?? []), { path: f.path, text: f.text }]);
    }
  }
  const links: LinkConfig[] = [];
  for (const f of files) {
    if (f.path.endsWith('.link')) {
      const own = (dropins.get(base(f.path)) ?? []).sort((x, y) => (base(x.path) < base(y.path) ? -1 : 1));
      const config = parseLinkConfig({ path: f.path, text: f.text }, own, version);
      out.push(...config.diagnostics);
      if (config.failed) continue;
      if (matchIsEmpty(config.match) && config.conditions.length === 0) {
        out.push({ file: f.path, line: 1, severity: 'warning', id: 'empty-match', message: 'No [Match] key that udevd counts: udevd (>= 245) ignores this file. To match all interfaces, add OriginalName=* in the [Match] section.' });
        continue;
      }
      const never = neverMatches(config.match);
      if (never) out.push({ file: f.path, line: 1, severity: 'warning', id: 'never-matches', message: `This file can never match a device: ${never}.` });
      links.push(config);
    } else if (f.path.endsWith('.network') || (f.path.endsWith('.conf') && f.path.includes('.network.d/'))) {
      const parsed = parseUnitFile(f.path, f.text);
      out.push(...parsed.diagnostics);
      for (const a of parsed.assignments) {
        if (LINK_ONLY_KEYS.has(a.key)) {
          out.push({ file: f.path, line: a.line, severity: 'warning', id: 'link-key-in-network', message: `${a.key}= is a .link setting; systemd-networkd ignores it in a .network file. Put it in a .link file (e.g. /etc/systemd/network/10-NAME.link).` });
        }
      }
    }
  }
  // Shadowing: udevd tries files in name order and stops at the first match.
  links.sort((x, y) => (base(x.path) < base(y.path) ? -1 : base(x.path) > base(y.path) ? 1 : 0));
  for (let j = 1; j < links.length; j++) {
    const b = links[j]!;
    // A file of the same name is an override of this one (another tree, another directory), not a rival.
    const a = links.slice(0, j).find((earlier) => base(earlier.path) !== base(b.path) && matchCovers(earlier, b));
    if (a) out.push({ file: b.path, line: 1, severity: 'warning', id: 'shadowed', message: `Never applied: ${base(a.path)} sorts earlier and matches every device this file matches. Give this file a lexically earlier name.` });
  }
  return out.sort((x, y) => (x.file < y.file ? -1 : x.file > y.file ? 1 : x.line - y.line));
}

/**
 * Which systemd-networkd `.network` file takes a device, before and after the Calico/VPP takeover.
 * networkd reads every `.network` in its directories (a file in /etc hides one of the same name in
 * /run or /lib; a symlink to /dev/null or an empty file masks it), sorts them by file name, and gives a
 * device the first whose [Match] holds. A tap has no permanent address, so a file matching the uplink
 * by PermanentMACAddress= does not take the tap (Calico/VPP docs/install/systemd-networkd.md).
 *
 * [Match] keys modelled: Name= (globs), MACAddress=, PermanentMACAddress=, Driver=, Type=, Kind=,
 * Path=, Property= (the .link engine's matcher does the latter ones); other keys (Host=, ...) are
 * taken as holding. A file whose [Match] sets nothing is ignored, as networkd does since v245.
 */
import type { Host } from '../host.js';
import type { Interface } from '../../snapshot/schema.js';
import { parseUnitFile, splitWords } from '../../sources/unitfile.js';
import { fnmatch } from '../link/fnmatch.js';
import { firstMismatch } from '../link/explain.js';
import { linkDeviceFromInterface } from '../link/device.js';
import type { LinkMatch } from '../link/config.js';
import { SYSTEMD_NETWORK_DIRS } from '../../snapshot/systemd.js';


export const NETWORKD_DIRS = SYSTEMD_NETWORK_DIRS;

export interface NetworkFile {
  path: string;
  text: string;
  name: string[];
  match: LinkMatch;
  /** Line of each [Match] key, last assignment. */
  lines: Record<string, number>;
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** The `.network` files networkd uses, in the order it tries them. */
export function networkFiles(host: Host): NetworkFile[] {
  const byName = new Map<string, { path: string; text: string | null }>();
  for (const dir of NETWORKD_DIRS) {
    for (const f of host.filesUnder(dir)) {
      if (!f.path.endsWith('.network') || f.path.slice(dir.length + 1).includes('/')) continue;
      const n = basename(f.path);
      if (!byName.has(n)) byName.set(n, { path: f.path, text: f.content });
    }
  }
  return [...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .filter(([, f]) => f.text !== null)
    .map(([, f]) => readNetworkFile(f.path, f.text!))
    // networkd (v245 and later) ignores a file whose [Match] sets nothing: "add Name=* to match all".
    .filter((f) => !matchesNothingSet(f));
}

const MODELLED = new Set(['Name', 'MACAddress', 'PermanentMACAddress', 'Driver', 'Type', 'Kind', 'Path', 'Property']);

function matchesNothingSet(f: NetworkFile): boolean {
  const m = f.match;
  const otherKeys = Object.keys(f.lines).some((k) => !MODELLED.has(k));
  return f.name.length === 0 && !m.macAddress?.length && !m.permanentMacAddress?.length && !m.path.length && !m.driver.length &&
    !m.type.length && !m.kind.length && !m.property.length && !otherKeys;
}

export function readNetworkFile(path: string, text: string): NetworkFile {
  const parsed = parseUnitFile(path, text);
  const match: LinkMatch = { macAddress: null, permanentMacAddress: null, path: [], driver: [], type: [], kind: [], originalName: [], property: [] };
  const name: string[] = [];
  const lines: Record<string, number> = {};
  const globs: Record<string, string[]> = { Name: name, Driver: match.driver, Type: match.type, Kind: match.kind, Path: match.path };
  for (const a of parsed.assignments) {
    if (a.section !== 'Match') continue;
    lines[a.key] = a.line;
    const list = globs[a.key];
    if (list) {
      if (a.value.trim() === '') list.length = 0;
      else {
        const invert = a.value.startsWith('!');
        for (const w of splitWords(invert ? a.value.slice(1) : a.value).words) list.push(invert ? `!${w}` : w);
      }
    } else if (a.key === 'MACAddress' || a.key === 'PermanentMACAddress') {
      const key = a.key === 'MACAddress' ? 'macAddress' : 'permanentMacAddress';
      if (a.value.trim() === '') match[key] = null;
      else match[key] = [...(match[key] ?? []), ...splitWords(a.value).words.map((w) => w.toLowerCase().replace(/-/g, ':'))];
    } else if (a.key === 'Property') {
      match.property.push(...splitWords(a.value).words);
    }
  }
  return { path, text, name, match, lines };
}

function testGlobs(patterns: readonly string[], value: string): boolean {
  let positive = false;
  let hit = false;
  for (const p of patterns) {
    const invert = p.startsWith('!');
    if (!invert) positive = true;
    if (fnmatch(invert ? p.slice(1) : p, value)) {
      if (invert) return false;
      hit = true;
    }
  }
  return positive ? hit : true;
}

/** Why a `.network` does not take the device; null when it does. */
export function networkMismatch(host: Host, file: NetworkFile, iface: Interface): string | null {
  if (file.name.length && !testGlobs(file.name, iface.name)) return `Name=${file.name.join(' ')} vs ${iface.name}`;
  return firstMismatch(file.match, linkDeviceFromInterface(host, iface));
}

export function firstNetworkFor(host: Host, files: readonly NetworkFile[], iface: Interface): NetworkFile | null {
  return files.find((f) => networkMismatch(host, f, iface) === null) ?? null;
}

/** The tap Calico/VPP will create in place of a NIC: same name, MAC and MTU; no permanent address. */
export function futureTap(nic: Interface): Interface {
  return {
    ...nic, kind: 'tun', kindData: { type: 'tap' }, driver: null, devicePath: null, parentBus: null, permaddr: null,
    addrAssignType: 3, udev: null, devtype: null, arphrdType: 1, linkType: 'ether',
  };
}

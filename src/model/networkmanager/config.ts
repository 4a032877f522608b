/**
 * NetworkManager's merged configuration as the daemon builds it (src/core/nm-config.c,
 * read_entire_config and read_config; NetworkManager.conf(5)):
 *
 * 1. /usr/lib/NetworkManager/conf.d/*.conf, unless /etc or /run/NetworkManager/conf.d has a file of the
 *    same name; 2. /run/NetworkManager/conf.d/*.conf, unless /etc/NetworkManager/conf.d has one of the
 *    same name; 3. /etc/NetworkManager/NetworkManager.conf; 4. /etc/NetworkManager/conf.d/*.conf. Each
 *    directory in byte order of the names. A later value of a key replaces an earlier one; `key+=` adds
 *    specs to a device list and `key-=` removes them (device lists only, here). A snippet whose
 *    `[.config] enable=` is false is skipped. /var/lib/NetworkManager/NetworkManager-intern.conf (written
 *    by NetworkManager itself over D-Bus) is not read.
 * 2. [device*] sections: within one file top to bottom, later files first, the plain [device] last; a
 *    section of the same name in several files is one section, at the place of its first file.
 */
import type { FileRecord } from '../../snapshot/schema.js';
import { parseKeyfile, type ParsedKeyfile } from '../../sources/nm-keyfile.js';
import type { Host } from '../host.js';
import { splitSpecs } from './spec.js';

export const NM_MAIN_CONF = '/etc/NetworkManager/NetworkManager.conf';
export const NM_CONF_DIRS = { usr: '/usr/lib/NetworkManager/conf.d', run: '/run/NetworkManager/conf.d', etc: '/etc/NetworkManager/conf.d' } as const;

/** Where a value was set: the file and line of the assignment. */
export interface NmOrigin { file: string; line: number }

export interface NmValue { value: string; origin: NmOrigin; history: NmOrigin[] }

export interface NmDeviceSection {
  name: string;
  /** The match-device specs, or null when the section matches every device. */
  match: string[] | null;
  keys: Map<string, NmValue>;
  stopMatch: boolean;
}

export interface NmConfig {
  /** Files read, in the order NetworkManager reads them. */
  files: string[];
  /** Files shadowed by a file of the same name in a directory read later, or disabled by [.config]. */
  skipped: { file: string; why: string }[];
  /** Merged [group] key values (group and key as written, without +/-). */
  values: Map<string, Map<string, NmValue>>;
  /** [device*] sections in the order NetworkManager searches them. */
  deviceSections: NmDeviceSection[];
  /** A file GLib refuses: NetworkManager does not start with it. */
  refused: { file: string; line: number; message: string } | null;
}

const DEVICE_LIST_KEYS = new Set(['main/no-auto-default', 'main/ignore-carrier', 'main/assume-ipv6ll-only', 'keyfile/unmanaged-devices']);

function isDeviceList(group: string, key: string): boolean {
  return DEVICE_LIST_KEYS.has(`${group}/${key}`) || ((group.startsWith('device') || group.startsWith('connection')) && key === 'match-device');
}

/** Whether any NetworkManager configuration file was collected. */
export function hasNmConfig(host: Host): boolean {
  return nmConfigFiles(host).length > 0;
}

/** The readable configuration files, in reading order, with the names that were skipped. */
function ordered(host: Host): { files: FileRecord[]; skipped: { file: string; why: string }[] } {
  const confs = (dir: string) => host.filesUnder(dir).filter((f) => f.path.slice(dir.length + 1).match(/^[^/]+\.conf$/));
  const name = (f: FileRecord) => f.path.slice(f.path.lastIndexOf('/') + 1);
  const usr = confs(NM_CONF_DIRS.usr);
  const run = confs(NM_CONF_DIRS.run);
  const etc = confs(NM_CONF_DIRS.etc);
  const etcNames = new Set(etc.map(name));
  const runNames = new Set(run.map(name));
  const skipped: { file: string; why: string }[] = [];
  const keep = (list: FileRecord[], shadows: Set<string>[], by: string) => list.filter((f) => {
    if (!shadows.some((s) => s.has(name(f)))) return true;
    skipped.push({ file: f.path, why: `shadowed by a file of the same name in ${by}` });
    return false;
  });
  const byName = (a: FileRecord, b: FileRecord) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0);
  const main = host.file(NM_MAIN_CONF);
  const files = [
    ...keep(usr, [etcNames, runNames], `${NM_CONF_DIRS.etc} or ${NM_CONF_DIRS.run}`).sort(byName),
    ...keep(run, [etcNames], NM_CONF_DIRS.etc).sort(byName),
    ...(main ? [main] : []),
    ...etc.sort(byName),
  ];
  return { files, skipped };
}

function nmConfigFiles(host: Host): FileRecord[] {
  return ordered(host).files;
}

export function loadNmConfig(host: Host): NmConfig {
  const { files, skipped } = ordered(host);
  const values = new Map<string, Map<string, NmValue>>();
  const sectionOrder: string[] = [];
  const sectionFirstFile = new Map<string, number>();
  const read: string[] = [];
  let refused: NmConfig['refused'] = null;
  files.forEach((f, index) => {
    // A masked file (a symlink to /dev/null, an empty file) has no settings; NetworkManager reads it as empty.
    const parsed = parseKeyfile(f.path, f.content ?? '');
    if (parsed.error) {
      refused ??= { file: f.path, ...parsed.error };
      return;
    }
    if (f.path !== NM_MAIN_CONF && disabled(parsed)) {
      skipped.push({ file: f.path, why: '[.config] enable= is false' });
      return;
    }
    read.push(f.path);
    mergeFile(parsed, values);
    // Sections of this file, bottom to top, are appended; the whole list is reversed at the end.
    for (const g of [...parsed.groups].reverse()) {
      if (!g.name.startsWith('device') || sectionFirstFile.has(g.name)) continue;
      sectionFirstFile.set(g.name, index);
      sectionOrder.push(g.name);
    }
  });
  const searched = sectionOrder.reverse().sort((a, b) => Number(a === 'device') - Number(b === 'device'));
  return { files: read, skipped, values, deviceSections: searched.map((name) => deviceSection(name, values.get(name) ?? new Map())), refused };
}

function disabled(parsed: ParsedKeyfile): boolean {
  const enable = parsed.entries.find((e) => e.group === '.config' && e.key === 'enable');
  return enable !== undefined && /^(false|no|0|off)$/i.test(enable.value.trim());
}

function mergeFile(parsed: ParsedKeyfile, values: Map<string, Map<string, NmValue>>): void {
  for (const e of parsed.entries) {
    if (e.group === '.config' || e.group.startsWith('.intern.')) continue;
    const group = values.get(e.group) ?? new Map<string, NmValue>();
    values.set(e.group, group);
    const origin = { file: parsed.file, line: e.line };
    const op = e.key.length > 1 && (e.key.endsWith('+') || e.key.endsWith('-')) ? e.key.slice(-1) : null;
    const key = op ? e.key.slice(0, -1) : e.key;
    const old = group.get(key);
    const history = [...(old?.history ?? []), origin];
    if (op === null) {
      group.set(key, { value: e.value, origin, history });
      continue;
    }
    // +=/-= is honoured for device lists only; NetworkManager drops it on other keys.
    if (!isDeviceList(e.group, key)) continue;
    const before = old ? splitSpecs(old.value) : [];
    const given = splitSpecs(e.value);
    const after = op === '+' ? [...before, ...given.filter((s) => !before.includes(s))] : before.filter((s) => !given.includes(s));
    group.set(key, { value: joinSpecs(after), origin, history });
  }
}

/** Specs joined back into one value that splits into the same specs. */
export function joinSpecs(specs: readonly string[], separator: ',' | ';' = ','): string {
  return specs.map((s) => s.replace(/\\/g, '\\\\').replace(/[,;]/g, (c) => `\\${c}`).replace(/^\s|\s$/g, (c) => (c === ' ' ? '\\s' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'))).join(separator);
}

function deviceSection(name: string, keys: Map<string, NmValue>): NmDeviceSection {
  const match = keys.get('match-device');
  return { name, match: match ? splitSpecs(match.value) : null, keys, stopMatch: /^(true|yes|1|on)$/i.test(keys.get('stop-match')?.value.trim() ?? '') };
}

export function nmValue(config: NmConfig, group: string, key: string): NmValue | null {
  return config.values.get(group)?.get(key) ?? null;
}

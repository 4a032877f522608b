/**
 * Loading `.link` files as udevd does: the network directories in precedence order, a file name in
 * an earlier directory hiding the same name in later ones, masks, drop-ins, and one global lexical
 * order in which the first matching file wins.
 */
import type { Host } from '../host.js';
import type { FileRecord, HostFacts } from '../../snapshot/schema.js';
import type { UnitDiagnostic } from '../../sources/unitfile.js';
import { testConditions, type LinkCondition } from './conditions.js';
import { matchIsEmpty, parseLinkConfig, type LinkConfig, type SourceText } from './config.js';
import { DEFAULT_SYSTEMD_VERSION } from './keys.js';
import { has, verificationNote } from './versions.js';
import { SYSTEMD_NETWORK_DIRS } from '../../snapshot/systemd.js';


/** systemd's network directories, highest precedence first (/lib only on split-usr systems). */
export const LINK_DIRS = SYSTEMD_NETWORK_DIRS;


export type SkipReason = 'masked' | 'overridden' | 'parse-error' | 'empty-match' | 'conditions';

export interface SkippedLinkFile {
  path: string;
  reason: SkipReason;
  /** For 'overridden': the file that hides this one; for 'conditions': the failing condition. */
  by?: string;
  condition?: LinkCondition;
  message: string;
}

export interface LoadedLinkConfig extends LinkConfig {
  /** Conditions a snapshot cannot decide (Firmware=, Credential=, ...); assumed to hold. */
  conditionsUnknown: LinkCondition[];
}

export interface LinkConfigSet {
  systemdVersion: number;
  /** Whether the version was assumed because the snapshot does not record it. */
  versionAssumed: boolean;
  /** Set when the version was not run here: which verified version's behaviour stands in (versions.ts). */
  versionNote: string | null;
  /** Files udevd uses, in the order it tries them. */
  configs: LoadedLinkConfig[];
  skipped: SkippedLinkFile[];
  diagnostics: UnitDiagnostic[];
}

export interface LoadOptions {
  systemdVersion?: number | null;
  facts?: HostFacts;
}

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function precedence(dir: string): number {
  return LINK_DIRS.indexOf(dir);
}

/** Same-name override across directories: the winner per basename, and the ones it hides. */
export function winners(files: readonly FileRecord[]): { chosen: Map<string, FileRecord>; hidden: [FileRecord, FileRecord][] } {
  const chosen = new Map<string, FileRecord>();
  const hidden: [FileRecord, FileRecord][] = [];
  const sorted = [...files].sort((a, b) => precedence(dirOf(a.path)) - precedence(dirOf(b.path)));
  for (const f of sorted) {
    const name = baseOf(f.path);
    const winner = chosen.get(name);
    if (winner) hidden.push([f, winner]);
    else chosen.set(name, f);
  }
  return { chosen, hidden };
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const NO_FACTS: HostFacts = {
  hostname: null, kernelRelease: null, architecture: null, kernelCommandLine: null,
  os: { id: null, versionId: null, prettyName: null }, systemdVersion: null, virtualization: null, machineId: null,
};

/** Loads every `.link` file among `files` (paths as on the analysed host). Pure. */
export function loadLinkConfigsFromFiles(files: readonly FileRecord[], options: LoadOptions = {}): LinkConfigSet {
  const version = options.systemdVersion ?? DEFAULT_SYSTEMD_VERSION;
  const facts = options.facts ?? NO_FACTS;
  const set: LinkConfigSet = { systemdVersion: version, versionAssumed: options.systemdVersion == null, versionNote: verificationNote(version), configs: [], skipped: [], diagnostics: [] };
  const mains: FileRecord[] = [];
  const dropinsByUnit = new Map<string, FileRecord[]>();
  for (const f of files) {
    const dir = dirOf(f.path);
    const name = baseOf(f.path);
    if (name.startsWith('.')) continue; // conf_files_list() skips hidden files
    if (precedence(dir) >= 0 && name.endsWith('.link')) {
      mains.push(f);
      continue;
    }
    const parent = dirOf(dir);
    const dropinDir = baseOf(dir);
    if (precedence(parent) >= 0 && dropinDir.endsWith('.link.d') && name.endsWith('.conf')) {
      const unit = dropinDir.slice(0, -2);
      const list = dropinsByUnit.get(unit) ?? [];
      list.push(f);
      dropinsByUnit.set(unit, list);
    }
  }
  const { chosen, hidden } = winners(mains);
  for (const [f, winner] of hidden) {
    set.skipped.push({ path: f.path, reason: 'overridden', by: winner.path, message: `${f.path} is hidden by ${winner.path} (same name, higher-precedence directory)` });
  }
  for (const name of [...chosen.keys()].sort(byName)) {
    const f = chosen.get(name)!;
    if (f.mask !== null || f.content === null || f.content === '') {
      set.skipped.push({ path: f.path, reason: 'masked', message: `${f.path} is masked (${f.mask === 'dev-null' ? 'symlink to /dev/null' : 'empty file'})` });
      continue;
    }
    const dropins: SourceText[] = [];
    if (has(version, 'dropins')) {
      const d = winners(dropinsByUnit.get(name) ?? []);
      for (const conf of [...d.chosen.keys()].sort(byName)) {
        const r = d.chosen.get(conf)!;
        // A masked drop-in only hides the same-named ones below it.
        if (r.content !== null && r.mask === null) dropins.push({ path: r.path, text: r.content });
      }
    }
    const config = parseLinkConfig({ path: f.path, text: f.content }, dropins, version);
    set.diagnostics.push(...config.diagnostics);
    if (config.failed) {
      set.skipped.push({ path: f.path, reason: 'parse-error', message: `${config.failed.file}:${config.failed.line}: ${config.failed.message}` });
      continue;
    }
    if (has(version, 'empty-match-ignored') && matchIsEmpty(config.match) && config.conditions.length === 0) {
      const message = `${f.path}: No valid settings found in the [Match] section, ignoring file. To match all interfaces, add OriginalName=* in the [Match] section.`;
      set.skipped.push({ path: f.path, reason: 'empty-match', message });
      set.diagnostics.push({ file: f.path, line: 1, severity: 'warning', id: 'empty-match', message: 'No valid settings found in the [Match] section, ignoring file. To match all interfaces, add OriginalName=* in the [Match] section.' });
      continue;
    }
    const cond = testConditions(config.conditions, facts);
    if (cond.result === false) {
      const c = cond.failed!;
      set.skipped.push({ path: f.path, reason: 'conditions', condition: c, message: `${f.path}: Conditions do not match the system environment, skipping (${c.key}=${c.negate ? '!' : ''}${c.value} at line ${c.line}).` });
      continue;
    }
    const policy = config.link.macAddressPolicy;
    if (policy && policy.value !== 'none' && config.link.macAddress) {
      const m = config.link.macAddress;
      set.diagnostics.push({ file: m.file, line: m.line, severity: 'warning', id: 'mac-ignored', message: `MACAddress= in [Link] section will be ignored when MACAddressPolicy= is set to "persistent" or "random".` });
    }
    set.configs.push({ ...config, conditionsUnknown: cond.unknown });
  }
  return set;
}

/** The `.link` configuration of a host, from its snapshot's files and recorded systemd version. */
export function loadLinkConfigs(host: Host): LinkConfigSet {
  return loadLinkConfigsFromFiles(host.snapshot.files, { systemdVersion: host.snapshot.host.systemdVersion, facts: host.snapshot.host });
}

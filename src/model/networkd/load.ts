/**
 * Loading systemd-networkd's configuration as networkd does: `.network` files from the network
 * directories (a name in a higher directory hides the same name below; a symlink to /dev/null or an
 * empty file masks it), their `NAME.network.d/*.conf` drop-ins, one lexical order in which the first
 * matching file takes a link; and networkd.conf with its drop-ins for the ManageForeign* settings.
 */
import type { Host } from '../host.js';
import type { FileRecord, HostFacts } from '../../snapshot/schema.js';
import { NETWORKD_CONF_DIRS, SYSTEMD_NETWORK_DIRS } from '../../snapshot/systemd.js';
import { parseUnitFile, type UnitDiagnostic } from '../../sources/unitfile.js';
import { testConditions, type LinkCondition } from '../link/conditions.js';
import type { SourceText, Sourced } from '../link/config.js';
import { DEFAULT_SYSTEMD_VERSION } from '../link/keys.js';
import { winners } from '../link/load.js';
import { has } from '../link/versions.js';
import { networkMatchIsEmpty, parseNetworkConfig, type NetworkConfig } from './network.js';
import { FOREIGN_SETTINGS, IPV6_FORWARDING_SINCE, type ForeignKind } from './versions.js';

export interface LoadedNetworkConfig extends NetworkConfig {
  /** Conditions a snapshot cannot decide (Firmware=, ...): assumed to hold. */
  conditionsUnknown: LinkCondition[];
}

export interface SkippedNetworkFile {
  path: string;
  reason: 'masked' | 'overridden' | 'parse-error' | 'empty-match' | 'conditions';
  message: string;
}

/** One ManageForeign* setting as networkd will use it. */
export interface ForeignSetting {
  kind: ForeignKind;
  key: string;
  /** Whether networkd removes foreign objects of this kind. */
  manage: boolean;
  /** Where it was set; null when it is the default. */
  source: Sourced<string> | null;
  /** False when this systemd version has no such setting (networkd then always removes them). */
  supported: boolean;
}

export interface NetworkdConfig {
  systemdVersion: number;
  versionAssumed: boolean;
  /** `.network` files in the order networkd tries them. */
  networks: LoadedNetworkConfig[];
  skipped: SkippedNetworkFile[];
  foreign: Record<ForeignKind, ForeignSetting>;
  /** networkd.conf [Network] IPv6Forwarding= (256 and later): the default of every link's; null when unset. */
  ipv6Forwarding: Sourced<boolean> | null;
  diagnostics: UnitDiagnostic[];
}

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const NO_FACTS: HostFacts = {
  hostname: null, kernelRelease: null, architecture: null, kernelCommandLine: null,
  os: { id: null, versionId: null, prettyName: null }, systemdVersion: null, virtualization: null, machineId: null,
};

export interface NetworkdLoadOptions {
  systemdVersion?: number | null;
  facts?: HostFacts;
}

/** The `.network` files and networkd.conf among `files` (paths as on the analysed host). Pure. */
export function loadNetworkdConfig(files: readonly FileRecord[], options: NetworkdLoadOptions = {}): NetworkdConfig {
  const version = options.systemdVersion ?? DEFAULT_SYSTEMD_VERSION;
  const conf = networkdConfSources(files);
  const out: NetworkdConfig = {
    systemdVersion: version, versionAssumed: options.systemdVersion == null, networks: [], skipped: [],
    foreign: readForeignSettings(conf, version), ipv6Forwarding: readIpv6Forwarding(conf, version), diagnostics: [],
  };
  const { mains, dropins } = networkFiles(files);
  const { chosen, hidden } = winners(mains);
  for (const [f, winner] of hidden) {
    out.skipped.push({ path: f.path, reason: 'overridden', message: `${f.path} is hidden by ${winner.path} (same name, higher-precedence directory)` });
  }
  for (const name of [...chosen.keys()].sort(byName)) {
    const f = chosen.get(name)!;
    if (f.mask !== null || f.content === null || f.content === '') {
      out.skipped.push({ path: f.path, reason: 'masked', message: `${f.path} is masked (${f.mask === 'dev-null' ? 'symlink to /dev/null' : 'empty file'})` });
      continue;
    }
    const config = parseNetworkConfig({ path: f.path, text: f.content }, dropinTexts(dropins.get(name) ?? [], version), version);
    out.diagnostics.push(...config.diagnostics);
    const skip = skipReason(config, options.facts ?? NO_FACTS, version);
    if (skip) {
      out.skipped.push({ path: f.path, ...skip });
      continue;
    }
    out.networks.push({ ...config, conditionsUnknown: testConditions(config.conditions, options.facts ?? NO_FACTS).unknown });
  }
  return out;
}

/** Main `.network` files and, per file name, their drop-ins. */
function networkFiles(files: readonly FileRecord[]): { mains: FileRecord[]; dropins: Map<string, FileRecord[]> } {
  const mains: FileRecord[] = [];
  const dropins = new Map<string, FileRecord[]>();
  for (const f of files) {
    const dir = dirOf(f.path);
    const name = baseOf(f.path);
    if (name.startsWith('.')) continue;
    if (SYSTEMD_NETWORK_DIRS.includes(dir) && name.endsWith('.network')) {
      mains.push(f);
    } else if (SYSTEMD_NETWORK_DIRS.includes(dirOf(dir)) && baseOf(dir).endsWith('.network.d') && name.endsWith('.conf')) {
      const unit = baseOf(dir).slice(0, -2);
      dropins.set(unit, [...(dropins.get(unit) ?? []), f]);
    }
  }
  return { mains, dropins };
}

/** Drop-ins in application order: by file name, a name in a higher directory hiding the same below, masks hiding only. */
function dropinTexts(records: readonly FileRecord[], version: number): SourceText[] {
  if (!has(version, 'dropins')) return [];
  const d = winners(records);
  return [...d.chosen.keys()].sort(byName)
    .map((n) => d.chosen.get(n)!)
    .filter((r) => r.content !== null && r.mask === null)
    .map((r) => ({ path: r.path, text: r.content! }));
}

function skipReason(config: NetworkConfig, facts: HostFacts, version: number): Omit<SkippedNetworkFile, 'path'> | null {
  if (config.failed) return { reason: 'parse-error', message: `${config.failed.file}:${config.failed.line}: ${config.failed.message}` };
  if (has(version, 'empty-match-ignored') && networkMatchIsEmpty(config)) {
    return { reason: 'empty-match', message: `${config.path}: No valid settings found in the [Match] section, ignoring file. To match all interfaces, add Name=* in the [Match] section.` };
  }
  const cond = testConditions(config.conditions, facts);
  if (cond.result === false) {
    const c = cond.failed!;
    return { reason: 'conditions', message: `${config.path}: Conditions do not match the system environment, skipping (${c.key}=${c.negate ? '!' : ''}${c.value} at line ${c.line}).` };
  }
  return null;
}

const TRUE = /^(1|yes|y|true|t|on)$/i;
const FALSE = /^(0|no|n|false|f|off)$/i;

function confPrecedence(path: string): number {
  const dir = dirOf(path);
  const base = dir.endsWith('/networkd.conf.d') ? dirOf(dir) : dir;
  return NETWORKD_CONF_DIRS.indexOf(base);
}

/**
 * networkd.conf as networkd reads it: the main file from the first directory that has one, then the
 * drop-ins of every networkd.conf.d in file-name order (a name in a higher directory hiding the same
 * below); the last assignment of a key wins.
 */
function networkdConfSources(files: readonly FileRecord[]): FileRecord[] {
  const main = files
    .filter((f) => baseOf(f.path) === 'networkd.conf' && NETWORKD_CONF_DIRS.includes(dirOf(f.path)))
    .sort((a, b) => confPrecedence(a.path) - confPrecedence(b.path))[0];
  const dropins = new Map<string, FileRecord>();
  for (const f of files.filter((r) => baseOf(dirOf(r.path)) === 'networkd.conf.d' && r.path.endsWith('.conf') && confPrecedence(r.path) >= 0)
    .sort((a, b) => confPrecedence(a.path) - confPrecedence(b.path))) {
    if (!dropins.has(baseOf(f.path))) dropins.set(baseOf(f.path), f);
  }
  return [main, ...[...dropins.keys()].sort(byName).map((n) => dropins.get(n)!)]
    .filter((f): f is FileRecord => f !== undefined && f.content !== null && f.mask === null);
}

/** The ManageForeign* settings of networkd.conf; keys this version does not know are ignored. */
function readForeignSettings(sources: readonly FileRecord[], version: number): Record<ForeignKind, ForeignSetting> {
  const result = {} as Record<ForeignKind, ForeignSetting>;
  for (const row of FOREIGN_SETTINGS) {
    result[row.kind] = { kind: row.kind, key: row.key, manage: true, source: null, supported: version >= row.since };
  }
  for (const f of sources) {
    for (const a of parseUnitFile(f.path, f.content!).assignments) {
      const row = FOREIGN_SETTINGS.find((r) => a.section === 'Network' && r.key === a.key);
      if (!row || version < row.since) continue;
      const setting = result[row.kind];
      // config_parse_bool: a value that is not a boolean (the empty one too) is ignored.
      if (TRUE.test(a.value) || FALSE.test(a.value)) Object.assign(setting, { manage: TRUE.test(a.value), source: { value: a.value, file: a.file, line: a.line } });
    }
  }
  return result;
}

/** networkd.conf's [Network] IPv6Forwarding= (256 and later, a tristate: empty unsets it); null when unset. */
function readIpv6Forwarding(sources: readonly FileRecord[], version: number): Sourced<boolean> | null {
  if (version < IPV6_FORWARDING_SINCE) return null;
  let out: Sourced<boolean> | null = null;
  for (const f of sources) {
    for (const a of parseUnitFile(f.path, f.content!).assignments) {
      if (a.section !== 'Network' || a.key !== 'IPv6Forwarding') continue;
      if (a.value === '') out = null;
      else if (TRUE.test(a.value) || FALSE.test(a.value)) out = { value: TRUE.test(a.value), file: a.file, line: a.line };
    }
  }
  return out;
}

/** The networkd configuration of a host, from its snapshot's files and recorded systemd version. */
export function loadNetworkd(host: Host): NetworkdConfig {
  return loadNetworkdConfig(host.snapshot.files, { systemdVersion: host.snapshot.host.systemdVersion, facts: host.snapshot.host });
}

/**
 * One `.link` file with its drop-ins, read into the settings udevd acts on. Each modelled setting
 * remembers the file and line it came from, so a finding can cite `99-default.link:20`.
 */
import { isValidIfname } from '../../sources/ifname.js';
import { parseUnitFile, splitWords, type UnitAssignment, type UnitDiagnostic } from '../../sources/unitfile.js';
import { parseConditionValue, type ConditionKey, type LinkCondition } from './conditions.js';
import { linkSchema } from './keys.js';
import { has } from './versions.js';
import {
  ALTERNATIVE_NAME_POLICIES, MAC_ADDRESS_POLICIES, NAME_POLICIES, parseMtu,
  type MacAddressPolicy, type NamePolicy,
} from './values.js';
import { parseHwAddr } from '../../net/mac.js';

/** Where a setting came from. */
export interface SettingSource {
  file: string;
  line: number;
}

export interface Sourced<T> extends SettingSource {
  value: T;
}

export interface LinkMatch {
  /** MACAddress=: a set of exact addresses (lower-case colon form); null when not given. */
  macAddress: string[] | null;
  permanentMacAddress: string[] | null;
  /** Glob lists; a leading "!" on an entry negates it (systemd puts it on every word of a "!" value). */
  path: string[];
  driver: string[];
  type: string[];
  kind: string[];
  originalName: string[];
  /** KEY=GLOB entries, all of which must hold; "!" negates an entry. */
  property: string[];
}

export interface LinkSettings {
  macAddressPolicy: Sourced<MacAddressPolicy> | null;
  macAddress: Sourced<string> | null;
  namePolicy: Sourced<NamePolicy[]> | null;
  name: Sourced<string> | null;
  alternativeNamesPolicy: Sourced<string[]> | null;
  alternativeNames: Sourced<string[]> | null;
  mtuBytes: Sourced<number> | null;
  description: Sourced<string> | null;
  /** Every other [Link] key as written (last assignment wins), for display and rules. */
  other: Record<string, Sourced<string>>;
}

export interface LinkConfig {
  /** The main file's path (the one udevd reports as ID_NET_LINK_FILE). */
  path: string;
  /** Drop-in paths in the order they were applied. */
  dropins: string[];
  match: LinkMatch;
  /** Where each [Match] key was last set (for evidence). */
  matchSources: Record<string, SettingSource>;
  conditions: LinkCondition[];
  link: LinkSettings;
  diagnostics: UnitDiagnostic[];
  /** Set when udevd refuses the file (a broken section header). */
  failed: UnitDiagnostic | null;
}

export interface SourceText {
  path: string;
  text: string;
}

const MATCH_LISTS: Record<string, keyof LinkMatch> = {
  Path: 'path', Driver: 'driver', Type: 'type', Kind: 'kind',
};

function emptyMatch(): LinkMatch {
  return { macAddress: null, permanentMacAddress: null, path: [], driver: [], type: [], kind: [], originalName: [], property: [] };
}

/** True when no [Match] key that udevd counts is set (conditions are counted separately). */
export function matchIsEmpty(m: LinkMatch): boolean {
  return !m.macAddress?.length && !m.permanentMacAddress?.length && !m.path.length && !m.driver.length && !m.type.length &&
    !m.kind.length && !m.originalName.length && !m.property.length;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** env_value_is_valid(): control characters other than tab and newline are refused. */
function hasControlChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10) || c === 127) return true;
  }
  return false;
}

/** Reads a main file and its drop-ins (in application order) as the given systemd version does. */
export function parseLinkConfig(main: SourceText, dropins: readonly SourceText[], version: number): LinkConfig {
  const config: LinkConfig = {
    path: main.path,
    dropins: dropins.map((d) => d.path),
    match: emptyMatch(),
    matchSources: {},
    conditions: [],
    link: {
      macAddressPolicy: null, macAddress: null, namePolicy: null, name: null, alternativeNamesPolicy: null,
      alternativeNames: null, mtuBytes: null, description: null, other: {},
    },
    diagnostics: [],
    failed: null,
  };
  const schema = linkSchema(version);
  for (const source of [main, ...dropins]) {
    const parsed = parseUnitFile(source.path, source.text, schema);
    config.diagnostics.push(...parsed.diagnostics);
    if (parsed.failed) {
      config.failed = parsed.failed;
      return config;
    }
    for (const a of parsed.assignments) apply(config, a, version);
  }
  return config;
}

function warn(config: LinkConfig, a: UnitAssignment, message: string): void {
  config.diagnostics.push({ file: a.file, line: a.line, severity: 'warning', id: 'invalid-value', message });
}

function apply(config: LinkConfig, a: UnitAssignment, version: number): void {
  if (a.section === 'Match') applyMatch(config, a, version);
  else if (a.section === 'Link') applyLink(config, a);
  // [SR-IOV] is accepted and not modelled: it configures virtual functions, not the MAC or the name.
}

/** One [Match] assignment applied as udevd reads it; the `.network` reader reuses it for the keys both share. */
export function applyMatch(config: LinkConfig, a: UnitAssignment, version: number): void {
  const m = config.match;
  const src = { file: a.file, line: a.line };
  const v = a.value;
  switch (a.key) {
    case 'MACAddress':
    case 'PermanentMACAddress': {
      const field = a.key === 'MACAddress' ? 'macAddress' : 'permanentMacAddress';
      if (v === '') {
        m[field] = null;
        break;
      }
      const { words, error } = splitWords(v);
      const set = m[field] ?? [];
      for (const w of words) {
        const mac = parseHwAddr(w);
        if (mac === null) warn(config, a, `Invalid hardware address, ignoring: ${w}`);
        else if (!set.includes(mac)) set.push(mac);
      }
      if (error) warn(config, a, `Invalid syntax, ignoring: ${v}`);
      // systemd allocates the set on the first valid address: none valid leaves the key unset.
      m[field] = set.length ? set : null;
      break;
    }
    case 'OriginalName': {
      if (v === '') {
        if (has(version, 'empty-list-resets')) m.originalName = [];
        break;
      }
      const invert = v.startsWith('!');
      const { words, error } = splitWords(invert ? v.slice(1) : v);
      for (const w of words) {
        if (!isValidIfname(w)) warn(config, a, `Interface name is not valid or too long, ignoring assignment: ${w}`);
        else m.originalName.push(invert ? `!${w}` : w);
      }
      if (error) warn(config, a, `Failed to parse interface name list, ignoring: ${v}`);
      break;
    }
    case 'Path':
    case 'Driver':
    case 'Type':
    case 'Kind': {
      const field = MATCH_LISTS[a.key] as 'path';
      if (v === '') {
        m[field] = [];
        break;
      }
      const invert = v.startsWith('!');
      const { words, error } = splitWords(invert ? v.slice(1) : v, { unquote: true, retainEscape: true });
      for (const w of words) m[field].push(invert ? `!${w}` : w);
      if (error) warn(config, a, `Invalid syntax, ignoring: ${v}`);
      break;
    }
    case 'Property': {
      if (v === '') {
        if (has(version, 'empty-list-resets')) m.property = [];
        break;
      }
      const invert = v.startsWith('!');
      const { words, error } = splitWords(invert ? v.slice(1) : v, { unquote: true, cunescape: true });
      for (const w of words) {
        const eq = w.indexOf('=');
        if (eq <= 0 || !ENV_NAME.test(w.slice(0, eq)) || hasControlChars(w.slice(eq + 1))) {
          warn(config, a, `Invalid property or value, ignoring assignment: ${w}`);
          continue;
        }
        m.property.push(invert ? `!${w}` : w);
      }
      if (error) warn(config, a, `Invalid syntax, ignoring: ${v}`);
      break;
    }
    default: {
      const key = a.key as ConditionKey;
      // A new assignment of a condition replaces the previous one of its kind; an empty one clears it.
      config.conditions = config.conditions.filter((c) => c.key !== key);
      if (v !== '') config.conditions.push({ key, ...parseConditionValue(v), file: a.file, line: a.line });
    }
  }
  config.matchSources[a.key] = src;
}

function applyLink(config: LinkConfig, a: UnitAssignment): void {
  const l = config.link;
  const v = a.value;
  const sourced = <T>(value: T): Sourced<T> => ({ value, file: a.file, line: a.line });
  switch (a.key) {
    case 'MACAddressPolicy':
      if (v === '') l.macAddressPolicy = sourced('none');
      else if ((MAC_ADDRESS_POLICIES as readonly string[]).includes(v)) l.macAddressPolicy = sourced(v as MacAddressPolicy);
      else warn(config, a, `Failed to parse MAC address policy, ignoring: ${v}`);
      return;
    case 'MACAddress': {
      if (v === '') {
        l.macAddress = null;
        return;
      }
      const mac = parseHwAddr(v);
      if (mac === null) warn(config, a, `Not a valid hardware address, ignoring assignment: ${v}`);
      else l.macAddress = sourced(mac);
      return;
    }
    case 'NamePolicy':
    case 'AlternativeNamesPolicy': {
      if (v === '') {
        if (a.key === 'NamePolicy') l.namePolicy = null;
        else l.alternativeNamesPolicy = null;
        return;
      }
      const allowed: readonly string[] = a.key === 'NamePolicy' ? NAME_POLICIES : ALTERNATIVE_NAME_POLICIES;
      const list: string[] = [];
      for (const w of splitWords(v).words) {
        if (!allowed.includes(w)) warn(config, a, `Failed to parse ${a.key === 'NamePolicy' ? 'interface name' : 'alternative names'} policy, ignoring: ${w}`);
        else if (!list.includes(w)) list.push(w);
      }
      if (a.key === 'NamePolicy') l.namePolicy = sourced(list as NamePolicy[]);
      else l.alternativeNamesPolicy = sourced(list);
      return;
    }
    case 'Name':
      if (v === '') l.name = null;
      else if (!isValidIfname(v)) warn(config, a, `Interface name is not valid or too long, ignoring assignment: ${v}`);
      else l.name = sourced(v);
      return;
    case 'AlternativeName': {
      if (v === '') {
        l.alternativeNames = null;
        return;
      }
      const names = l.alternativeNames?.value ?? [];
      for (const w of splitWords(v).words) {
        if (!isValidIfname(w, true)) warn(config, a, `Interface name is not valid or too long, ignoring assignment: ${w}`);
        else if (!names.includes(w)) names.push(w);
      }
      l.alternativeNames = sourced(names);
      return;
    }
    case 'MTUBytes': {
      if (v === '') {
        l.mtuBytes = null;
        return;
      }
      const r = parseMtu(v);
      if ('error' in r) warn(config, a, `${r.error}, ignoring`);
      else l.mtuBytes = r.mtu === 0 ? null : sourced(r.mtu);
      return;
    }
    case 'Description':
      l.description = v === '' ? null : sourced(v);
      return;
    default: {
      if (v === '') {
        delete l.other[a.key];
        return;
      }
      const problem = OTHER_VALIDATORS[a.key]?.(v);
      if (problem) warn(config, a, `Failed to parse ${a.key}=, ignoring assignment: ${v} (${problem})`);
      else l.other[a.key] = sourced(v);
    }
  }
}

const BOOLEAN = /^(1|yes|y|true|t|on|0|no|n|false|f|off)$/i;
const tristate = (v: string): string | null => (BOOLEAN.test(v) ? null : 'expected a boolean');
const oneOf = (...values: string[]) => (v: string): string | null => (values.includes(v) ? null : `expected one of ${values.join(', ')}`);
const uintIn = (min: number, max: number) => (v: string): string | null =>
  /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max ? null : `expected a number from ${min} to ${max}`;

/** Value checks for the [Link] keys hostnet does not model further (what udevd's parsers refuse). */
const OTHER_VALIDATORS: Record<string, (v: string) => string | null> = {
  ...Object.fromEntries(['ReceiveChecksumOffload', 'TransmitChecksumOffload', 'GenericSegmentationOffload', 'TCPSegmentationOffload',
    'TCP6SegmentationOffload', 'GenericReceiveOffload', 'GenericReceiveOffloadHardware', 'LargeReceiveOffload',
    'ReceiveVLANCTAGHardwareAcceleration', 'TransmitVLANCTAGHardwareAcceleration', 'ReceiveVLANCTAGFilter',
    'TransmitVLANSTAGHardwareAcceleration', 'NTupleFilter', 'RxFlowControl', 'TxFlowControl', 'AutoNegotiationFlowControl',
    'AutoNegotiation', 'UseAdaptiveRxCoalesce', 'UseAdaptiveTxCoalesce'].map((k) => [k, tristate])),
  TransmitQueues: uintIn(1, 4096),
  ReceiveQueues: uintIn(1, 4096),
  TransmitQueueLength: uintIn(0, 0xfffffffe),
  Duplex: oneOf('half', 'full'),
  Port: oneOf('tp', 'aui', 'bnc', 'mii', 'fibre'),
  MDI: oneOf('straight', 'mdi', 'crossover', 'mdi-x', 'mdix', 'auto'),
};

/**
 * One systemd-networkd `.network` file with its drop-ins, read into what decides which links it takes
 * and what it does to them. The [Match] keys it shares with `.link` files (MACAddress=, Driver=, Type=,
 * Kind=, Path=, Property= and the conditions) are read by the `.link` engine's own code; Name= is
 * `.link`'s OriginalName= with alternative names allowed (systemd parses both with the same function).
 */
import { isValidIfname } from '../../sources/ifname.js';
import { parseUnitFile, splitWords, type UnitAssignment, type UnitDiagnostic } from '../../sources/unitfile.js';
import { applyMatch, matchIsEmpty, type LinkConfig, type LinkMatch, type SettingSource, type SourceText, type Sourced } from '../link/config.js';
import type { LinkCondition } from '../link/conditions.js';
import { has } from '../link/versions.js';
import { IPV6_FORWARDING_SINCE } from './versions.js';

/** [Match] keys of `.network` only a wireless link can satisfy. */
const WIRELESS_KEYS = new Set(['WLANInterfaceType', 'SSID', 'BSSID']);
/** [Match] keys read as conditions (tested once, against the machine). */
const CONDITION_KEYS = new Set(['Host', 'Virtualization', 'KernelCommandLine', 'KernelVersion', 'Architecture', 'Firmware', 'Credential']);
/** [Match] keys the `.link` reader parses the same way for `.network`. */
const SHARED_KEYS = new Set(['MACAddress', 'PermanentMACAddress', 'Path', 'Driver', 'Type', 'Kind', 'Property']);

export type KeepConfiguration = 'yes' | 'no' | 'static' | 'dhcp' | 'dhcp-on-stop';

/** A [RoutingPolicyRule] section: the fields a kernel rule is compared on. */
export interface ConfiguredRule {
  priority: number | null;
  table: string | null;
  from: string | null;
  to: string | null;
  fwmark: string | null;
  iif: string | null;
  oif: string | null;
  line: number;
}

/** A [Route] section: enough to recognise the route networkd itself installs. */
export interface ConfiguredRoute {
  destination: string | null;
  gateway: string | null;
  table: string | null;
  line: number;
}

export interface NetworkSettings {
  unmanaged: Sourced<boolean> | null;
  /** IPv6AcceptRA= (or its old name IPv6AcceptRouterAdvertisements=); null when unset. */
  ipv6AcceptRa: Sourced<boolean> | null;
  /** IPForward= (before 256): no, yes, ipv4 or ipv6 ("kernel" reads as no). */
  ipForward: Sourced<'no' | 'yes' | 'ipv4' | 'ipv6'> | null;
  /** IPv6Forwarding= (256 and later). */
  ipv6Forwarding: Sourced<boolean> | null;
  /** IPMasquerade=: no, ipv4, ipv6 or both (a boolean yes reads as ipv4); it implies forwarding of its families. */
  ipMasquerade: Sourced<'no' | 'ipv4' | 'ipv6' | 'both'> | null;
  /** Bridge=: the link is a port of that bridge (link-local addressing then defaults to off). */
  bridge: Sourced<string> | null;
  dhcp: Sourced<string> | null;
  linkLocalAddressing: Sourced<string> | null;
  keepConfiguration: Sourced<KeepConfiguration> | null;
  /** Address= of [Network] and of [Address] sections. */
  addresses: Sourced<string>[];
  routes: ConfiguredRoute[];
  rules: ConfiguredRule[];
  /** Id= of each [NextHop] section. */
  nexthopIds: number[];
}

export interface NetworkConfig {
  path: string;
  dropins: string[];
  /** Name= globs (a leading "!" negates), then the keys shared with `.link`. */
  name: string[];
  match: LinkMatch;
  matchSources: Record<string, SettingSource>;
  conditions: LinkCondition[];
  /** WLANInterfaceType=, SSID=, BSSID= as written: only a wireless link can match them. */
  wireless: Sourced<string>[];
  settings: NetworkSettings;
  diagnostics: UnitDiagnostic[];
  failed: UnitDiagnostic | null;
}

const TRUE = /^(1|yes|y|true|t|on)$/i;
const FALSE = /^(0|no|n|false|f|off)$/i;

function parseBool(v: string): boolean | null {
  return TRUE.test(v) ? true : FALSE.test(v) ? false : null;
}

/** The [Match] part as a `.link` configuration, so the `.link` reader can fill it. */
function matchHolder(path: string): LinkConfig {
  return {
    path, dropins: [], matchSources: {}, conditions: [], diagnostics: [], failed: null,
    match: { macAddress: null, permanentMacAddress: null, path: [], driver: [], type: [], kind: [], originalName: [], property: [] },
    link: { macAddressPolicy: null, macAddress: null, namePolicy: null, name: null, alternativeNamesPolicy: null, alternativeNames: null, mtuBytes: null, description: null, other: {} },
  };
}

/** Reads a main `.network` file and its drop-ins (in application order) as the given networkd version does. */
export function parseNetworkConfig(main: SourceText, dropins: readonly SourceText[], version: number): NetworkConfig {
  const holder = matchHolder(main.path);
  const config: NetworkConfig = {
    path: main.path, dropins: dropins.map((d) => d.path), name: [], match: holder.match, matchSources: holder.matchSources,
    conditions: [], wireless: [],
    settings: { unmanaged: null, ipv6AcceptRa: null, ipForward: null, ipv6Forwarding: null, ipMasquerade: null, bridge: null, dhcp: null, linkLocalAddressing: null, keepConfiguration: null, addresses: [], routes: [], rules: [], nexthopIds: [] },
    diagnostics: [], failed: null,
  };
  for (const source of [main, ...dropins]) {
    const parsed = parseUnitFile(source.path, source.text);
    config.diagnostics.push(...parsed.diagnostics);
    if (parsed.failed) {
      config.failed = parsed.failed;
      return config;
    }
    applySections(config, holder, parsed.assignments, parsed.sections.map((h) => h.line), version);
  }
  config.conditions = holder.conditions;
  config.diagnostics.push(...holder.diagnostics);
  return config;
}

/** Assignments grouped by section occurrence: each [Route] or [RoutingPolicyRule] header starts a new one. */
function applySections(config: NetworkConfig, holder: LinkConfig, assignments: readonly UnitAssignment[], headers: readonly number[], version: number): void {
  let group: UnitAssignment[] = [];
  let groupKey = '';
  const flush = (): void => {
    if (group.length) applyGroup(config, group);
    group = [];
  };
  for (const a of assignments) {
    if (a.section === 'Match') {
      applyMatchKey(config, holder, a, version);
      continue;
    }
    if (a.section === 'Link' || a.section === 'Network') {
      applySetting(config, a, version);
      continue;
    }
    const key = `${a.section}@${headerBefore(headers, a.line)}`;
    if (key !== groupKey) flush();
    groupKey = key;
    group.push(a);
  }
  flush();
}

/** The line of the section header an assignment belongs to: the last one above it. */
function headerBefore(headers: readonly number[], line: number): number {
  let found = 0;
  for (const h of headers) if (h < line) found = h;
  return found;
}

function applyMatchKey(config: NetworkConfig, holder: LinkConfig, a: UnitAssignment, version: number): void {
  const src = { file: a.file, line: a.line };
  if (a.key === 'Name') {
    applyName(config, a, version);
    config.matchSources.Name = src;
  } else if (WIRELESS_KEYS.has(a.key)) {
    config.wireless = config.wireless.filter((w) => !w.value.startsWith(`${a.key}=`));
    if (a.value !== '') config.wireless.push({ value: `${a.key}=${a.value}`, ...src });
    config.matchSources[a.key] = src;
  } else if (SHARED_KEYS.has(a.key) || CONDITION_KEYS.has(a.key)) {
    applyMatch(holder, a, version);
  } else {
    config.diagnostics.push({ ...src, severity: 'warning', id: 'unknown-key', message: `Unknown key name '${a.key}' in section 'Match', ignoring.` });
  }
}

/** Name=: interface names or globs, alternative names allowed; "!" before the list negates each. */
function applyName(config: NetworkConfig, a: UnitAssignment, version: number): void {
  const v = a.value;
  if (v === '') {
    if (has(version, 'empty-list-resets')) config.name = [];
    return;
  }
  const invert = v.startsWith('!');
  const { words, error } = splitWords(invert ? v.slice(1) : v);
  for (const w of words) {
    if (!isValidIfname(w, true)) config.diagnostics.push({ file: a.file, line: a.line, severity: 'warning', id: 'invalid-value', message: `Interface name is not valid or too long, ignoring assignment: ${w}` });
    else config.name.push(invert ? `!${w}` : w);
  }
  if (error) config.diagnostics.push({ file: a.file, line: a.line, severity: 'warning', id: 'invalid-value', message: `Failed to parse interface name list, ignoring: ${v}` });
}

const KEEP_VALUES: readonly KeepConfiguration[] = ['yes', 'no', 'static', 'dhcp', 'dhcp-on-stop'];

function applySetting(config: NetworkConfig, a: UnitAssignment, version: number): void {
  const s = config.settings;
  const sourced = <T>(value: T): Sourced<T> => ({ value, file: a.file, line: a.line });
  const bad = (what: string): void => {
    config.diagnostics.push({ file: a.file, line: a.line, severity: 'warning', id: 'invalid-value', message: `Failed to parse ${what}, ignoring: ${a.value}` });
  };
  const key = `${a.section}.${a.key}`;
  switch (key) {
    case 'Link.Unmanaged': {
      const b = parseBool(a.value);
      if (a.value === '') s.unmanaged = null;
      else if (b === null) bad('Unmanaged=');
      else s.unmanaged = sourced(b);
      return;
    }
    case 'Network.IPv6AcceptRA':
    case 'Network.IPv6AcceptRouterAdvertisements': {
      // A tristate: empty goes back to the default.
      const b = parseBool(a.value);
      if (a.value === '') s.ipv6AcceptRa = null;
      else if (b === null) bad(`${a.key}=`);
      else s.ipv6AcceptRa = sourced(b);
      return;
    }
    case 'Network.IPForward': {
      if (version >= IPV6_FORWARDING_SINCE) {
        config.diagnostics.push({ file: a.file, line: a.line, severity: 'warning', id: 'deprecated', message: 'IPForward= setting is deprecated and ignored: IPv4Forwarding= and IPv6Forwarding= replace it.' });
        return;
      }
      const b = parseBool(a.value);
      const v = b !== null ? (b ? 'yes' : 'no') : a.value === 'kernel' ? 'no' : a.value;
      if (v === 'yes' || v === 'no' || v === 'ipv4' || v === 'ipv6') s.ipForward = sourced(v);
      else bad('IPForward=');
      return;
    }
    case 'Network.IPv6Forwarding': {
      if (version < IPV6_FORWARDING_SINCE) {
        config.diagnostics.push({ file: a.file, line: a.line, severity: 'warning', id: 'unknown-key', message: `Unknown key name 'IPv6Forwarding' in section 'Network', ignoring.` });
        return;
      }
      const b = parseBool(a.value);
      if (a.value === '') s.ipv6Forwarding = null;
      else if (b === null) bad('IPv6Forwarding=');
      else s.ipv6Forwarding = sourced(b);
      return;
    }
    case 'Network.IPMasquerade': {
      const b = parseBool(a.value);
      const v = a.value === '' ? 'no' : b !== null ? (b ? 'ipv4' : 'no') : a.value;
      if (v === 'no' || v === 'ipv4' || v === 'ipv6' || v === 'both') s.ipMasquerade = sourced(v);
      else bad('IPMasquerade=');
      return;
    }
    case 'Network.Bridge':
      s.bridge = a.value === '' ? null : sourced(a.value);
      return;
    case 'Network.DHCP':
      s.dhcp = a.value === '' ? null : sourced(normaliseDhcp(a.value) ?? a.value);
      if (a.value !== '' && normaliseDhcp(a.value) === null) bad('DHCP=');
      return;
    case 'Network.LinkLocalAddressing':
      s.linkLocalAddressing = a.value === '' ? null : sourced(parseBool(a.value) === null ? a.value : parseBool(a.value) ? 'yes' : 'no');
      return;
    case 'Network.KeepConfiguration': {
      const b = parseBool(a.value);
      const v = b === null ? a.value : b ? 'yes' : 'no';
      if (a.value === '') s.keepConfiguration = null;
      else if ((KEEP_VALUES as readonly string[]).includes(v)) s.keepConfiguration = sourced(v as KeepConfiguration);
      else bad('KeepConfiguration=');
      return;
    }
    case 'Network.Gateway':
      // A default route through this gateway, in the main table.
      if (a.value !== '') s.routes.push({ destination: null, gateway: a.value, table: null, line: a.line });
      return;
    case 'Network.Address':
      if (a.value === '') s.addresses = [];
      else s.addresses.push(sourced(a.value));
      return;
    default:
      // Other [Network] and [Link] keys change nothing this model answers.
  }
}

/** DHCP= takes a boolean or ipv4/ipv6 (and the old "both"). */
function normaliseDhcp(v: string): string | null {
  const b = parseBool(v);
  if (b !== null) return b ? 'yes' : 'no';
  if (v === 'ipv4' || v === 'ipv6') return v;
  if (v === 'both') return 'yes';
  // Old spellings networkd still accepts with a warning.
  if (v === 'v4') return 'ipv4';
  if (v === 'v6') return 'ipv6';
  return null;
}

function applyGroup(config: NetworkConfig, group: readonly UnitAssignment[]): void {
  const section = group[0]!.section;
  const value = (key: string): string | null => {
    const last = [...group].reverse().find((a) => a.key === key);
    return last && last.value !== '' ? last.value : null;
  };
  const line = group[0]!.line;
  if (section === 'Address') {
    const address = value('Address');
    if (address) config.settings.addresses.push({ value: address, file: group[0]!.file, line });
  } else if (section === 'Route') {
    config.settings.routes.push({ destination: value('Destination'), gateway: value('Gateway'), table: value('Table'), line });
  } else if (section === 'NextHop') {
    const id = value('Id');
    if (id !== null && /^\d+$/.test(id)) config.settings.nexthopIds.push(Number(id));
  } else if (section === 'RoutingPolicyRule') {
    const priority = value('Priority');
    config.settings.rules.push({
      priority: priority !== null && /^\d+$/.test(priority) ? Number(priority) : null,
      table: value('Table'), from: value('From'), to: value('To'), fwmark: value('FirewallMark'),
      iif: value('IncomingInterface'), oif: value('OutgoingInterface'), line,
    });
  }
}

/** True when no [Match] key networkd counts is set: networkd ignores such a file. */
export function networkMatchIsEmpty(c: NetworkConfig): boolean {
  return c.name.length === 0 && matchIsEmpty(c.match) && c.conditions.length === 0 && c.wireless.length === 0;
}

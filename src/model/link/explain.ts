/**
 * What udevd's net_setup_link does to one device: which `.link` file applies (the first in order
 * that matches), and what that does to the MAC address, the name and the MTU. Mirrors
 * link_get_config(), net_match_config() and link_generate_new_hw_addr() of systemd 252; the
 * reasons use udevd's own debug-log words so they can be compared with `udevadm test-builtin`.
 */
import type { HostFacts } from '../../snapshot/schema.js';
import type { LinkMatch, SettingSource } from './config.js';
import { deviceTypeString, type LinkDevice } from './device.js';
import { ARPHRD_ETHER, ARPHRD_INFINIBAND, arphrdName, hwAddrLength } from './arphrd.js';
import { firstMatchingConfig } from './compiled.js';
import { fnmatch } from './fnmatch.js';
import type { LinkConfigSet, LoadedLinkConfig } from './load.js';
import { persistentMac } from './persistent.js';
import { has } from './versions.js';
import type { MacAddressPolicy } from './values.js';

export type MacAction = 'keep' | 'static' | 'persistent' | 'random';

export interface LinkEvidence {
  message: string;
  file?: string;
  line?: number;
}

/** What one run of net_setup_link decided: on the add uevent, or on the move uevent after a rename. */
export interface LinkPassResult {
  ifname: string;
  linkFile: string | null;
  dropins: string[];
  macAddressPolicy: MacAddressPolicy | null;
  /** Where the policy was set; null when it is the default (none) or no file applies. */
  macAddressPolicySource: SettingSource | null;
  macAction: MacAction;
  currentMac: string | null;
  /** The address after udevd; null when random (unknowable) or when it cannot be computed. */
  resultMac: string | null;
  /** Why, in udevd's words where it has some. */
  reason: string;
  /** The name the persistent MAC is derived from. */
  stableName: string | null;
  addrAssignType: number | null;
  name: { result: string; renamed: boolean; reason: string };
  mtu: { result: number | null; source: SettingSource | null };
  /** Files tried before the one that applied, each with why it did not match. */
  trace: { path: string; matched: boolean; why: string }[];
  evidence: LinkEvidence[];
  notes: string[];
}

export interface LinkPass extends LinkPassResult {
  action: 'add' | 'move';
}

/**
 * The whole event sequence: `passes` holds the add pass and, after a rename, the move pass. The
 * top-level fields are the final state: the MAC fields come from the pass that decided the final
 * address (the move pass when it changed it), linkFile from the last pass (udevd's
 * ID_NET_LINK_FILE), name.result is the final name, mtu the last one applied.
 */
export interface LinkExplanation extends LinkPassResult {
  passes: LinkPass[];
}

export interface ExplainOptions {
  /** Record why each earlier file did not match (costs time; the CLI wants it, bulk callers may not). */
  trace?: boolean;
}

/** net_condition_test_strv(): positive globs need one hit, a negated glob that hits refuses. */
function testGlobs(patterns: readonly string[], value: string | null): boolean {
  if (patterns.length === 0) return true;
  let match = false;
  let positive = false;
  for (const p of patterns) {
    const invert = p.startsWith('!');
    const glob = invert ? p.slice(1) : p;
    if (!invert) positive = true;
    if (value !== null && fnmatch(glob, value)) {
      if (invert) return false;
      match = true;
    }
  }
  return positive ? match : true;
}

function testProperties(entries: readonly string[], props: Record<string, string>): boolean {
  for (const e of entries) {
    const invert = e.startsWith('!');
    const body = invert ? e.slice(1) : e;
    const eq = body.indexOf('=');
    const value = props[body.slice(0, eq)];
    const hit = value !== undefined && fnmatch(body.slice(eq + 1), value);
    if (invert ? hit : !hit) return false;
  }
  return true;
}

/** Which [Match] key refuses the device, in the order net_match_config() tests them; null = match. */
export function firstMismatch(m: LinkMatch, device: LinkDevice): string | null {
  if (m.macAddress && m.macAddress.length && (device.mac === null || !m.macAddress.includes(device.mac))) {
    return `MACAddress= does not contain ${device.mac ?? 'the (unknown) address'}`;
  }
  if (m.permanentMacAddress && m.permanentMacAddress.length && (device.permanentMac === null || !m.permanentMacAddress.includes(device.permanentMac))) {
    return device.permanentMac === null ? 'PermanentMACAddress= (the device has no permanent address)' : `PermanentMACAddress= does not contain ${device.permanentMac}`;
  }
  const idPath = device.properties.ID_PATH ?? null;
  if (!testGlobs(m.path, idPath)) return `Path=${m.path.join(' ')} vs ID_PATH ${idPath ?? '(none)'}`;
  if (!testGlobs(m.driver, device.driver)) return `Driver=${m.driver.join(' ')} vs driver ${device.driver ?? '(none)'}`;
  const type = deviceTypeString(device);
  if (!testGlobs(m.type, type)) return `Type=${m.type.join(' ')} vs type ${type ?? '(none)'}`;
  if (!testGlobs(m.kind, device.kind)) return `Kind=${m.kind.join(' ')} vs kind ${device.kind ?? '(none)'}`;
  if (!testGlobs(m.originalName, device.name)) return `OriginalName=${m.originalName.join(' ')} vs ${device.name}`;
  if (!testProperties(m.property, device.properties)) return `Property=${m.property.join(' ')}`;
  return null;
}

/** What the kernel command line says about naming, read once per host. */
const cmdlineCache = new WeakMap<HostFacts, { scheme: string | undefined; namePolicies: boolean }>();
function cmdline(facts: HostFacts): { scheme: string | undefined; namePolicies: boolean } {
  let c = cmdlineCache.get(facts);
  if (!c) {
    const text = facts.kernelCommandLine ?? '';
    c = {
      scheme: /(?:^|\s)net\.naming-scheme=(\S+)/.exec(text)?.[1],
      namePolicies: !/(?:^|\s)net\.ifnames=(0|no|false|off)(?:\s|$)/.test(text),
    };
    cmdlineCache.set(facts, c);
  }
  return c;
}

/** The naming scheme's version number (v252 → 252; "latest" → the systemd version). */
function namingScheme(device: LinkDevice, set: LinkConfigSet, facts: HostFacts): number {
  const fromCmdline = cmdline(facts).scheme;
  const name = device.properties.ID_NET_NAMING_SCHEME ?? fromCmdline ?? null;
  const m = name ? /^v(\d+)/.exec(name) : null;
  return m ? Number(m[1]) : set.systemdVersion;
}

const PERSISTENT_NAME_PROPERTIES = ['ID_NET_NAME_ONBOARD', 'ID_NET_NAME_SLOT', 'ID_NET_NAME_PATH', 'ID_NET_NAME_MAC'];

/** The first non-empty ID_NET_NAME_* property a persistent MAC is derived from (a loop: this runs per device). */
function stableNameProperty(properties: Record<string, string>): string | null {
  for (const p of PERSISTENT_NAME_PROPERTIES) {
    const value = properties[p];
    if (value) return value;
  }
  return null;
}

function firstMatching(set: LinkConfigSet, device: LinkDevice, trace: LinkPassResult['trace'] | null): LoadedLinkConfig | null {
  if (trace === null) {
    const type = deviceTypeString(device);
    return firstMatchingConfig(set.configs, device, type);
  }
  for (const config of set.configs) {
    const why = firstMismatch(config.match, device);
    if (why === null) {
      trace?.push({ path: config.path, matched: true, why: 'every [Match] key holds' });
      return config;
    }
    trace?.push({ path: config.path, matched: false, why });
  }
  return null;
}

export function explainLink(set: LinkConfigSet, device: LinkDevice, facts: HostFacts, options: ExplainOptions = {}): LinkExplanation {
  const add = explainPass(set, device, facts, options, 'add');
  if (!add.name.renamed || !has(set.systemdVersion, 'move-reapplies')) return summary(add, [add]);
  const move = explainPass(set, movedDevice(device, add), facts, options, 'move');
  const decider = move.resultMac !== move.currentMac || move.macAction === 'random' ? move : add;
  const out = summary(decider, [add, move]);
  out.ifname = device.name;
  out.linkFile = move.linkFile;
  out.dropins = move.dropins;
  out.name = add.name;
  out.mtu = move.mtu.source ? move.mtu : add.mtu;
  out.trace = add.trace;
  out.evidence = [...add.evidence, ...move.evidence.map((e) => ({ ...e, message: `on move: ${e.message}` }))];
  out.notes = [...add.notes, ...move.notes.filter((n) => !add.notes.includes(n))];
  return out;
}

/** The top-level fields from one pass, copied field by field (this runs once per interface in bulk). */
function summary(p: LinkPass, passes: LinkPass[]): LinkExplanation {
  return {
    ifname: p.ifname, linkFile: p.linkFile, dropins: p.dropins, macAddressPolicy: p.macAddressPolicy,
    macAddressPolicySource: p.macAddressPolicySource, macAction: p.macAction, currentMac: p.currentMac, resultMac: p.resultMac,
    reason: p.reason, stableName: p.stableName, addrAssignType: p.addrAssignType, name: p.name, mtu: p.mtu, trace: p.trace,
    evidence: p.evidence, notes: p.notes, passes,
  };
}

/**
 * The device as the move uevent after a rename shows it: the new name (also in INTERFACE and
 * DEVPATH), ACTION=move, the address the add pass left (addr_assign_type 3 once udevd set one),
 * name_assign_type 4 (renamed).
 */
function movedDevice(device: LinkDevice, add: LinkPassResult): LinkDevice {
  const name = add.name.result;
  const macChanged = add.macAction === 'random' || add.resultMac !== add.currentMac;
  const devpath = device.properties.DEVPATH;
  return {
    ...device,
    name,
    mac: add.resultMac,
    addrAssignType: macChanged ? 3 : device.addrAssignType,
    nameAssignType: 4,
    properties: {
      ...device.properties, ACTION: 'move', INTERFACE: name,
      ...(devpath ? { DEVPATH: `${devpath.slice(0, devpath.lastIndexOf('/') + 1)}${name}` } : {}),
    },
  };
}

function explainPass(set: LinkConfigSet, device: LinkDevice, facts: HostFacts, options: ExplainOptions, action: 'add' | 'move'): LinkPass {
  const trace: LinkPassResult['trace'] | null = options.trace ? [] : null;
  const out: LinkPass = {
    action, ifname: device.name, linkFile: null, dropins: [], macAddressPolicy: null, macAddressPolicySource: null, macAction: 'keep',
    currentMac: device.mac, resultMac: device.mac, reason: '', stableName: null, addrAssignType: device.addrAssignType,
    name: { result: device.name, renamed: false, reason: 'no .link file applies' }, mtu: { result: null, source: null },
    trace: trace ?? [], evidence: [], notes: [...device.notes],
  };
  if (device.loopback) {
    out.reason = 'loopback interfaces are never configured by .link files';
    out.name.reason = out.reason;
    return out;
  }
  const config = firstMatching(set, device, trace);
  if (!config) {
    out.reason = 'No matching link configuration found, ignoring device.';
    return out;
  }
  out.linkFile = config.path;
  out.dropins = config.dropins;
  out.evidence.push({ message: `Config file ${config.path} is applied`, file: config.path });
  for (const c of config.conditionsUnknown) {
    out.notes.push(`${c.key}= at ${c.file}:${c.line} cannot be decided from a snapshot; assumed to hold`);
  }
  const policySetting = config.link.macAddressPolicy;
  const policy: MacAddressPolicy = policySetting?.value ?? 'none';
  out.macAddressPolicy = policy;
  if (policySetting) {
    out.macAddressPolicySource = { file: policySetting.file, line: policySetting.line };
    out.evidence.push({ message: `MACAddressPolicy=${policy}`, file: policySetting.file, line: policySetting.line });
  }
  decideMac(out, set, config, device, facts, policy);
  // udevd sets the MAC, MTU and queues in one netlink request: when the kernel refuses the address,
  // it refuses the rest with it.
  let refused = false;
  if (out.resultMac !== null && out.resultMac !== out.currentMac && device.busyMacs.includes(out.resultMac)) {
    out.reason = `${out.reason}; but the kernel refuses it (Address already in use: the lower device or another macvlan on it has ${out.resultMac}), so the MAC stays`;
    out.macAction = 'keep';
    out.resultMac = out.currentMac;
    refused = true;
  } else if (!hasHardwareAddress(device) && !has(set.systemdVersion, 'hw-addr-checked')) {
    const sent = macSentWithoutHardwareAddress(config, device, policy);
    if (sent) {
      out.reason = `${out.reason}; udevd ${set.systemdVersion} sends ${sent} anyway and the kernel refuses the whole request (Operation not supported), so MTUBytes= is not applied either`;
      refused = true;
    }
  }
  if (action === 'add') decideName(out, config, device, set, facts);
  else out.name = { result: device.name, renamed: false, reason: "Skipping to apply Name= and NamePolicy= on 'move' uevent." };
  const mtu = config.link.mtuBytes;
  if (mtu) out.mtu = { result: refused ? null : mtu.value, source: { file: mtu.file, line: mtu.line } };
  return out;
}

function keep(out: LinkPassResult, reason: string): void {
  out.macAction = 'keep';
  out.resultMac = out.currentMac;
  out.reason = reason;
}

/**
 * Before udevd checked the hardware address (versions.ts, hw-addr-checked), it decided the MAC of a
 * device without one (a tun) by addr_assign_type alone and sent it: which address it sent, or null.
 */
function macSentWithoutHardwareAddress(config: LoadedLinkConfig, device: LinkDevice, policy: MacAddressPolicy): string | null {
  if (policy === 'none') return config.link.macAddress ? 'MACAddress=' : null;
  const assign = device.addrAssignType ?? 0;
  if (assign !== 0 && assign !== 1) return null;
  if ((policy === 'random') === (assign === 1)) return null;
  return policy === 'random' ? 'a random MAC' : 'a persistent MAC';
}

function hasHardwareAddress(device: LinkDevice): boolean {
  return device.arphrdType !== null && (device.mac !== null || hwAddrLength(device.arphrdType) > 0);
}

function decideMac(out: LinkPassResult, set: LinkConfigSet, config: LoadedLinkConfig, device: LinkDevice, facts: HostFacts, policy: MacAddressPolicy): void {
  const type = device.arphrdType;
  if (type === null || !hasHardwareAddress(device)) return keep(out, 'the device has no hardware address');
  if (policy === 'none') {
    const staticMac = config.link.macAddress;
    if (!staticMac) return keep(out, 'Using static MAC address. (MACAddressPolicy=none and no MACAddress=: the address stays)');
    out.evidence.push({ message: `MACAddress=${staticMac.value}`, file: staticMac.file, line: staticMac.line });
    const verified = verifyStatic(staticMac.value, type);
    if ('refused' in verified) return keep(out, `MACAddress=${staticMac.value} is refused: ${verified.refused}`);
    out.macAction = 'static';
    out.resultMac = verified.mac;
    out.reason = out.currentMac === verified.mac ? `Using static MAC address. (the device already has ${verified.mac})` : `Applying static MAC address: ${verified.mac}`;
    return;
  }
  if (type !== ARPHRD_ETHER && type !== ARPHRD_INFINIBAND) {
    return keep(out, `MACAddressPolicy=${policy} only changes Ethernet and InfiniBand devices; this one is ${arphrdName(type) ?? type}`);
  }
  // udevd reads addr_assign_type from sysfs; when that fails the field stays 0 (permanent).
  const assign = device.addrAssignType ?? 0;
  if (device.addrAssignType === null) out.notes.push('addr_assign_type unknown; udevd would read it as 0 (permanent) if sysfs had none');
  switch (assign) {
    case 3: return keep(out, 'MAC address on the device already set by userspace.');
    case 2: return keep(out, 'MAC address on the device already set based on another device.');
    case 0: case 1: break;
    default: return keep(out, `Unknown addr_assign_type ${assign}, ignoring`);
  }
  if ((policy === 'random') === (assign === 1)) return keep(out, `MAC address on the device already matches policy "${policy}".`);
  if (policy === 'random') {
    out.macAction = 'random';
    out.resultMac = null;
    out.reason = 'Applying random MAC address (a new random value, unknowable in advance)';
    return;
  }
  if (type === ARPHRD_INFINIBAND) {
    out.macAction = 'persistent';
    out.resultMac = null;
    out.reason = 'persistent InfiniBand address (the last 8 bytes are derived; hostnet does not compute InfiniBand addresses)';
    return;
  }
  // NAMING_STABLE_VIRTUAL_MACS (schemes from v241, behaviour from systemd 242): fall back to the name.
  const stable = stableNameProperty(device.properties) ?? (namingScheme(device, set, facts) >= 241 && set.systemdVersion >= 242 ? device.name : null);
  if (stable === null) return keep(out, 'Could not generate persistent MAC address: No stable identifying information found');
  out.stableName = stable;
  out.macAction = 'persistent';
  if (facts.machineId === null) {
    out.resultMac = null;
    out.reason = `Using "${stable}" as stable identifying information; the machine-id is not in the snapshot, so the value cannot be computed`;
    return;
  }
  const mac = persistentMac(facts.machineId, stable);
  out.resultMac = mac;
  out.reason = mac === out.currentMac
    ? `Using "${stable}" as stable identifying information; the device already has that persistent address ${mac}`
    : `Using "${stable}" as stable identifying information. Applying persistent MAC address: ${mac}`;
}

/** net_verify_hardware_address() for a static address. */
function verifyStatic(mac: string, type: number): { mac: string } | { refused: string } {
  const bytes = mac.split(':').map((b) => parseInt(b, 16));
  const expected = hwAddrLength(type);
  if (expected === 0) return { refused: `Unsupported interface type ${arphrdName(type) ?? type} to set MAC address` };
  if (bytes.length !== expected) return { refused: `Specified MAC address with invalid length (${bytes.length}, expected ${expected})` };
  if (type === ARPHRD_INFINIBAND) return { mac };
  if (bytes.every((b) => b === 0)) return { refused: 'Specified MAC address is null' };
  if (bytes.every((b) => b === 0xff)) return { refused: 'Specified MAC address is broadcast' };
  bytes[0] = bytes[0]! & 0xfe; // the multicast bit is cleared
  return { mac: bytes.map((b) => b.toString(16).padStart(2, '0')).join(':') };
}

const NAME_PROPERTY: Record<string, string> = {
  database: 'ID_NET_NAME_FROM_DATABASE', onboard: 'ID_NET_NAME_ONBOARD', slot: 'ID_NET_NAME_SLOT', path: 'ID_NET_NAME_PATH', mac: 'ID_NET_NAME_MAC',
};

function validName(name: string | undefined): name is string {
  return name !== undefined && name !== '' && name.length < 16 && !/[\s:/%]/.test(name) && name !== '.' && name !== '..' && !/^\d+$/.test(name);
}

/** link_generate_new_name() for an "add" event. */
function decideName(out: LinkPassResult, config: LoadedLinkConfig, device: LinkDevice, set: LinkConfigSet, facts: HostFacts): void {
  const assign = device.nameAssignType ?? 0;
  const userNamed = assign === 3 || assign === 4;
  // Before the refusal existed (versions.ts, userspace-name-kept) a userspace name was renamed too.
  const allowRerenames = !has(set.systemdVersion, 'userspace-name-kept') || namingScheme(device, set, facts) >= 251;
  const done = (reason: string, result = device.name): void => {
    out.name = { result, renamed: result !== device.name, reason };
  };
  if (userNamed && !allowRerenames) return done('Device already has a name given by userspace, not renaming.');
  const policiesEnabled = cmdline(facts).namePolicies;
  const policies = config.link.namePolicy?.value ?? [];
  if (policiesEnabled) {
    for (const p of policies) {
      if (p === 'kernel') {
        if (assign === 2) return done('Policy *kernel*: keeping predictable kernel name');
        continue;
      }
      if (p === 'keep') {
        if (userNamed) return done('Policy *keep*: keeping existing userspace name');
        continue;
      }
      const candidate = device.properties[NAME_PROPERTY[p]!];
      if (validName(candidate)) return done(`Policy *${p}* yields "${candidate}".`, candidate);
    }
  }
  if (config.link.name) return done(`Policies didn't yield a name, using specified Name=${config.link.name.value}.`, config.link.name.value);
  if (device.nameAssignType === null && policies.some((p) => p === 'kernel' || p === 'keep')) {
    out.notes.push('name_assign_type is not in the snapshot; the name decision assumes 0 (unknown), as udevd does when sysfs refuses to tell');
  }
  done("Policies didn't yield a name and Name= is not given, not renaming.");
}

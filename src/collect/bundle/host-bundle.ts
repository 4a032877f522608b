/**
 * A snapshot from one host's captured state: a sosreport, or a directory of command outputs named
 * after their commands with copies of the files beside them (etc/systemd/network/, proc/net/bonding/,
 * sys/class/net/). What the bundle lacks is listed as a gap, never guessed.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { CommandRecord, Gap, HostFacts, Interface, Route, Snapshot } from '../../snapshot/schema.js';
import { SNAPSHOT_SCHEMA } from '../../snapshot/version.js';
import { VERSION } from '../../version.js';
import { collectFiles } from '../files.js';
import { parseOsRelease } from '../host.js';
import { arphrdFromLinkType, interfacesFromIpAddr, routesFromIp } from '../ip.js';
import { interfacesFromIpText, routesFromIpText } from '../ip-text.js';
import { sysctlsFromText } from '../sysctls.js';
import {
  commandFromFileName, ipCommand, isDetailed, isJsonOption, parseEthtoolInfo, parseEthtoolSettings, parseUnameAll,
  sysfsFromCopy, udevByIfindex, type Capture,
} from './captures.js';

export interface HostBundle {
  /** The bundle's root: copies of the host's files are below it at their own paths. */
  root: string;
  /** Captured command outputs. */
  captures: Capture[];
  /** What the bundle is, for gap details: "sosreport", "directory of captures". */
  label: string;
  /** The bundle as the user named it, recorded as the snapshot's root. */
  source: string;
  redact: boolean;
}

/** Captured commands in one directory's files (sub-directories are not looked into). */
export function capturesIn(root: string, dir: string): Capture[] {
  let names: string[];
  try {
    names = readdirSync(join(root, dir));
  } catch {
    return [];
  }
  return names.filter((n) => isFile(join(root, dir, n))).map((n) => ({ argv: commandFromFileName(n), path: posix.join(dir, n) }));
}

export async function snapshotFromHostBundle(b: HostBundle): Promise<Snapshot> {
  const gaps: Gap[] = [];
  const text = (path: string): string | null => readText(join(b.root, path));
  const interfaces = readInterfaces(b, gaps);
  const routes = readRoutes(b, gaps);
  completeFromEthtool(b, interfaces, gaps);
  completeFromUdev(b, interfaces, gaps);
  completeFromSysfsCopy(b, interfaces, gaps);
  const files = await collectFiles(b.root, b.root);
  for (const dir of ['/usr/lib/systemd/network', '/lib/systemd/network']) {
    if (!existsSync(join(b.root, dir))) {
      gaps.push({ source: dir, reason: 'not-found', detail: `the ${b.label} holds no copy of it (sos copies /etc/systemd and /run/systemd/network only): .link files shipped with systemd (99-default.link) are not seen; the udev database (ID_NET_LINK_FILE) names the one that applied` });
      break;
    }
  }
  return {
    schema: SNAPSHOT_SCHEMA,
    collectedAt: bundleTime(b),
    collector: { name: 'hostnet', version: VERSION },
    scope: { netns: null, root: b.source, redacted: b.redact },
    host: hostFacts(b, text, gaps),
    interfaces,
    routes,
    files: files.files,
    commands: vppctlCommands(b),
    ...sysctlsFromCapture(b, gaps),
    gaps: [...gaps, ...files.gaps.map((g) => ({ ...g, detail: g.detail.replaceAll(b.root, '') }))],
  };
}

/** The network sysctls from a captured `sysctl -a` (sos: sos_commands/kernel/sysctl_-a), or a gap. */
function sysctlsFromCapture(b: HostBundle, gaps: Gap[]): { sysctls?: Record<string, string> } {
  const capture = b.captures.find((c) => c.argv[0] === 'sysctl' && c.argv.includes('-a'));
  const text = capture ? readText(join(b.root, capture.path)) : null;
  const sysctls = text === null ? {} : sysctlsFromText(text);
  if (Object.keys(sysctls).length > 0) return { sysctls };
  gaps.push({ source: 'sysctl -a', reason: 'not-found', detail: `the ${b.label} holds no network sysctls: rp_filter, ARP and forwarding settings are unknown` });
  return {};
}

/** The best capture of the links: ip's JSON with details, then its text with details, then without. */
function readInterfaces(b: HostBundle, gaps: Gap[]): Interface[] {
  const candidates = b.captures.flatMap((c) => {
    const ip = ipCommand(c.argv);
    if (!ip || ip.object === 'route') return [];
    const score = (isDetailed(ip.options) ? 4 : 0) + (ip.object === 'address' ? 2 : 0) + (isJsonOption(ip.options) ? 1 : 0);
    return [{ c, ip, score }];
  }).sort((x, y) => y.score - x.score);
  const best = candidates[0];
  if (!best) {
    gaps.push({ source: 'ip -d address', reason: 'not-found', detail: `the ${b.label} holds no capture of ip address or ip link: no interfaces` });
    return [];
  }
  const content = readText(join(b.root, best.c.path)) ?? '';
  let interfaces: Interface[];
  try {
    interfaces = content.trimStart().startsWith('[') ? interfacesFromIpAddr(JSON.parse(content)) : interfacesFromIpText(content);
  } catch (err) {
    gaps.push({ source: best.c.path, reason: 'failed', detail: `unreadable output: ${(err as Error).message}` });
    return [];
  }
  if (!isDetailed(best.ip.options)) {
    gaps.push({ source: 'ip -d address', reason: 'not-found', detail: `only ${best.c.argv.join(' ')} was captured: without -d, interface kinds, bridge and port settings are unknown` });
  }
  if (best.ip.object === 'link') {
    gaps.push({ source: 'ip address', reason: 'not-found', detail: `only ${best.c.argv.join(' ')} was captured: addresses are unknown` });
  }
  for (const i of interfaces) i.arphrdType = arphrdFromLinkType(i.linkType);
  return interfaces;
}

/**
 * Per family: a capture for that family alone (`ip -6 route show table all`), else one without -4/-6,
 * which prints both (`ip route show table all`, what sos runs); the one with `table all` first.
 */
function readRoutes(b: HostBundle, gaps: Gap[]): Route[] {
  const captures = b.captures.map((c) => ({ c, ip: ipCommand(c.argv) }))
    .filter(({ c, ip }) => ip?.object === 'route' && !c.argv.includes('cache') && !c.argv.includes('get'))
    .sort((x, y) => Number(y.c.argv.includes('all')) - Number(x.c.argv.includes('all')));
  const routes: Route[] = [];
  for (const family of ['inet', 'inet6'] as const) {
    const capture = captures.find(({ ip }) => ip!.family === family) ?? captures.find(({ ip }) => ip!.family === null);
    if (!capture) {
      gaps.push({ source: `ip ${family === 'inet6' ? '-6 ' : ''}route show table all`, reason: 'not-found', detail: `the ${b.label} holds no capture of the ${family === 'inet' ? 'IPv4' : 'IPv6'} routes` });
      continue;
    }
    const content = readText(join(b.root, capture.c.path)) ?? '';
    try {
      const both = capture.ip!.family === null;
      routes.push(...(content.trimStart().startsWith('[')
        ? routesFromIp((JSON.parse(content) as unknown[]).filter((r) => !both || jsonRouteFamily(r) === family), family)
        : routesFromIpText(content, capture.ip!.family).filter((r) => r.family === family)));
    } catch (err) {
      gaps.push({ source: capture.c.path, reason: 'failed', detail: `unreadable output: ${(err as Error).message}` });
    }
  }
  return routes;
}

/** The family of a route in ip's JSON: IPv6 routes have IPv6 addresses and always a `pref`. */
function jsonRouteFamily(raw: unknown): 'inet' | 'inet6' {
  const r = (raw ?? {}) as Record<string, unknown>;
  return 'pref' in r || String(r.dst ?? '').includes(':') || String(r.gateway ?? '').includes(':') ? 'inet6' : 'inet';
}

/** Driver from `ethtool -i IF`, speed and duplex from `ethtool IF`, where captured. */
function completeFromEthtool(b: HostBundle, interfaces: Interface[], gaps: Gap[]): void {
  const info = new Map<string, string>();
  const settings = new Map<string, string>();
  for (const c of b.captures) {
    if (c.argv[0] !== 'ethtool') continue;
    if (c.argv[1] === '-i' && c.argv.length > 2) info.set(c.argv.slice(2).join('_'), c.path);
    else if (c.argv.length > 1 && !c.argv[1]!.startsWith('-')) settings.set(c.argv.slice(1).join('_'), c.path);
  }
  let missing = 0;
  for (const iface of interfaces) {
    const infoPath = info.get(iface.name);
    if (infoPath) iface.driver = parseEthtoolInfo(readText(join(b.root, infoPath)) ?? '').driver;
    const settingsPath = settings.get(iface.name);
    if (settingsPath) Object.assign(iface, parseEthtoolSettings(readText(join(b.root, settingsPath)) ?? ''));
    if (!infoPath && iface.kind === null && iface.linkType === 'ether') missing++;
  }
  if (missing > 0) {
    gaps.push({ source: 'ethtool -i', reason: 'not-found', detail: `${missing} Ethernet interface(s) without a kind have no ethtool -i capture: their drivers are unknown` });
  }
}

function completeFromUdev(b: HostBundle, interfaces: Interface[], gaps: Gap[]): void {
  const capture = b.captures.find((c) => c.argv[0] === 'udevadm' && c.argv.includes('info') && c.argv.includes('--export-db'));
  if (!capture) {
    gaps.push({ source: 'udevadm info --export-db', reason: 'not-found', detail: `the ${b.label} holds no copy of the udev database: which .link file applied is unknown` });
    return;
  }
  const byIndex = udevByIfindex(readText(join(b.root, capture.path)) ?? '');
  for (const iface of interfaces) {
    const entry = byIndex.get(iface.index);
    if (!entry || entry.name !== iface.name) continue;
    iface.udev = entry.db;
    iface.devtype = entry.devtype;
  }
}

function completeFromSysfsCopy(b: HostBundle, interfaces: Interface[], gaps: Gap[]): void {
  let seen = 0;
  for (const iface of interfaces) {
    const dir = join(b.root, 'sys/class/net', iface.name);
    if (!existsSync(dir)) continue;
    const facts = sysfsFromCopy((attr) => readText(join(dir, attr)), readLink(join(dir, 'device', 'driver')));
    if (facts.addrAssignType !== undefined) seen++;
    Object.assign(iface, facts);
  }
  if (interfaces.length > 0 && seen === 0) {
    gaps.push({ source: '/sys/class/net/*/addr_assign_type', reason: 'not-found', detail: `the ${b.label} holds no copy of it: whether a MAC is permanent, random or set is unknown` });
  }
}

/** vppctl outputs captured as `vppctl_show_hardware-interfaces`, recorded as the live collector records them. */
function vppctlCommands(b: HostBundle): CommandRecord[] {
  return b.captures.filter((c) => c.argv[0] === 'vppctl' && c.argv.length > 1)
    .map((c) => ({ argv: c.argv, exitCode: 0, stdout: readText(join(b.root, c.path)) ?? '' }));
}

function hostFacts(b: HostBundle, text: (path: string) => string | null, gaps: Gap[]): HostFacts {
  const capture = (pred: (argv: string[]) => boolean): string | null => {
    const c = b.captures.find((x) => pred(x.argv));
    return c ? text(c.path) : null;
  };
  const uname = parseUnameAll(capture((a) => a[0] === 'uname' && a[1] === '-a') ?? text('uname') ?? '');
  const hostname = (capture((a) => a.join(' ') === 'hostname') ?? text('hostname') ?? text('etc/hostname'))?.trim() || null;
  const machineId = b.redact ? null : (text('etc/machine-id') ?? text('var/lib/dbus/machine-id'))?.trim() ?? null;
  const systemdVersion = systemdVersionFrom(b);
  if (systemdVersion === null) gaps.push({ source: 'systemd version', reason: 'not-found', detail: `the ${b.label} names no libsystemd-shared-N.so (ls -alZR /lib/systemd) and holds no udevadm --version` });
  return {
    hostname,
    kernelRelease: uname.kernelRelease,
    architecture: uname.architecture,
    kernelCommandLine: text('proc/cmdline')?.trim() ?? null,
    os: parseOsRelease(text('etc/os-release') ?? text('usr/lib/os-release') ?? ''),
    systemdVersion,
    virtualization: capture((a) => a[0] === 'systemd-detect-virt')?.trim() || null,
    machineId: machineId && /^[0-9a-f]{32}$/.test(machineId) ? machineId : null,
  };
}

/** `udevadm --version` if captured, else the shared library's name in sos's listing of /lib/systemd. */
function systemdVersionFrom(b: HostBundle): number | null {
  for (const c of b.captures) {
    if (c.argv[0] === 'udevadm' && c.argv[1] === '--version') {
      const m = /^\s*(\d+)/.exec(readText(join(b.root, c.path)) ?? '');
      if (m) return Number(m[1]);
    }
  }
  for (const c of b.captures) {
    if (c.argv[0] !== 'ls' || !c.argv.some((w) => /systemd/.test(w))) continue;
    const m = /libsystemd-shared-(\d+)/.exec(readText(join(b.root, c.path)) ?? '');
    if (m) return Number(m[1]);
  }
  return null;
}

/** sos writes its version.txt at the end of a run; its time stands for when the state was captured. */
function bundleTime(b: HostBundle): string {
  for (const name of ['version.txt', 'sos_reports/manifest.json', '.']) {
    try {
      return statSync(join(b.root, name)).mtime.toISOString();
    } catch {
      // try the next
    }
  }
  return new Date(0).toISOString();
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function readLink(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Captured command outputs as support bundles store them: one file per command, named after the
 * command the way sos names it (`ip -s -d link` -> `ip_-s_-d_link`: runs of characters other than
 * letters, digits, `_`, `-`, `.` and `/` become `_`, `/` becomes `.`, a leading /usr/bin/ goes).
 * Pure: names and texts in, facts out.
 */
import type { Interface } from '../../snapshot/schema.js';

export interface Capture {
  /** The command as its file name gives it, split back into words. */
  argv: string[];
  /** Where the file is, relative to the bundle's root. */
  path: string;
}

/** The words of a command from its capture's file name (`ip_-d_-j_address.json` -> ip -d -j address). */
export function commandFromFileName(name: string): string[] {
  const bare = name.replace(/\.(txt|out|json|log)$/, '');
  return bare.split('_').filter((w) => w !== '');
}

/** ip's object (address, link, route) named by any prefix ip accepts, and its options. */
export function ipCommand(argv: string[]): { object: 'address' | 'link' | 'route'; options: Set<string>; family: 'inet' | 'inet6' | null } | null {
  if (argv[0] !== 'ip') return null;
  const options = new Set(argv.slice(1).filter((w) => w.startsWith('-')));
  const object = argv.slice(1).find((w) => !w.startsWith('-'));
  if (object === undefined || argv.includes('netns')) return null;
  const resolved = ['address', 'link', 'route'].find((o) => o.startsWith(object) && object.length >= 1) as 'address' | 'link' | 'route' | undefined;
  // `ip r` is route, `ip l` link, `ip a` address; `ip -o` (one line per address) is another format.
  if (!resolved || options.has('-o') || options.has('-oneline')) return null;
  const family = options.has('-6') ? 'inet6' : options.has('-4') ? 'inet' : null;
  return { object: resolved, options, family };
}

/** ip takes any prefix of an option's name: -j, -js, -json; -d, -det, -details. */
const hasOption = (options: Set<string>, full: string): boolean => [...options].some((o) => o.length >= 2 && full.startsWith(o));
export const isJsonOption = (options: Set<string>): boolean => hasOption(options, '-json');
export const isDetailed = (options: Set<string>): boolean => hasOption(options, '-details');

/** `ethtool -i IF`: the driver and the bus address of the device. */
export function parseEthtoolInfo(text: string): { driver: string | null; busInfo: string | null } {
  const field = (key: string): string | null => {
    const m = new RegExp(`^${key}:[ \\t]*(\\S.*)?$`, 'm').exec(text);
    return m?.[1]?.trim() || null;
  };
  return { driver: field('driver'), busInfo: field('bus-info') };
}

/** `ethtool IF`: speed in Mb/s and duplex as sysfs spells them (null speed where ethtool says Unknown!). */
export function parseEthtoolSettings(text: string): { speed: number | null; duplex: string | null } {
  const speed = /^\s*Speed:\s*(\d+)Mb\/s/m.exec(text);
  const duplex = /^\s*Duplex:\s*(\S+)/m.exec(text);
  return {
    speed: speed ? Number(speed[1]) : null,
    duplex: duplex ? (/^(full|half)$/i.test(duplex[1]!) ? duplex[1]!.toLowerCase() : 'unknown') : null,
  };
}

/** Keys udevadm shows from the kernel's uevent, not from the database the live collector reads. */
const UEVENT_KEYS = new Set(['ACTION', 'DEVPATH', 'SUBSYSTEM', 'SEQNUM', 'INTERFACE', 'IFINDEX', 'DEVTYPE', 'USEC_INITIALIZED', 'TAGS', 'CURRENT_TAGS']);

export interface UdevEntry {
  name: string;
  /** The database's properties as /run/udev/data/nN holds them; null when udevd never handled the device. */
  db: Record<string, string> | null;
  /** DEVTYPE from the uevent (what sysfs's uevent file says), null when there is none. */
  devtype: string | null;
}

/**
 * `udevadm info --export-db`: one block per device, blank-line separated; a network interface's block
 * has `E: IFINDEX=N` and `E: INTERFACE=NAME`. Its E: lines mix the uevent's keys with the database's;
 * USEC_INITIALIZED says udevd handled the device (without it there is no database entry).
 */
export function udevByIfindex(text: string): Map<number, UdevEntry> {
  const out = new Map<number, UdevEntry>();
  for (const block of text.split(/\n\s*\n/)) {
    const props: Record<string, string> = {};
    for (const line of block.split('\n')) {
      const m = /^E: ([^=]+)=(.*)$/.exec(line);
      if (m) props[m[1]!] = m[2]!;
    }
    if (props.SUBSYSTEM !== 'net' || !/^\d+$/.test(props.IFINDEX ?? '')) continue;
    const db = Object.fromEntries(Object.entries(props).filter(([k]) => !UEVENT_KEYS.has(k)));
    out.set(Number(props.IFINDEX), { name: props.INTERFACE ?? '', db: props.USEC_INITIALIZED !== undefined ? db : null, devtype: props.DEVTYPE ?? null });
  }
  return out;
}

/** `uname -a`: Linux HOST RELEASE #BUILD ... MACHINE [PROCESSOR PLATFORM] GNU/Linux. */
export function parseUnameAll(text: string): { kernelRelease: string | null; architecture: string | null } {
  const words = text.trim().split(/\s+/);
  if (words[0] !== 'Linux' || words.length < 4) return { kernelRelease: null, architecture: null };
  const arch = words.find((w) => /^(x86_64|aarch64|i[3-6]86|ppc64le|s390x|riscv64|armv7l|arm64)$/.test(w)) ?? null;
  return { kernelRelease: words[2] ?? null, architecture: arch };
}

/** Sysfs facts read from a copy of /sys/class/net/IF (what of it the bundle holds). */
export function sysfsFromCopy(read: (attr: string) => string | null, driverLink: string | null = null): Partial<Pick<Interface, 'addrAssignType' | 'nameAssignType' | 'devtype' | 'speed' | 'duplex' | 'driver'>> {
  const int = (attr: string): number | null | undefined => {
    const t = read(attr);
    return t === null ? undefined : /^-?\d+$/.test(t.trim()) ? Number(t.trim()) : null;
  };
  const out: ReturnType<typeof sysfsFromCopy> = {};
  const assign = int('addr_assign_type');
  if (assign !== undefined) out.addrAssignType = assign;
  const nameAssign = int('name_assign_type');
  if (nameAssign !== undefined) out.nameAssignType = nameAssign;
  const speed = int('speed');
  if (speed !== undefined) out.speed = speed !== null && speed >= 0 && speed < 4294967295 ? speed : null;
  const duplex = read('duplex');
  if (duplex !== null) out.duplex = duplex.trim() || null;
  const uevent = read('uevent');
  if (uevent !== null) out.devtype = /^DEVTYPE=(.*)$/m.exec(uevent)?.[1] ?? null;
  // device/driver is a symlink into /sys/bus/.../drivers/NAME: a copy keeps the link, not its target.
  if (driverLink !== null) out.driver = driverLink.split('/').filter(Boolean).pop() ?? null;
  return out;
}

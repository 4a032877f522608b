/**
 * Per-interface facts only sysfs and the udev database have. Reads files directly, no process per
 * interface. sysfs shows the network namespace of the process that reads it, which is why a
 * `--netns` collection runs the collector inside that namespace once.
 *
 * The reads are synchronous into one shared buffer on purpose: sysfs attributes are tiny and answered
 * from memory, and with thousands of interfaces a promise and a fresh 64 KiB buffer per attribute cost
 * ten times the system calls themselves (measured by `npm run bench -- collect`).
 */
import { existsSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { basename } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SysfsFields } from './ip.js';
import { readSmall } from './small-file.js';
import { readSysctls, type SysctlCollection } from './sysctls.js';

const SYS_NET = '/sys/class/net';
const UDEV_DATA = '/run/udev/data';
function intOrNull(text: string | null): number | null {
  if (text === null || !/^-?\d+$/.test(text)) return null;
  return Number(text);
}

/** sysfs facts that ip does not print. The ARPHRD type comes from ip's link_type, not from here. */
export type SysfsOnly = Omit<SysfsFields, 'arphrdType' | 'udev'>;

export class SysfsReader {
  /** Reads one interface's attributes; the udev database is keyed by ifindex, read from sysfs too. */
  read(name: string): SysfsOnly {
    let classLink: string | null = null;
    try {
      classLink = readlinkSync(`${SYS_NET}/${name}`);
    } catch {
      // not a symlink on some old kernels; fall through and try the device link anyway
    }
    // The device's own directory: reaching attributes through the class symlink costs the kernel a
    // symlink walk per file, a quarter of the time on a large host.
    const dir = classLink?.startsWith('../../devices/') ? `/sys/${classLink.slice('../../'.length)}` : `${SYS_NET}/${name}`;
    // Virtual devices live under /sys/devices/virtual and have no `device` link to follow.
    const physical = classLink === null || !classLink.includes('/virtual/');
    let devicePath: string | null = null;
    let driver: string | null = null;
    if (physical) {
      try {
        devicePath = realpathSync(`${dir}/device`);
        driver = basename(readlinkSync(`${dir}/device/driver`));
      } catch {
        // no device or no bound driver
      }
    }
    const uevent = readSmall(`${dir}/uevent`);
    const devtype = uevent?.split('\n').find((l) => l.startsWith('DEVTYPE='))?.slice('DEVTYPE='.length) ?? null;
    const speed = intOrNull(readSmall(`${dir}/speed`));
    return {
      addrAssignType: intOrNull(readSmall(`${dir}/addr_assign_type`)),
      nameAssignType: intOrNull(readSmall(`${dir}/name_assign_type`)),
      devtype,
      devicePath,
      driver,
      // The kernel reports an unknown speed as -1 (SPEED_UNKNOWN; 4294967295 on old kernels).
      speed: speed !== null && speed >= 0 && speed < 4294967295 ? speed : null,
      duplex: readSmall(`${dir}/duplex`),
    };
  }
}

/** The udev database entry of an interface (keyed by ifindex), or null where udevd keeps none. */
export function readUdevDb(index: number): Record<string, string> | null {
  const text = existsSync(UDEV_DATA) ? readSmall(`${UDEV_DATA}/n${index}`) : null;
  return text === null ? null : parseUdevDb(text);
}

/** The udev database keeps properties as `E:KEY=VALUE` lines. */
export function parseUdevDb(text: string): Record<string, string> {
  const props: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('E:')) continue;
    const eq = line.indexOf('=');
    if (eq > 2) props[line.slice(2, eq)] = line.slice(eq + 1);
  }
  return props;
}

/** Reads sysfs for the given interfaces (all of /sys/class/net when none are given), by name. */
export function readAllSysfs(names: string[] = readdirSync(SYS_NET)): Record<string, SysfsOnly> {
  const reader = new SysfsReader();
  const result: Record<string, SysfsOnly> = {};
  for (const name of names) result[name] = reader.read(name);
  return result;
}

/** What the sysfs batch reads: every interface's sysfs facts and the namespace's network sysctls. */
export interface SysfsBatch {
  sysfs: Record<string, SysfsOnly>;
  sysctls: SysctlCollection;
}

/** The whole batch on this thread: sysfs for the given interfaces (all by default), then /proc/sys/net. */
export function readSysfsBatch(names: string[] = readdirSync(SYS_NET)): SysfsBatch {
  return { sysfs: readAllSysfs(names), sysctls: readSysctls() };
}

/**
 * Reads sysfs for every interface and the network sysctls (about 20 files per interface), on a worker
 * thread when there are many (dist/chunks/sysfs-worker.js, beside the chunk this code is bundled into),
 * so that the reads overlap with waiting for `ip` and leave this thread free to convert its output:
 * opening a sysfs or /proc/sys attribute costs about 12 µs of kernel time, and a large host has tens of
 * thousands. A worker takes about 100 ms to start (a V8 instance of its own), more than a few hundred
 * interfaces take to read, so smaller hosts are read on this thread; one worker, not more, because on a
 * small machine the `ip` processes need the other cores. A worker thread shares the process's network
 * namespace, so it reads the same /proc/sys/net. Run from source, where a worker cannot load
 * TypeScript, everything is read on this thread: same results, less overlap.
 */
export async function readSysfsBatchOverlapped(): Promise<SysfsBatch> {
  const here = import.meta.url;
  const names = readdirSync(SYS_NET);
  if (here.endsWith('.ts') || names.length <= 500) return readSysfsBatch(names);
  return runWorker(new URL('./sysfs-worker.js', here), names);
}

function runWorker(entry: URL, names: string[]): Promise<SysfsBatch> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(entry, { workerData: names });
    worker.once('message', (m: SysfsBatch) => resolve(m));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`sysfs worker exited with ${code}`));
    });
  });
}

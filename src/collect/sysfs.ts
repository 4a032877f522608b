/**
 * Per-interface facts only sysfs and the udev database have. Reads files directly (no process per
 * interface). sysfs shows the network namespace of the process that reads it, which is why a
 * `--netns` collection runs the collector inside that namespace once.
 */
import { readFile, readlink, realpath } from 'node:fs/promises';
import { basename } from 'node:path';
import type { SysfsFields } from './ip.js';

const SYS_NET = '/sys/class/net';
const UDEV_DATA = '/run/udev/data';

async function readText(path: string): Promise<string | null> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    // Unreadable attributes are normal (speed on a tap is EINVAL): they stay unknown.
    return null;
  }
}

async function readLink(path: string): Promise<string | null> {
  try {
    return await readlink(path);
  } catch {
    return null;
  }
}

async function realPath(path: string): Promise<string | null> {
  try {
    return await realpath(path);
  } catch {
    return null; // virtual devices have no `device` link
  }
}

function intOrNull(text: string | null): number | null {
  if (text === null || !/^-?\d+$/.test(text)) return null;
  return Number(text);
}

export async function readSysfs(name: string, index: number): Promise<SysfsFields> {
  const dir = `${SYS_NET}/${name}`;
  const [assign, type, uevent, device, driver, speed, duplex, udev] = await Promise.all([
    readText(`${dir}/addr_assign_type`),
    readText(`${dir}/type`),
    readText(`${dir}/uevent`),
    realPath(`${dir}/device`),
    readLink(`${dir}/device/driver`),
    readText(`${dir}/speed`),
    readText(`${dir}/duplex`),
    readText(`${UDEV_DATA}/n${index}`),
  ]);
  const devtype = uevent?.split('\n').find((l) => l.startsWith('DEVTYPE='))?.slice('DEVTYPE='.length) ?? null;
  const speedMbps = intOrNull(speed);
  return {
    addrAssignType: intOrNull(assign),
    arphrdType: intOrNull(type),
    devtype,
    devicePath: device,
    driver: driver ? basename(driver) : null,
    // The kernel reports an unknown speed as -1 (SPEED_UNKNOWN, read as 4294967295 on old kernels).
    speed: speedMbps !== null && speedMbps >= 0 && speedMbps < 4294967295 ? speedMbps : null,
    duplex,
    udev: udev === null ? null : parseUdevDb(udev),
  };
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

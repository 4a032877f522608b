/**
 * The processes holding tun/tap devices open. A /dev/net/tun descriptor attached to a device shows
 * `iff: NAME` in /proc/PID/fdinfo/FD (the tun driver's show_fdinfo, Linux 3.11 and later); the name
 * is the device's in the holder's network namespace, so a holder counts only when its namespace is
 * the collected one. One pass over /proc with plain system calls: no process is started.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Gap, TunHolder } from '../snapshot/schema.js';

export interface TunHolderCollection {
  holders: TunHolder[];
  gaps: Gap[];
}

export function collectTunHolders(proc = '/proc'): TunHolderCollection {
  const ownNetns = readlinkOrNull(`${proc}/self/ns/net`);
  if (ownNetns === null) {
    return { holders: [], gaps: [{ source: `${proc}/self/ns/net`, reason: 'not-found', detail: 'no /proc: the holders of tun/tap devices are unknown' }] };
  }
  const holders: TunHolder[] = [];
  let denied = 0;
  let processes = 0;
  for (const entry of readdirOrEmpty(proc)) {
    if (!/^\d+$/.test(entry)) continue;
    processes++;
    const fds = readProcessFds(`${proc}/${entry}`);
    if (fds === 'denied') denied++;
    if (fds === 'denied' || fds.length === 0) continue;
    const names = fds.map((fd) => tunName(`${proc}/${entry}/fdinfo/${fd}`)).filter((n): n is string => n !== null);
    if (names.length === 0) continue;
    const netns = readlinkOrNull(`${proc}/${entry}/ns/net`);
    if (netns !== ownNetns) continue;
    const comm = readOrNull(`${proc}/${entry}/comm`)?.replace(/\n$/, '') ?? null;
    const cmdline = readOrNull(`${proc}/${entry}/cmdline`);
    for (const name of new Set(names)) {
      holders.push({ interface: name, pid: Number(entry), comm, cmdline: cmdline === null ? null : cmdline.split('\0').filter((a, i, all) => a !== '' || i < all.length - 1) });
    }
  }
  const gaps: Gap[] = [];
  // NSpid lists one PID per PID namespace level: more than one means a container's own namespace.
  const nspid = /^NSpid:\s*(.*)$/m.exec(readOrNull(`${proc}/self/status`) ?? '')?.[1]?.trim().split(/\s+/) ?? [];
  if (nspid.length > 1) {
    gaps.push({
      source: `${proc}`,
      reason: 'unsupported',
      detail: 'this process has a PID namespace of its own (a container without hostPID): a tun/tap held by a process outside it has no known holder (docs/agent.md "Tap holders")',
    });
  }
  if (denied > 0) gaps.push({
    source: `${proc}/PID/fd`,
    reason: 'permission-denied',
    detail: `the open files of ${denied} of ${processes} processes could not be read, so a tun/tap they hold has no known holder; ` +
      'reading them needs root (and, in a container, the host\'s PID namespace and CAP_SYS_PTRACE: docs/agent.md)',
  });
  return { holders, gaps };
}

/** The descriptors of a process that point at /dev/net/tun; 'denied' when its fd directory is closed to us. */
function readProcessFds(dir: string): string[] | 'denied' {
  let fds: string[];
  try {
    fds = readdirSync(`${dir}/fd`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM' ? 'denied' : [];
  }
  return fds.filter((fd) => readlinkOrNull(`${dir}/fd/${fd}`) === '/dev/net/tun');
}

/** `iff: NAME` of a tun descriptor; null for one not attached to a device yet. */
function tunName(fdinfo: string): string | null {
  const text = readOrNull(fdinfo);
  return text === null ? null : (/^iff:\s*(\S+)/m.exec(text)?.[1] ?? null);
}

function readlinkOrNull(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function readdirOrEmpty(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

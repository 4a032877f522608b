/** Host facts: identity, kernel, OS, systemd version, virtualization and machine-id. */
import { readdir, readFile } from 'node:fs/promises';
import { arch, hostname, machine, release } from 'node:os';
import { join } from 'node:path';
import type { Gap, HostFacts } from '../snapshot/schema.js';
import { gapReason, run } from './exec.js';

export interface HostCollection {
  host: HostFacts;
  gaps: Gap[];
}

export async function collectHost(root: string, redact: boolean): Promise<HostCollection> {
  const gaps: Gap[] = [];
  const live = root === '/';
  const text = async (path: string, base = root): Promise<string | null> => {
    try {
      return await readFile(join(base, path), 'utf8');
    } catch (err) {
      gaps.push({ source: join(base, path), reason: gapReason(err), detail: String((err as Error).message) });
      return null;
    }
  };
  const [osRelease, machineIdText, cmdline, initCmdline, udevVersion, virt] = await Promise.all([
    text('/etc/os-release').then((t) => t ?? text('/usr/lib/os-release')),
    redact ? Promise.resolve(null) : text('/etc/machine-id'),
    text('/proc/cmdline', '/'),
    live ? text('/proc/1/cmdline', '/') : Promise.resolve(null),
    live ? run(['udevadm', '--version']) : Promise.resolve(null),
    live ? run(['systemd-detect-virt']) : Promise.resolve(null),
  ]);
  let systemdVersion: number | null = null;
  if (udevVersion?.ok) systemdVersion = parseLeadingInt(udevVersion.stdout);
  // Below another root, or where udevadm is missing, systemd's shared library names its version.
  if (systemdVersion === null) systemdVersion = await systemdVersionFromFiles(root);
  if (systemdVersion === null) {
    if (udevVersion && !udevVersion.ok) gaps.push(udevVersion.gap);
    else if (!live) gaps.push({ source: 'systemd version', reason: 'not-found', detail: `no udevadm run and no libsystemd-shared-N.so below ${root}` });
  }

  let virtualization: string | null = null;
  if (virt?.ok) virtualization = virt.stdout.trim() || null;
  else if (virt && !virt.ok) {
    // systemd-detect-virt exits 1 and prints "none" on bare metal.
    if (virt.gap.reason === 'failed' && /none/.test(virt.gap.detail)) virtualization = 'none';
    else gaps.push(virt.gap);
  }

  const os = parseOsRelease(osRelease ?? '');
  const machineId = machineIdText?.trim() ?? null;
  return {
    host: {
      hostname: live ? hostname() : null,
      kernelRelease: live ? release() : null,
      architecture: live ? machine?.() ?? arch() : null,
      kernelCommandLine: live ? cmdline?.trim() ?? null : null,
      initCommandLine: initCmdline === null ? null : initCmdline.split('\0').filter((a) => a !== '').join(' '),
      os,
      systemdVersion,
      virtualization,
      machineId: machineId && /^[0-9a-f]{32}$/.test(machineId) ? machineId : null,
    },
    gaps,
  };
}

/** libsystemd-shared-252.so (or -255.4-1.so) in systemd's private library directory. */
async function systemdVersionFromFiles(root: string): Promise<number | null> {
  for (const dir of ['/usr/lib/systemd', '/lib/systemd', '/usr/lib64/systemd']) {
    try {
      for (const name of await readdir(join(root, dir))) {
        const m = /^libsystemd-shared-(\d+)/.exec(name);
        if (m) return Number(m[1]);
      }
    } catch {
      // no such directory below this root
    }
  }
  return null;
}

function parseLeadingInt(s: string): number | null {
  const m = /^\s*(\d+)/.exec(s);
  return m ? Number(m[1]) : null;
}

export function parseOsRelease(text: string): HostFacts['os'] {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) values[m[1]!] = m[2]!.replace(/^(["'])(.*)\1$/, '$2');
  }
  return { id: values.ID ?? null, versionId: values.VERSION_ID ?? null, prettyName: values.PRETTY_NAME ?? null };
}

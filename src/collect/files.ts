/**
 * Configuration files, read below a root directory (`/` or a mounted image) and recorded under the
 * path they have on the analysed host. Masks (a symlink to /dev/null, an empty file) are recorded as
 * such, because they change which file udevd or networkd uses.
 */
import { lstat, readdir, readFile, readlink, realpath } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import type { FileRecord, Gap } from '../snapshot/schema.js';
import { NETWORKD_CONF_DIRS, SYSTEMD_NETWORK_DIRS } from '../snapshot/systemd.js';
import { gapReason } from './exec.js';

/** systemd's network directories in its own precedence order; /lib is skipped where it is /usr/lib. */
export const NETWORK_DIRS = SYSTEMD_NETWORK_DIRS;

const NETWORK_FILE = /\.(link|network|netdev)$/;

/** Other sources later analyses read, each a directory and the names taken from it. */
export const EXTRA_SOURCES: { dir: string; name: RegExp; live?: boolean }[] = [
  { dir: '/proc/net/bonding', name: /.*/, live: true },
  { dir: '/etc/libvirt/qemu', name: /\.xml$/ },
  { dir: '/run/libvirt/qemu', name: /\.xml$/, live: true },
  { dir: '/etc/libvirt/qemu/networks', name: /\.xml$/ },
  { dir: '/run/libvirt/network', name: /\.xml$/, live: true },
  { dir: '/etc/vpp', name: /^startup\.conf$/ },
  { dir: '/etc/NetworkManager', name: /^NetworkManager\.conf$/ },
  { dir: '/etc/NetworkManager/conf.d', name: /\.conf$/ },
  { dir: '/usr/lib/NetworkManager/conf.d', name: /\.conf$/ },
  { dir: '/run/NetworkManager/conf.d', name: /\.conf$/, live: true },
  { dir: '/etc/firewalld', name: /^(firewalld\.conf|direct\.xml)$/ },
  // Whether NetworkManager, firewalld and nm-cloud-setup are enabled or masked (symlinks systemctl makes).
  { dir: '/etc/systemd/system', name: /^(NetworkManager\.service|firewalld\.service|nm-cloud-setup\.(service|timer))$/ },
  { dir: '/etc/systemd/system/multi-user.target.wants', name: /^(NetworkManager|firewalld)\.service$/ },
  { dir: '/etc/systemd/system/NetworkManager.service.wants', name: /^nm-cloud-setup\.service$/ },
  { dir: '/etc/systemd/system/timers.target.wants', name: /^nm-cloud-setup\.timer$/ },
  { dir: '/etc/kubernetes/manifests', name: /^kube-apiserver\.yaml$/ },
  // systemd-networkd's networkd.conf and its drop-ins (ManageForeignRoutes= and friends).
  ...NETWORKD_CONF_DIRS.flatMap((dir) => [
    { dir, name: /^networkd\.conf$/ },
    { dir: `${dir}/networkd.conf.d`, name: /\.conf$/ },
  ]),
];

/** Whether a collection reads a file at this path (a provisioning file's embedded files are kept by it). */
export function isCollectedPath(path: string): boolean {
  const dir = posix.dirname(path);
  const name = posix.basename(path);
  if (NETWORK_DIRS.includes(dir) && NETWORK_FILE.test(name)) return true;
  if (NETWORK_DIRS.includes(posix.dirname(dir)) && /\.(link|network|netdev)\.d$/.test(posix.basename(dir)) && name.endsWith('.conf')) return true;
  return EXTRA_SOURCES.some((s) => !s.live && s.dir === dir && s.name.test(name));
}

export interface FileCollection {
  files: FileRecord[];
  gaps: Gap[];
}

/** `liveRoot` is where the live sources (/proc, /run) are read: `/`, or a bundle's copy of them. */
export async function collectFiles(root: string, liveRoot = '/'): Promise<FileCollection> {
  const out: FileCollection = { files: [], gaps: [] };
  const seenDirs = new Set<string>();
  for (const dir of NETWORK_DIRS) {
    const real = await realpath(join(root, dir)).catch(() => null);
    if (real === null) continue; // an absent directory is normal, not a gap
    if (seenDirs.has(real)) continue; // /lib -> /usr/lib on merged-usr systems
    seenDirs.add(real);
    await collectNetworkDir(root, dir, out);
  }
  for (const src of EXTRA_SOURCES) {
    await collectDir(src.live ? liveRoot : root, src.dir, src.name, out);
  }
  return out;
}

async function collectNetworkDir(root: string, dir: string, out: FileCollection): Promise<void> {
  const names = await list(root, dir, out);
  for (const name of names.sort()) {
    const path = posix.join(dir, name);
    if (NETWORK_FILE.test(name)) {
      await collectOne(root, path, out);
    } else if (/\.(link|network|netdev)\.d$/.test(name)) {
      for (const conf of (await list(root, path, out)).sort()) {
        if (conf.endsWith('.conf')) await collectOne(root, posix.join(path, conf), out);
      }
    }
  }
}

async function collectDir(root: string, dir: string, pattern: RegExp, out: FileCollection): Promise<void> {
  const real = await realpath(join(root, dir)).catch(() => null);
  if (real === null) return;
  for (const name of (await list(root, dir, out)).sort()) {
    if (pattern.test(name)) await collectOne(root, posix.join(dir, name), out);
  }
}

async function list(root: string, dir: string, out: FileCollection): Promise<string[]> {
  try {
    return await readdir(join(root, dir));
  } catch (err) {
    if (gapReason(err) !== 'not-found') out.gaps.push({ source: dir, reason: gapReason(err), detail: String((err as Error).message) });
    return [];
  }
}

/** Reads one file, following a symlink inside the root, and records a mask for what systemd treats as one. */
export async function collectOne(root: string, path: string, out: FileCollection): Promise<void> {
  const onDisk = join(root, path);
  try {
    const st = await lstat(onDisk);
    if (st.isSymbolicLink()) {
      const target = await readlink(onDisk);
      if (target === '/dev/null') {
        out.files.push(fileRecord(path, null, 'dev-null'));
        return;
      }
      // An absolute link in a mounted image points into that image, not into our filesystem.
      const resolved = isAbsolute(target) ? join(root, target) : join(onDisk, '..', target);
      const content = await readFile(resolved, 'utf8');
      out.files.push(content.length === 0 ? fileRecord(path, null, 'empty') : fileRecord(path, content, null));
      return;
    }
    if (st.isDirectory()) return;
    const content = await readFile(onDisk, 'utf8');
    // systemd treats an empty regular file as a mask; /proc files report size 0 but have content.
    out.files.push(content.length === 0 && !path.startsWith('/proc/') ? fileRecord(path, null, 'empty') : fileRecord(path, content, null));
  } catch (err) {
    out.gaps.push({ source: path, reason: gapReason(err), detail: String((err as Error).message) });
  }
}

function fileRecord(path: string, content: string | null, mask: FileRecord['mask']): FileRecord {
  return { path, content, mask, role: null };
}

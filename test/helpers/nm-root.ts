/**
 * Debian 12's NetworkManager (1.42), run from a minimal root of its own to print the configuration it
 * merges (`NetworkManager --print-config`): it reads its files and exits, no D-Bus, no devices.
 * The root is built once with mmdebstrap (about 200 MB) into ROOTS_DIR/bookworm-nm and kept; each
 * batch of cases runs in a private mount namespace where the root's configuration directories are
 * fresh tmpfs mounts, so the cached root is never written to and parallel runs do not meet.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOTS_DIR } from './udevd-root.js';

const OK_MARK = '.hostnet-root-ok';
const SUITE = 'bookworm';

export function ensureNmRoot(): string {
  const root = join(ROOTS_DIR, `${SUITE}-nm`);
  if (existsSync(join(root, OK_MARK)) && existsSync(join(root, 'usr/sbin/NetworkManager'))) return root;
  mkdirSync(ROOTS_DIR, { recursive: true });
  const script = `set -e
cd "$1"
if [ -e "$2/${OK_MARK}" ]; then exit 0; fi
rm -rf "$2" "$2.tmp"
mmdebstrap --quiet --variant=minbase --include=network-manager ${SUITE} "$2.tmp"
touch "$2.tmp/${OK_MARK}"
mv "$2.tmp" "$2"`;
  const r = spawnSync('flock', [join(ROOTS_DIR, `${SUITE}-nm.lock`), 'sh', '-c', script, 'sh', ROOTS_DIR, `${SUITE}-nm`], { encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(join(root, 'usr/sbin/NetworkManager'))) {
    throw new Error(`could not build the NetworkManager root with mmdebstrap (exit ${r.status}): ${(r.stderr ?? '').trim().slice(-2000)}`);
  }
  return root;
}

/** The configuration directories a case writes, as seen on the analysed host. */
export const NM_CASE_DIRS = ['etc/NetworkManager', 'usr/lib/NetworkManager/conf.d', 'run/NetworkManager'] as const;

/**
 * Runs `NetworkManager --print-config` once per case directory (each holding etc/, usr/ and run/ trees
 * as written below those prefixes) and returns the outputs in order.
 */
export function printConfigs(root: string, caseDirs: string[]): string[] {
  const script = `set -e
R=$1; shift
for d in ${NM_CASE_DIRS.map((d) => `"$R/${d}"`).join(' ')}; do mkdir -p "$d" 2>/dev/null || true; done
for d in ${NM_CASE_DIRS.map((d) => `"$R/${d}"`).join(' ')}; do mount -t tmpfs hostnet-nm "$d"; done
mount -t proc proc "$R/proc"
for c in "$@"; do
  for d in ${NM_CASE_DIRS.map((d) => `"$R/${d}"`).join(' ')}; do find "$d" -mindepth 1 -delete; done
  for d in ${NM_CASE_DIRS.join(' ')}; do if [ -d "$c/$d" ]; then cp -a "$c/$d/." "$R/$d/"; fi; done
  chroot "$R" /usr/sbin/NetworkManager --print-config 2>&1 || echo "exit $?"
  echo "@@hostnet-case-end@@"
done`;
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', root, ...caseDirs], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`NetworkManager --print-config failed (exit ${r.status}): ${r.stderr}`);
  return r.stdout.split('@@hostnet-case-end@@\n').slice(0, caseDirs.length);
}

/**
 * The real systemd-udevd of another Debian release, run from a minimal root of that release:
 *
 * - `ensureDebianRoot(suite)` builds `mmdebstrap --variant=minbase --include=udev,iproute2 SUITE` into
 *   /var/cache/hostnet-test/roots/SUITE (kept between runs; rebuilt when missing or broken, under a
 *   lock so parallel test files build it once) and copies this machine's machine-id in.
 * - `startRootUdevd(t, version)` runs that root's own udevd (`chroot ROOT systemd-udevd --debug`) in a
 *   throw-away network namespace and a private mount namespace: the kernel delivers a namespace's
 *   network-device uevents to that namespace only; /proc, /sys (the namespace's view) and a private
 *   /dev with a few nodes are mounted into the root; a fresh tmpfs on its /run; the root's rules
 *   directory replaced by its two network rules files only; and its /etc, /run and shipped
 *   systemd/network directories replaced by directories of the test (`view`), which hostnet reads
 *   with `--root`. The cached root itself is never written to while a daemon runs.
 *
 * One daemon serves a whole batch of cases: write the case's files, `reload()`, hold the event queue,
 * create interfaces, predict, release the queue, `settle()`, read the kernel and the daemon's log.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, lstatSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { uniqueName } from './system.js';
import { stopDaemon } from './procs.js';

const execFileAsync = promisify(execFile);

export const ROOTS_DIR = process.env.HOSTNET_TEST_ROOTS ?? '/var/cache/hostnet-test/roots';

/** The Debian release whose udev is each verified systemd version. */
export const SUITE_BY_VERSION: Readonly<Record<number, string>> = { 247: 'bullseye', 252: 'bookworm', 257: 'trixie' };

const OK_MARK = '.hostnet-root-ok';

/** The systemd/network directory the release ships its .link files in (split /usr on Debian 11). */
export function shippedNetworkDir(root: string): string {
  return lstatSync(join(root, 'lib')).isSymbolicLink() ? 'usr/lib/systemd/network' : 'lib/systemd/network';
}

function rootIsHealthy(root: string): boolean {
  return existsSync(join(root, OK_MARK)) && existsSync(join(root, 'lib/systemd/systemd-udevd')) &&
    ['bin/udevadm', 'usr/bin/udevadm'].some((p) => existsSync(join(root, p))) && existsSync(join(root, 'lib/udev/rules.d/80-net-setup-link.rules'));
}

/** Why this machine cannot build or run the roots, or null. */
export function rootsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const tool of ['mmdebstrap', 'chroot', 'unshare', 'nsenter', 'flock', 'ip']) {
    if (spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool]).status !== 0) return `needs ${tool} (apt-get install mmdebstrap util-linux iproute2)`;
  }
  return null;
}

/** The cached root of `suite`, built (about 20 s, 180 MB) when missing or broken. */
export function ensureDebianRoot(suite: string): string {
  const root = join(ROOTS_DIR, suite);
  if (rootIsHealthy(root)) return root;
  mkdirSync(ROOTS_DIR, { recursive: true });
  // Under a lock: another test process may be building the same root.
  const script = `set -e
cd "$1"
if [ -e "$2/${OK_MARK}" ]; then exit 0; fi
rm -rf "$2" "$2.tmp"
mmdebstrap --quiet --variant=minbase --include=udev,iproute2 "$2" "$2.tmp"
touch "$2.tmp/${OK_MARK}"
mv "$2.tmp" "$2"`;
  const r = spawnSync('flock', [join(ROOTS_DIR, `${suite}.lock`), 'sh', '-c', script, 'sh', ROOTS_DIR, suite], { encoding: 'utf8' });
  if (r.status !== 0 || !rootIsHealthy(root)) {
    throw new Error(`could not build the ${suite} root with mmdebstrap (exit ${r.status}): ${(r.stderr ?? '').trim().slice(-2000)}`);
  }
  return root;
}

const START = `set -e
R=$1; V=$2; SHIPPED=$3
mount -t proc proc "$R/proc"
mount --bind /sys "$R/sys"
mount -t tmpfs -o mode=755 hostnet-udevd-dev "$R/dev"
for n in null zero full random urandom kmsg tty; do touch "$R/dev/$n"; mount --bind "/dev/$n" "$R/dev/$n"; done
mkdir "$R/dev/net"; touch "$R/dev/net/tun"; mount --bind /dev/net/tun "$R/dev/net/tun"
mount -t tmpfs hostnet-udevd-run "$R/run"
mkdir -p "$R/run/udev" "$R/run/systemd/network" "$R/etc/systemd/network"
# The container this machine is in, as systemd-detect-virt outside the chroot sees it (a chroot
# hides the files it detects some containers by).
if [ -n "$4" ]; then echo "$4" > "$R/run/systemd/container"; fi
mount --bind "$V/run/systemd/network" "$R/run/systemd/network"
mount --bind "$V/etc/systemd/network" "$R/etc/systemd/network"
mount --bind "$V/$SHIPPED" "$R/$SHIPPED"
mount --bind "$V/rules" "$R/lib/udev/rules.d"
if [ -d "$R/etc/udev/rules.d" ]; then mount --bind "$V/empty" "$R/etc/udev/rules.d"; fi
exec chroot "$R" /lib/systemd/systemd-udevd --debug`;

export interface RootUdevd {
  version: number;
  netns: string;
  /** Directory standing for the root in hostnet's eyes (`--root`): its systemd/network directories and machine-id. */
  view: string;
  /** The network directories below `view`, by systemd's path (/etc/..., /run/..., the shipped one). */
  dirs: { etc: string; run: string; shipped: string; shippedPath: string };
  /** The .link files the release ships, by name. */
  shipped: Record<string, string>;
  /** Runs udevadm of the root in the daemon's namespaces; resolves to its stdout. */
  udevadm(args: string[]): Promise<string>;
  /**
   * `udevadm control --FLAG`, sent again until the daemon logs that it received it: 257 sometimes
   * drops a control message ("Invalid sender uid 65534, ignoring message").
   */
  control(flag: 'reload'): Promise<void>;
  /**
   * Freezes the daemon (SIGSTOP) so that the kernel's uevents wait in its socket: the test can read
   * the interfaces as udevd will first see them. (`udevadm control --stop-exec-queue` works too, but
   * the start message then takes seconds to be read by 247 and 257.)
   */
  hold(): void;
  release(): void;
  /** The daemon's log from byte `from` on, and the new end. */
  logFrom(from: number): { text: string; end: number };
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The container type systemd-detect-virt reports here, or '' (none, or a VM). */
function hostContainer(): string {
  const r = spawnSync('systemd-detect-virt', ['--container'], { encoding: 'utf8' });
  const v = (r.stdout ?? '').trim();
  return r.status === 0 && /^[a-z-]+$/.test(v) && v !== 'none' ? v : '';
}

export async function startRootUdevd(t: TestContext, version: number): Promise<RootUdevd> {
  const suite = SUITE_BY_VERSION[version];
  if (!suite) throw new Error(`no Debian root for systemd ${version}; known: ${Object.keys(SUITE_BY_VERSION).join(', ')}`);
  const root = ensureDebianRoot(suite);
  // The persistent MAC hashes the machine-id: the root's must be this machine's (written before any daemon runs).
  if (!existsSync(join(root, 'etc/machine-id')) || readFileSync(join(root, 'etc/machine-id'), 'utf8') !== readFileSync('/etc/machine-id', 'utf8')) {
    copyFileSync('/etc/machine-id', join(root, 'etc/machine-id'));
  }
  const shippedPath = shippedNetworkDir(root);
  const view = mkdtempSync(join(tmpdir(), `hostnet-udevd-${version}-`));
  const dirs = { etc: join(view, 'etc/systemd/network'), run: join(view, 'run/systemd/network'), shipped: join(view, shippedPath), shippedPath: `/${shippedPath}` };
  for (const d of [dirs.etc, dirs.run, dirs.shipped, join(view, 'rules'), join(view, 'empty')]) mkdirSync(d, { recursive: true });
  copyFileSync('/etc/machine-id', join(view, 'etc/machine-id'));
  for (const r of ['75-net-description.rules', '80-net-setup-link.rules']) copyFileSync(join(root, 'lib/udev/rules.d', r), join(view, 'rules', r));
  // From 256 on, ID_NET_DRIVER comes from a net_driver builtin that 50-udev-default.rules imports
  // before net_setup_link runs: keep that file's network lines (only those, so stray events of other
  // subsystems still run no rule).
  const defaults = readFileSync(join(root, 'lib/udev/rules.d/50-udev-default.rules'), 'utf8').split('\n').filter((l) => l.startsWith('SUBSYSTEM=="net"'));
  if (defaults.length) writeFileSync(join(view, 'rules', '50-udev-default.rules'), `${defaults.join('\n')}\n`);
  const shipped: Record<string, string> = {};
  for (const name of readdirSync(join(root, shippedPath))) {
    if (name.endsWith('.link')) shipped[name] = readFileSync(join(root, shippedPath, name), 'utf8');
  }
  writeFileSync(join(view, 'start.sh'), START);
  const netns = uniqueName(`hn-u${version}`);
  const ns = spawnSync('ip', ['netns', 'add', netns], { encoding: 'utf8' });
  if (ns.status !== 0) throw new Error(`ip netns add ${netns}: ${ns.stderr}`);

  const logPath = join(view, 'udevd.log');
  const logFd = openSync(logPath, 'w');
  const child: ChildProcess = spawn('ip', ['netns', 'exec', netns, 'unshare', '--mount', '--propagation', 'private', 'sh', join(view, 'start.sh'), root, view, shippedPath, hostContainer()], {
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const pid = child.pid!;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await stopDaemon(pid, () => exited);
    spawnSync('ip', ['netns', 'del', netns]);
    rmSync(view, { recursive: true, force: true });
  };
  t.after(stop);

  // `ip netns exec`, `unshare`, `sh` and `chroot` exec in place: the child's PID is udevd's.
  const udevadm = async (args: string[]): Promise<string> => {
    try {
      return (await execFileAsync('nsenter', ['--target', String(pid), '--mount', '--net', '--', 'chroot', root, 'udevadm', ...args], { encoding: 'utf8' })).stdout;
    } catch (err) {
      throw new Error(`udevadm ${args.join(' ')} (systemd ${version}): ${(err as Error).message.trim()}\n${readFileSync(logPath, 'utf8').slice(-3000)}`);
    }
  };
  for (let i = 0; ; i++) {
    if (exited) throw new Error(`systemd-udevd ${version} exited at start: ${readFileSync(logPath, 'utf8').slice(-2000)}`);
    // Until the exec chain reaches udevd, nsenter would enter the wrong mount namespace; 257 answers
    // a ping on its control socket before its varlink socket (used by --reload) is up.
    const isUdevd = /systemd-udevd/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    const r = !isUdevd ? { status: 1 } : spawnSync('nsenter', ['--target', String(pid), '--mount', '--net', '--', 'chroot', root, 'udevadm', 'control', '--reload'], { stdio: 'ignore' });
    if (r.status === 0) break;
    if (i > 150) throw new Error(`systemd-udevd ${version} did not answer udevadm control --reload within 15 s`);
    await sleep(100);
  }
  const control = async (flag: 'reload'): Promise<void> => {
    const word = `Received udev control message (${flag.toUpperCase().replace(/-/g, '_')})`;
    for (let attempt = 0; attempt < 10; attempt++) {
      const from = readFileSync(logPath).length;
      await udevadm(['control', `--${flag}`]);
      for (let i = 0; i < 20; i++) {
        if (readFileSync(logPath).subarray(from).toString('utf8').includes(word)) return;
        await sleep(25);
      }
    }
    throw new Error(`systemd-udevd ${version} never acknowledged udevadm control --${flag}`);
  };
  return {
    version, netns, view, dirs, shipped, udevadm, control, stop,
    hold: () => process.kill(pid, 'SIGSTOP'),
    release: () => process.kill(pid, 'SIGCONT'),
    logFrom: (from) => {
      const buf = readFileSync(logPath);
      return { text: buf.subarray(from).toString('utf8'), end: buf.length };
    },
  };
}

/** Replaces the contents of a directory with nothing (the daemon keeps its bind mount of it). */
export function emptyDir(dir: string): void {
  for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
}

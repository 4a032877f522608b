/**
 * The real systemd-udevd daemon, started by a test, isolated so it cannot touch this machine:
 *
 * - in a throw-away network namespace (the kernel delivers a namespace's network-device uevents to
 *   that namespace only, so it sees the test's devices and no others);
 * - in a private mount namespace (`ip netns exec NS unshare --mount --propagation private`) with a
 *   tmpfs over /run (its control socket, queue and database), the test's own directory over
 *   /etc/systemd/network (the .link files of the case), and over the udev rules directories only
 *   Debian's two network rules files (75-net-description, 80-net-setup-link), so even a stray event
 *   of another subsystem (the kernel sends those to every namespace) runs no rule, and a private /dev
 *   holding only null, zero, full, random, urandom, kmsg, tty and net/tun, so whatever udevd does for
 *   such an event (its /dev/char and /dev/block links) stays in the test's namespace.
 *
 * Commands run inside both namespaces with `nsenter --target PID --mount --net`. `stop()` ends udevd
 * and its workers by PID, deletes the namespace and the directory; it is registered with `t.after`
 * so it also runs when the test fails. The mounts die with the mount namespace (its last process).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { TestContext } from 'node:test';
import { uniqueName } from './system.js';
import { stopDaemon } from './procs.js';

export const UDEVD = ['/lib/systemd/systemd-udevd', '/usr/lib/systemd/systemd-udevd'].find((p) => existsSync(p)) ?? '/lib/systemd/systemd-udevd';
const NET_RULES = ['75-net-description.rules', '80-net-setup-link.rules'];
const RULES_DIR = '/usr/lib/udev/rules.d';

const START = `set -e
mount -t tmpfs hostnet-udevd-run /run
mkdir -p /run/udev /run/systemd/network
mount --bind "$1/etc-network" /etc/systemd/network
mount --bind "$1/rules" ${RULES_DIR}
if [ -d /etc/udev/rules.d ]; then mount --bind "$1/empty" /etc/udev/rules.d; fi
# A private /dev with only the nodes udevd and ip need: what udevd does for stray events lands here.
mount --bind /dev "$1/host-dev"
mount -t tmpfs -o mode=755 hostnet-udevd-dev /dev
for n in null zero full random urandom kmsg tty; do touch /dev/$n; mount --bind "$1/host-dev/$n" /dev/$n; done
mkdir /dev/net; touch /dev/net/tun; mount --bind "$1/host-dev/net/tun" /dev/net/tun
umount -l "$1/host-dev"
exec "$2" --debug`;

export interface IsolatedUdevd {
  netns: string;
  pid: number;
  /** Runs argv in udevd's namespaces; returns stdout, throws with stderr on failure. */
  run(argv: string[]): string;
  /** sysfs attribute of a device in the namespace, trimmed. */
  attr(ifname: string, name: string): string;
  /** udevd's debug log lines about one interface (without the "IF: " prefix). */
  log(ifname: string): string[];
  /** Waits until udevd has finished `count` add events of `ifname` (other devices' events do not matter). */
  waitForAdd(ifname: string, count?: number): Promise<void>;
  /** Waits until udevd logged a line about `ifname` that satisfies `match`; returns it. */
  waitForLog(ifname: string, match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export interface UdevdOptions {
  /** .link (and other) files to place in /etc/systemd/network, by file name. */
  etcNetwork?: Record<string, string>;
  /**
   * Delay every sendto() of udevd and its workers by this long (strace fault injection). udevd's
   * netlink requests, among them the one that writes the MAC it decided on, then land that much after
   * its decision is logged: the window in which a test can play the data plane between udevd's read
   * and its write.
   */
  delayNetlinkMs?: number;
}

/** True when this machine can run the isolated udevd (root, udevd, nsenter, unshare). */
export function udevdAvailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root';
  if (!existsSync(UDEVD)) return 'needs systemd-udevd (apt-get install udev)';
  for (const tool of ['udevadm', 'nsenter', 'unshare', 'ip']) {
    if (spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool]).status !== 0) return `needs ${tool}`;
  }
  if (NET_RULES.some((r) => !existsSync(join(RULES_DIR, r)))) return `needs ${NET_RULES.join(', ')} in ${RULES_DIR}`;
  return null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startIsolatedUdevd(t: TestContext, options: UdevdOptions = {}): Promise<IsolatedUdevd> {
  const dir = mkdtempSync(join(tmpdir(), 'hostnet-udevd-'));
  for (const d of ['etc-network', 'rules', 'empty', 'host-dev']) mkdirSync(join(dir, d));
  for (const r of NET_RULES) copyFileSync(join(RULES_DIR, r), join(dir, 'rules', r));
  for (const [name, content] of Object.entries(options.etcNetwork ?? {})) writeFileSync(join(dir, 'etc-network', basename(name)), content);
  writeFileSync(join(dir, 'start.sh'), START);
  const netns = uniqueName('hn-race');
  execFileSync('ip', ['netns', 'add', netns]);

  let child: ChildProcess | null = null;
  let tracer: ChildProcess | null = null;
  let tracerExited = false;
  let exited = false;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (tracer?.pid !== undefined && !tracerExited) {
      // strace detaches from every traced process when it is told to end.
      process.kill(tracer.pid, 'SIGTERM');
      for (let i = 0; i < 50 && !tracerExited; i++) await sleep(100);
      if (!tracerExited) process.kill(tracer.pid, 'SIGKILL');
    }
    const pid = child?.pid;
    if (pid !== undefined) await stopDaemon(pid, () => exited);
    spawnSync('ip', ['netns', 'del', netns]);
    rmSync(dir, { recursive: true, force: true });
  };
  t.after(stop);

  const logPath = join(dir, 'udevd.log');
  const logFd = openSync(logPath, 'w');
  child = spawn('ip', ['netns', 'exec', netns, 'unshare', '--mount', '--propagation', 'private', 'sh', join(dir, 'start.sh'), dir, UDEVD], {
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  child.on('exit', () => {
    exited = true;
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start systemd-udevd');

  // `ip netns exec` and `unshare` exec in place, so the child's PID becomes udevd's.
  const nsenter = (argv: string[]) => ['--target', String(pid), '--mount', '--net', '--', ...argv];
  const run = (argv: string[]): string => {
    const r = spawnSync('nsenter', nsenter(argv), { encoding: 'utf8' });
    if (r.status !== 0) {
      const tail = readFileSync(logPath, 'utf8').split('\n').slice(-40).join('\n');
      throw new Error(`${argv.join(' ')} (in ${netns}): exit ${r.status}: ${r.stderr.trim()}\nudevd's last log lines:\n${tail}`);
    }
    return r.stdout;
  };
  for (let i = 0; ; i++) {
    if (exited) throw new Error(`systemd-udevd exited at start: ${readFileSync(logPath, 'utf8').slice(-2000)}`);
    if (spawnSync('nsenter', nsenter(['udevadm', 'control', '--ping']), { stdio: 'ignore' }).status === 0) break;
    if (i > 100) throw new Error('systemd-udevd did not answer udevadm control --ping within 10 s');
    await sleep(100);
  }
  if (options.delayNetlinkMs !== undefined) {
    tracer = spawn('strace', ['-f', '-p', String(pid), '-o', '/dev/null', '-e', 'trace=sendto', '-e', `inject=sendto:delay_enter=${options.delayNetlinkMs * 1000}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    tracer.on('exit', () => {
      tracerExited = true;
    });
    await new Promise<void>((resolve, reject) => {
      let err = '';
      tracer!.stderr!.on('data', (d: Buffer) => {
        err += d.toString('utf8');
        if (/attached/.test(err)) resolve();
      });
      tracer!.on('exit', (code) => reject(new Error(`strace ended (exit ${code}): ${err.trim()}`)));
    });
  }
  const log = (ifname: string): string[] => readFileSync(logPath, 'utf8').split('\n').filter((l) => l.startsWith(`${ifname}: `)).map((l) => l.slice(ifname.length + 2));
  const waitForLog = async (ifname: string, match: (line: string) => boolean, timeoutMs = 10_000): Promise<string> => {
    for (let waited = 0; ; waited += 10) {
      const line = log(ifname).find(match);
      if (line !== undefined) return line;
      if (waited > timeoutMs) throw new Error(`udevd did not log the expected line about ${ifname} within ${timeoutMs} ms:\n${log(ifname).join('\n')}`);
      await sleep(10);
    }
  };
  return {
    netns,
    pid,
    run,
    attr: (ifname, name) => run(['cat', `/sys/class/net/${ifname}/${name}`]).trim(),
    log,
    waitForAdd: async (ifname, count = 1) => {
      const processed = (l: string) => /^Device processed \(SEQNUM=\d+, ACTION=add\)/.test(l);
      for (let waited = 0; log(ifname).filter(processed).length < count; waited += 10) {
        if (waited > 20_000) throw new Error(`udevd did not finish ${count} add event(s) of ${ifname} within 20 s:\n${log(ifname).join('\n')}`);
        await sleep(10);
      }
    },
    waitForLog,
    stop,
  };
}

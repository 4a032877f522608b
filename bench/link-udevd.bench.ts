/**
 * .link resolution against the real udevd, like for like: N >= 500 new taps, the same .link files
 * (bench/synthetic.ts: name globs, drivers, drop-ins, 300 files), in the same run.
 * - udevd: the real systemd-udevd daemon, isolated in a throw-away network and mount namespace
 *   (test/helpers/udevd.ts). The taps are created while its event queue is stopped; the time is from
 *   starting the queue to `udevadm settle` returning: udevd loading the files and handling N add events.
 * - hostnet: loading the same files and resolving the same N devices, in one process (what `check`
 *   and `link explain` do), fresh each run, with the engine compiled as the CLI ships it (shipped.ts).
 * The files udevd applied (its database's ID_NET_LINK_FILE) are compared with hostnet's for a sample
 * of taps, so both did the same work. Target: hostnet >= 1,000x faster. Needs root and systemd-udevd.
 */
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';
import type { FileRecord } from '../src/snapshot/schema.js';
import { startIsolatedUdevd, udevdAvailable } from '../test/helpers/udevd.js';
import type { Bench } from './run.js';
import { shippedLinkEngine } from './shipped.js';
import { medianMs, msSince } from './timing.js';
import { linkFiles } from './synthetic.js';

const TAPS = Number(process.env.HOSTNET_BENCH_UDEVD_TAPS ?? 500);
const FILES = 300;
const FACTS = {
  hostname: 'bench', kernelRelease: null, architecture: 'x86_64', kernelCommandLine: null, os: { id: 'debian', versionId: '12', prettyName: null },
  systemdVersion: 252, virtualization: null, machineId: '0123456789abcdef0123456789abcdef',
};

/** Tap names the site files' globs match (`ens1*`, `ens1?f0`), within the 15 bytes of IFNAMSIZ. */
const tapName = (k: number) => `ens${k + 10}f0`;

const bench: Bench = {
  title: `.link resolution vs the real udevd: ${TAPS} tap add events, ${FILES} .link files`,
  async run(log) {
    const missing = udevdAvailable();
    if (missing) throw new Error(`the real udevd cannot run here: ${missing}`);
    const { explainLink, loadLinkConfigsFromFiles, newLinkDevice } = await shippedLinkEngine();
    // Only what a private /etc/systemd/network can hold: the /etc files and their drop-ins.
    const files = linkFiles(FILES).filter((f): f is FileRecord & { content: string } => f.path.startsWith('/etc/') && f.content !== null);
    const names = Array.from({ length: TAPS }, (_, k) => tapName(k));

    const hostnetRun = () => {
      const set = loadLinkConfigsFromFiles(files, { systemdVersion: 252, facts: FACTS });
      return names.map((name) => explainLink(set, newLinkDevice({ name, kind: 'tun', driver: 'tun', type: 'ether', addrAssignType: 'random' }), FACTS));
    };
    hostnetRun(); // warm-up
    const { ms: hostnetMs, value: decided } = medianMs(7, hostnetRun);
    // The resolution alone, the files loaded once (udevd also keeps them loaded between events).
    const set = loadLinkConfigsFromFiles(files, { systemdVersion: 252, facts: FACTS });
    const { ms: resolveMs } = medianMs(7, () => {
      for (const name of names) explainLink(set, newLinkDevice({ name, kind: 'tun', driver: 'tun', type: 'ether', addrAssignType: 'random' }), FACTS);
    });

    const cleanups: (() => Promise<void> | void)[] = [];
    const t = { after: (fn: () => Promise<void> | void) => cleanups.push(fn) } as unknown as TestContext;
    try {
      const udevd = await startIsolatedUdevd(t);
      for (const f of files) {
        const path = f.path.replace(/^\/etc\/systemd\/network\//, '/etc/systemd/network/');
        udevd.run(['sh', '-c', 'mkdir -p "$(dirname "$2")" && printf %s "$1" > "$2"', 'sh', f.content, path]);
      }
      udevd.run(['udevadm', 'control', '--reload']);
      udevd.run(['udevadm', 'control', '--stop-exec-queue']);
      const batch = names.map((n) => `tuntap add dev ${n} mode tap`).join('\n');
      const created = spawnSync('nsenter', ['--target', String(udevd.pid), '--mount', '--net', '--', 'ip', '-batch', '-'], { input: batch, encoding: 'utf8' });
      if (created.status !== 0) throw new Error(`creating ${TAPS} taps: ${created.stderr}`);
      const t0 = process.hrtime.bigint();
      udevd.run(['udevadm', 'control', '--start-exec-queue']);
      udevd.run(['udevadm', 'settle', '--timeout=600']);
      const udevdMs = msSince(t0);
      // udevd can end a settle with events still running for devices it has not seen yet: count them.
      const processed = names.filter((n) => udevd.log(n).some((l) => /^Device processed \(SEQNUM=\d+, ACTION=add\)/.test(l))).length;
      // The same decisions: the file udevd applied, from its database, beside hostnet's.
      const sample = names.filter((_, k) => k % Math.max(1, Math.floor(TAPS / 50)) === 0);
      let same = 0;
      const differ: string[] = [];
      for (const name of sample) {
        const info = udevd.run(['udevadm', 'info', '--query=property', `/sys/class/net/${name}`]);
        const applied = /^ID_NET_LINK_FILE=(.*)$/m.exec(info)?.[1] ?? null;
        const ours = decided[names.indexOf(name)]!.linkFile;
        if (applied === ours) same++;
        else differ.push(`${name}: udevd ${applied ?? 'none'}, hostnet ${ours ?? 'none'}`);
      }
      log(`workload: ${TAPS} new taps (tun), ${files.filter((f) => f.path.endsWith('.link')).length} .link files + ${files.filter((f) => f.path.endsWith('.conf')).length} drop-ins in /etc/systemd/network`);
      log(`udevd processed ${processed} of ${TAPS} add events; the applied file matches hostnet's for ${same} of ${sample.length} sampled taps`);
      for (const d of differ.slice(0, 5)) log(`differs: ${d}`);
      return [{
        name: `hostnet: load the files and resolve ${TAPS} taps`, value: hostnetMs, unit: 'ms',
        baseline: { name: `the real udevd handling the same ${TAPS} add events (queue start to settle)`, value: udevdMs },
        target: '>= 1000x faster than udevd', met: udevdMs / hostnetMs >= 1000,
        notes: [`udevd / hostnet = ${(udevdMs / hostnetMs).toFixed(0)}x; hostnet median of 7 runs, udevd one run`],
      }, {
        name: `hostnet: resolve ${TAPS} taps, the files already loaded`, value: resolveMs, unit: 'ms',
        baseline: { name: 'the real udevd, as above', value: udevdMs },
        target: '>= 1000x faster than udevd', met: udevdMs / resolveMs >= 1000,
        notes: [`udevd / hostnet = ${(udevdMs / resolveMs).toFixed(0)}x`],
      }];
    } finally {
      for (const c of cleanups.reverse()) await c();
    }
  },
};

export default bench;

/**
 * The .link engine at scale (issue 3): resolve 10,000 interfaces against 300 .link files with
 * drop-ins (the first match wins, the MAC decision, the persistent MAC's SipHash), and for every
 * interface that is renamed (NamePolicy=path, Name=) the move pass that follows (issue 12). Baseline: asking
 * the real udevd, `udevadm test-builtin net_setup_link` once per interface, measured on 50 taps in a
 * throw-away namespace in the same run (needs root and udevadm; otherwise only our figure is printed).
 * The engine is measured as the CLI ships it (shipped.ts).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { FileRecord, HostFacts } from '../src/snapshot/schema.js';
import { linkDeviceFromSpec, type LinkDevice } from '../src/model/link/index.js';
import { rng } from '../test/helpers/rng.js';
import type { Bench } from './run.js';
import { shippedLinkEngine } from './shipped.js';
import { median, msSince } from './timing.js';

const FILES = 300;
const DEVICES = 10_000;
const REAL = 50;

export function makeFiles(): FileRecord[] {
  const rnd = rng(7).next;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const files: FileRecord[] = [];
  const dirs = ['/etc/systemd/network', '/run/systemd/network', '/usr/lib/systemd/network'];
  for (let n = 0; n < FILES - 1; n++) {
    const match = [
      `OriginalName=${pick(['ens', 'eth', 'tap', 'vx', 'br', 'cali'])}${n}* ${pick(['!lo', 'x?', '[a-c]*'])}`,
      rnd() < 0.5 ? `Driver=${pick(['virtio_net', 'ixgbe', 'i40e', 'mlx5_core', 'ice'])}` : `Kind=${pick(['veth', 'bridge', 'vxlan'])}`,
      rnd() < 0.3 ? `Property=ID_PATH=pci-0000:${(n % 256).toString(16).padStart(2, '0')}:*` : `Type=${pick(['ether', '!wlan'])}`,
      rnd() < 0.2 ? `MACAddress=02:00:00:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}` : '',
    ].filter(Boolean).join('\n');
    const path = `${pick(dirs)}/${String(n % 98).padStart(2, '0')}-bench-${n}.link`;
    const name = n % 10 === 0 ? `Name=rn${n}\n` : '';
    files.push({ path, content: `[Match]\n${match}\n\n[Link]\nNamePolicy=keep kernel database onboard slot path\n${name}MACAddressPolicy=${pick(['persistent', 'none', 'random'])}\n`, mask: null, role: null });
    if (n % 3 === 0) files.push({ path: `${path}.d/10-mac.conf`, content: '[Link]\nMACAddressPolicy=persistent\nMTUBytes=9000\n', mask: null, role: null });
  }
  files.push({ path: '/usr/lib/systemd/network/99-default.link', content: '[Match]\nOriginalName=*\n[Link]\nNamePolicy=keep kernel database onboard slot path\nMACAddressPolicy=persistent\n', mask: null, role: null });
  return files;
}

export function makeDevices(): LinkDevice[] {
  const rnd = rng(11).next;
  const devices: LinkDevice[] = [];
  for (let n = 0; n < DEVICES; n++) {
    const kind = ['tun', 'veth', 'bridge', 'vxlan', null, null][Math.floor(rnd() * 6)];
    const mac = Array.from({ length: 6 }, (_, i) => (i === 0 ? 0x5a : Math.floor(rnd() * 256)).toString(16).padStart(2, '0')).join(':');
    const spec = [`name=${['ens', 'eth', 'tap', 'vx', 'cali'][n % 5]}${n}`, `mac=${mac}`, `addrAssignType=${kind ? 'random' : 'perm'}`];
    if (kind) spec.push(`kind=${kind}`);
    else spec.push('driver=virtio_net', `ID_PATH=pci-0000:${(n % 256).toString(16).padStart(2, '0')}:00.0`, `ID_NET_NAME_PATH=enp${n % 256}s0`);
    devices.push(linkDeviceFromSpec(spec.join(',')));
  }
  return devices;
}

export const facts: HostFacts = {
  hostname: 'bench', kernelRelease: '6.1.0', architecture: 'x86_64', kernelCommandLine: '', os: { id: null, versionId: null, prettyName: null },
  systemdVersion: 252, virtualization: 'none', machineId: '0123456789abcdef0123456789abcdef',
};

/** CPU seconds used by this process's finished children (utime + stime of waited-for children). */
function childCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /, '').split(' ');
  // After "pid (comm) ", field 3 is the state; cutime and cstime are fields 16 and 17 of the line.
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

function cpuSeconds(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
}

function udevadmPerInterface(log: (m: string) => void): { wall: number; cpu: number } | null {
  if (process.getuid?.() !== 0 || spawnSync('udevadm', ['--version']).status !== 0) {
    log('udevadm baseline needs root and udevadm: skipped');
    return null;
  }
  const ns = `hn-bench-link-${process.pid}`;
  try {
    spawnSync('ip', ['netns', 'add', ns]);
    for (let n = 0; n < REAL; n++) spawnSync('ip', ['-n', ns, 'tuntap', 'add', `tap${n}`, 'mode', 'tap']);
    const t0 = process.hrtime.bigint();
    const c0 = childCpuSeconds();
    for (let n = 0; n < REAL; n++) {
      // v252 applies the result: it only ever runs on these throw-away taps.
      const r = spawnSync('ip', ['netns', 'exec', ns, 'udevadm', 'test-builtin', 'net_setup_link', `/sys/class/net/tap${n}`], { stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`udevadm test-builtin failed on tap${n}`);
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return { wall: REAL / seconds, cpu: REAL / Math.max(childCpuSeconds() - c0, 0.01) };
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

const bench: Bench = {
  title: `link: resolve ${DEVICES.toLocaleString('en')} interfaces against ${FILES} .link files with drop-ins`,
  async run(log) {
    const { explainLink, loadLinkConfigsFromFiles } = await shippedLinkEngine();
    const files = makeFiles();
    const t0 = process.hrtime.bigint();
    const set = loadLinkConfigsFromFiles(files, { systemdVersion: 252, facts });
    const loadMs = msSince(t0);
    log(`${set.configs.length} configs loaded (${files.length} files) in ${loadMs.toFixed(1)} ms`);
    const devices = makeDevices();
    let persistent = 0;
    let moved = 0;
    for (const d of devices) {
      const e = explainLink(set, d, facts); // warm-up
      if (e.macAction === 'persistent') persistent++;
      if (e.passes.length > 1) moved++;
    }
    // Rates per CPU second as well as per wall second: on a shared machine (parallel test runs)
    // the wall figure measures the neighbours; the CPU figure measures the engine.
    const wallRates: number[] = [];
    const cpuRates: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t = process.hrtime.bigint();
      const c = cpuSeconds();
      for (const d of devices) explainLink(set, d, facts);
      wallRates.push(DEVICES / (Number(process.hrtime.bigint() - t) / 1e9));
      cpuRates.push(DEVICES / Math.max(cpuSeconds() - c, 1e-6));
    }
    const wall = median(wallRates);
    const cpu = median(cpuRates);
    const baseline = udevadmPerInterface(log);
    const notes = [`${persistent} of ${DEVICES} get a computed persistent MAC (SipHash-2-4 each)`, `${moved} are renamed and resolved again on the move uevent`, `loading ${files.length} files: ${loadMs.toFixed(1)} ms`];
    return [
      {
        name: 'resolutions per CPU second', value: cpu, unit: 'interfaces/s',
        baseline: baseline ? { name: `udevadm test-builtin net_setup_link per CPU second (${REAL} taps)`, value: baseline.cpu } : undefined,
        target: '>= 100,000 interfaces/s', met: cpu >= 100_000, notes,
      },
      {
        name: 'resolutions per wall second', value: wall, unit: 'interfaces/s',
        baseline: baseline ? { name: `udevadm test-builtin net_setup_link per wall second (${REAL} taps)`, value: baseline.wall } : undefined,
        target: '>= 100,000 interfaces/s', met: wall >= 100_000,
        notes: [`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} CPUs during the run`],
      },
    ];
  },
};

export default bench;

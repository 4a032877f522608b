/**
 * Differential test against the real udevd of systemd 247, 252 and 257 (Debian 11, 12, 13), run from
 * minimal roots of those releases (test/helpers/udevd-root.ts), one daemon per version for the whole
 * batch. Each generated case writes .link files and drop-ins into /etc, /run and the shipped
 * directory (overrides and masks of 99-default.link included), holds udevd's event queue, creates
 * 1-3 real interfaces, lets `hostnet link explain --netns NS --root VIEW --systemd-version V`
 * predict, releases the queue and waits for the real add (and, after a rename, move) uevents. Per
 * interface it compares the file applied on each event (udevd's "Config file ... is applied"), the
 * final name, MAC and MTU. The same cases run on every version, so the versions' differences show.
 *
 *   HOSTNET_LINK_VERSIONS_SEED=<seed> HOSTNET_LINK_VERSIONS_CASES=1 node scripts/test.mjs link-versions
 * HOSTNET_LINK_VERSIONS_CASES sets the number of cases per version (default 150);
 * HOSTNET_LINK_VERSIONS=247,257 limits the versions.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname as osHostname, release } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { buildHost } from '../../src/model/host.js';
import { explainLink, linkDeviceFromInterface, loadLinkConfigs, type LinkExplanation } from '../../src/model/link/index.js';
import { LINK_KEYS, MATCH_KEYS, SRIOV_KEYS } from '../../src/model/link/keys.js';
import { parseSnapshot } from '../../src/snapshot/load.js';
import type { HostFacts, Snapshot } from '../../src/snapshot/schema.js';
import { hostnetArgv, netns, requireRealSystem, skipOrFail } from '../helpers/system.js';
import { emptyDir, rootsUnavailable, startRootUdevd, type RootUdevd } from '../helpers/udevd-root.js';
import { rng } from '../helpers/rng.js';

const run = promisify(execFile);
const CASES = Number(process.env.HOSTNET_LINK_VERSIONS_CASES ?? 150);
const BASE_SEED = Number(process.env.HOSTNET_LINK_VERSIONS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const VERSIONS = (process.env.HOSTNET_LINK_VERSIONS ?? '247,252,257').split(',').map(Number);
/** Each of these must be seen at least this often per version in a full run. */
const MIN_COVERAGE = CASES >= 100 ? 3 : 0;

type Rng = ReturnType<typeof rng>;

type Kind = 'tap' | 'tun' | 'veth' | 'bridge' | 'macvlan' | 'vxlan';
interface Planned {
  name: string;
  kind: Kind;
  setMac: string | null;
}

const NAMES: Record<Kind, string[]> = {
  tap: ['tap0', 'ens2f0', 'vpp0'], tun: ['tun0'], veth: ['veth0', 'eth1'], bridge: ['br0', 'cni0'], macvlan: ['mv0'], vxlan: ['vx0'],
};
/** What udevd sees of each kind: the ethtool driver, the rtnetlink kind and the Type= string. */
const SEEN: Record<Kind, { driver: string; kind: string; type: string; devtype: string | null }> = {
  tap: { driver: 'tun', kind: 'tun', type: 'ether', devtype: null }, tun: { driver: 'tun', kind: 'tun', type: 'none', devtype: null },
  veth: { driver: 'veth', kind: 'veth', type: 'ether', devtype: null }, bridge: { driver: 'bridge', kind: 'bridge', type: 'bridge', devtype: 'bridge' },
  macvlan: { driver: 'macvlan', kind: 'macvlan', type: 'ether', devtype: null }, vxlan: { driver: 'vxlan', kind: 'vxlan', type: 'vxlan', devtype: 'vxlan' },
};

function randomMac(r: Rng, multicast = false): string {
  const bytes = Array.from({ length: 6 }, () => r.int(256));
  bytes[0] = (bytes[0]! & 0xfc) | 0x02 | (multicast ? 1 : 0);
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

function plan(r: Rng): Planned[] {
  const out: Planned[] = [];
  const count = 1 + r.int(3);
  while (out.length < count) {
    const kind = r.pick(['tap', 'tap', 'tun', 'veth', 'bridge', 'macvlan', 'vxlan'] as const);
    const name = r.pick(NAMES[kind]);
    if (out.some((p) => p.name === name)) continue;
    out.push({ name, kind, setMac: kind !== 'tun' && r.chance(0.25) ? randomMac(r) : null });
  }
  return out;
}

function createArgs(p: Planned, k: number): string[][] {
  const addr = p.setMac ? ['address', p.setMac] : [];
  switch (p.kind) {
    case 'tap':
    case 'tun':
      return [['tuntap', 'add', p.name, 'mode', p.kind], ...(p.setMac ? [['link', 'set', p.name, 'address', p.setMac]] : [])];
    case 'veth': return [['link', 'add', p.name, ...addr, 'type', 'veth', 'peer', 'name', `${p.name}p`]];
    case 'bridge': return [['link', 'add', p.name, ...addr, 'type', 'bridge']];
    case 'vxlan': return [['link', 'add', p.name, ...addr, 'type', 'vxlan', 'id', String(42 + k), 'dstport', '4789']];
    // The lower device stays in a namespace of its own, as a macvlan NAD's uplink does for a pod:
    // udevd here then sees only the macvlan (a lower it also configured would change the macvlan's
    // MTU and address through the kernel, which is not the .link engine's business).
    case 'macvlan': return [['@lower', 'link', 'add', `lw${k}`, 'type', 'veth', 'peer', 'name', `lw${k}p`],
      ['@lower', 'link', 'add', p.name, 'link', `lw${k}`, ...addr, 'type', 'macvlan'], ['@lower', 'link', 'set', p.name, 'netns', '@netns']];
  }
}

interface Env {
  hostname: string;
  kernel: string;
  cmdlineWords: string[];
}

/** Why a value: the coverage tally keys. */
type Tally = Map<string, number>;
const bump = (t: Tally, k: string): void => {
  t.set(k, (t.get(k) ?? 0) + 1);
};

function nameGlob(r: Rng, name: string): string {
  switch (r.int(5)) {
    case 0: return name;
    case 1: return `${name.slice(0, 2)}*`;
    case 2: return `${name.slice(0, -1)}?`;
    case 3: return `[${name[0]}x]*`;
    default: return '*';
  }
}

/** One [Match] line. `tally` records the key. */
function matchLine(r: Rng, p: Planned[], env: Env, tally: Tally): string {
  const neg = (): string => (r.chance(0.25) ? '!' : '');
  const some = (): Planned => r.pick(p);
  const key = r.pick(['OriginalName', 'OriginalName', 'Kind', 'Driver', 'Type', 'MACAddress', 'Path', 'Property', 'Property', 'Host',
    'Virtualization', 'KernelVersion', 'KernelCommandLine', 'Architecture', 'Credential'] as const);
  bump(tally, `key ${key}`);
  switch (key) {
    case 'OriginalName': return `OriginalName=${neg()}${nameGlob(r, some().name)}`;
    case 'Kind': return `Kind=${neg()}${r.chance(0.7) ? SEEN[some().kind].kind : r.pick(['v*', 'b?idge', 'tap'])}`;
    case 'Driver': return `Driver=${neg()}${r.chance(0.7) ? SEEN[some().kind].driver : r.pick(['mac*', 'e1000', 'v[a-f]th'])}`;
    case 'Type': return `Type=${neg()}${r.chance(0.7) ? SEEN[some().kind].type : r.pick(['e*', 'wlan'])}`;
    case 'MACAddress': {
      const withMac = p.filter((x) => x.setMac);
      return `MACAddress=${withMac.length && r.chance(0.7) ? r.pick(withMac).setMac!.toUpperCase() : randomMac(r)}`;
    }
    case 'Path': return `Path=${neg()}${r.pick(['*-usb-*', 'pci-*', '*'])}`;
    case 'Property': {
      const prop = r.pick(['ID_NET_DRIVER', 'ID_NET_DRIVER', 'INTERFACE', 'SUBSYSTEM', 'DEVTYPE', 'ID_PATH'] as const);
      bump(tally, `property ${prop}`);
      const value = prop === 'ID_NET_DRIVER' ? (r.chance(0.7) ? SEEN[some().kind].driver : 'e1000')
        : prop === 'INTERFACE' ? nameGlob(r, some().name)
        : prop === 'SUBSYSTEM' ? r.pick(['net', 'block'])
        : prop === 'DEVTYPE' ? r.pick(['bridge', 'vxlan', '*'])
        : r.pick(['*', 'pci-*']);
      return `Property=${neg()}${prop}=${value}`;
    }
    case 'Host': return `Host=${neg()}${r.pick([env.hostname, 'no-such-host', `${env.hostname.slice(0, 3)}*`])}`;
    case 'Virtualization': return `Virtualization=${neg()}${r.pick(['yes', 'no', 'vm', 'container'])}`;
    case 'KernelVersion': return `KernelVersion=${r.pick([`>=${env.kernel.split('.')[0]}`, '<3', `${env.kernel.slice(0, 3)}*`, '9.*'])}`;
    case 'KernelCommandLine': return `KernelCommandLine=${neg()}${r.chance(0.6) && env.cmdlineWords.length ? r.pick(env.cmdlineWords) : 'hostnet.nosuch'}`;
    case 'Architecture': return `Architecture=${neg()}${r.pick(['x86-64', 'arm64'])}`;
    case 'Credential': return `Credential=${neg()}hostnet-test`;
  }
}

function linkLines(r: Rng, opts: { name: string | null }, tally: Tally): string[] {
  const lines: string[] = [];
  if (r.chance(0.8)) {
    const policy = r.pick(['persistent', 'persistent', 'random', 'none', 'none']);
    bump(tally, `policy ${policy}`);
    lines.push(`MACAddressPolicy=${policy}`);
    if (policy === 'none' && r.chance(0.5)) lines.push(`MACAddress=${randomMac(r)}`);
  }
  if (r.chance(0.3)) {
    const policy = r.pick(['keep', 'kernel', 'database', 'onboard', 'slot', 'path', 'mac', 'keep kernel database onboard slot path']);
    bump(tally, `NamePolicy ${policy.split(' ').length > 1 ? 'list' : policy}`);
    lines.push(`NamePolicy=${policy}`);
  }
  if (opts.name) lines.push(`Name=${opts.name}`);
  if (r.chance(0.35)) {
    const mtu = r.pick(['1400', '1280', '1450']);
    bump(tally, 'MTUBytes');
    lines.push(`MTUBytes=${mtu}`);
  }
  return lines;
}

interface CaseFiles {
  /** path as systemd sees it → content, or 'dev-null' for a mask symlink */
  files: Map<string, string>;
}

/** The generated configuration of one case (the same on every version: the seed decides). */
function configure(r: Rng, p: Planned[], env: Env, shippedPath: string, tally: Tally): CaseFiles {
  const files = new Map<string, string>();
  const dirs = ['/etc/systemd/network', '/run/systemd/network', shippedPath];
  const put = (path: string, text: string): void => {
    if (!files.has(path)) files.set(path, text);
  };
  let renames = 0;
  const renamers = new Set<string>();
  const count = 1 + r.int(4);
  for (let k = 0; k < count; k++) {
    const name = `${String(10 + r.int(80))}-${r.pick(['a', 'b', 'vpp'])}.link`;
    const dir = r.pick(dirs);
    const match: string[] = [];
    const n = 1 + r.int(3);
    for (let i = 0; i < n; i++) match.push(matchLine(r, p, env, tally));
    let newName: string | null = null;
    if (r.chance(0.4)) {
      // Name= only where a literal OriginalName= picks one interface: two interfaces renamed to one
      // name would make the second rename fail, which is not what this test is about.
      const target = r.pick(p);
      for (let i = match.length - 1; i >= 0; i--) if (match[i]!.startsWith('OriginalName=')) match.splice(i, 1);
      match.push(`OriginalName=${target.name}`);
      newName = `rn${renames++}`;
      renamers.add(name);
    } else if (r.chance(0.2)) {
      // An empty assignment: resets the key's list in some versions, not in others.
      const key = r.pick(['OriginalName', 'Driver', 'Type', 'Kind', 'Path', 'Property', 'MACAddress']);
      bump(tally, `empty ${key}=`);
      match.splice(r.int(match.length + 1), 0, `${key}=`);
    }
    put(`${dir}/${name}`, `[Match]\n${match.join('\n')}\n[Link]\n${linkLines(r, { name: newName }, tally).join('\n')}\n`);
  }
  // 99-default.link overridden or masked in /etc or /run.
  if (r.chance(0.25)) {
    const how = r.pick(['mask', 'empty', 'override'] as const);
    bump(tally, `99-default ${how}`);
    const dir = r.pick(dirs.slice(0, 2));
    put(`${dir}/99-default.link`, how === 'mask' ? 'dev-null' : how === 'empty' ? '' : `[Match]\n${matchLine(r, p, env, tally)}\n[Link]\n${linkLines(r, { name: null }, tally).join('\n')}\n`);
  }
  // Drop-ins in every directory, for 99-default.link and the generated files.
  const units = ['99-default.link', ...[...files.keys()].map((f) => f.slice(f.lastIndexOf('/') + 1))];
  const dropins = r.int(3);
  for (let k = 0; k < dropins; k++) {
    const dir = r.pick(dirs);
    bump(tally, `drop-in in ${dir}`);
    const unit = r.pick(units);
    // A [Match] drop-in could widen a renaming file to a second interface.
    const body = renamers.has(unit) || r.chance(0.75) ? `[Link]\n${linkLines(r, { name: null }, tally).join('\n')}\n` : `[Match]\n${matchLine(r, p, env, tally)}\n`;
    put(`${dir}/${unit}.d/${r.pick(['10', '50'])}-x.conf`, body);
  }
  return { files };
}

type Prediction = LinkExplanation;
interface LiveLink {
  ifindex: number;
  ifname: string;
  address?: string;
  mtu: number;
}

async function ipJson(ns: string): Promise<LiveLink[]> {
  const { stdout } = await run('ip', ['-n', ns, '-j', 'link', 'show']);
  return (JSON.parse(stdout) as LiveLink[]).filter((l) => l.ifname !== 'lo');
}

/** "Config file X is applied" per log prefix (the device's name during that event). */
function appliedByName(log: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of log.split('\n')) {
    const m = /^([^:\s]+): Config file (\S+) is applied/.exec(line);
    if (m) out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  }
  return out;
}

function writeCase(u: RootUdevd, files: CaseFiles): void {
  emptyDir(u.dirs.etc);
  emptyDir(u.dirs.run);
  emptyDir(u.dirs.shipped);
  for (const [name, text] of Object.entries(u.shipped)) writeFileSync(join(u.dirs.shipped, name), text);
  for (const [path, text] of files.files) {
    const dir = path.startsWith('/etc/') ? u.dirs.etc : path.startsWith('/run/') ? u.dirs.run : u.dirs.shipped;
    const base = path.startsWith('/etc/') || path.startsWith('/run/') ? path.slice('/etc/systemd/network/'.length) : path.slice(u.dirs.shippedPath.length + 1);
    const target = join(dir, base);
    mkdirSync(join(target, '..'), { recursive: true });
    if (text === 'dev-null') symlinkSync('/dev/null', target);
    else writeFileSync(target, text);
  }
}

/**
 * hostnet's predictions for the snapshot, from the model in this process (fast); on the first case
 * of each version also from `hostnet link explain --snapshot F --systemd-version V`, which must
 * say the same.
 */
async function predict(snapshot: Snapshot, u: RootUdevd, viaCli: boolean): Promise<Prediction[]> {
  const host = buildHost(snapshot);
  const set = loadLinkConfigs(host);
  const inProcess = host.interfaces.filter((i) => i.name !== 'lo').map((i) => explainLink(set, linkDeviceFromInterface(host, i), snapshot.host, { trace: true }));
  if (viaCli) {
    const path = join(u.view, 'snapshot.json');
    writeFileSync(path, JSON.stringify({ ...snapshot, host: { ...snapshot.host, systemdVersion: null } }));
    const argv = hostnetArgv(['link', 'explain', '--snapshot', path, '--systemd-version', String(u.version), '--format', 'json']);
    const parsed = JSON.parse((await run(argv[0]!, argv.slice(1), { maxBuffer: 1 << 26 })).stdout) as LinkExplanation | LinkExplanation[];
    const cli = (Array.isArray(parsed) ? parsed : [parsed]).filter((e) => e.ifname !== 'lo');
    assert.deepEqual(cli, JSON.parse(JSON.stringify(inProcess)), `systemd ${u.version}: the CLI and the model disagree`);
  }
  return inProcess;
}

async function runCase(u: RootUdevd, lowerNs: string, seed: number, env: Env, liveFacts: HostFacts, first: boolean, tally: Tally): Promise<string[]> {
  const r = rng(seed);
  const planned = plan(r);
  const files = configure(r, planned, env, u.dirs.shippedPath, tally);
  writeCase(u, files);
  await u.control('reload');
  const { end: logStart } = u.logFrom(0);
  u.hold();
  const problems: string[] = [];
  let before: LiveLink[] = [];
  try {
    for (const [k, p] of planned.entries()) {
      for (const args of createArgs(p, k)) {
        const ns = args[0] === '@lower' ? lowerNs : u.netns;
        await run('ip', ['-n', ns, ...args.filter((a) => a !== '@lower').map((a) => (a === '@netns' ? u.netns : a))]);
      }
    }
    before = await ipJson(u.netns);
    // The interfaces of the namespace and the files of the root (collected inside the namespace); the
    // node's facts (hostname, kernel, virtualization, command lines) as a live collection sees them,
    // because the daemon runs on this node too.
    const collect = hostnetArgv(['collect', '--root', u.view]);
    const collected = await run('ip', ['netns', 'exec', u.netns, ...collect], { maxBuffer: 1 << 26 });
    const snapshot = parseSnapshot(collected.stdout, `collection in ${u.netns}`);
    snapshot.host = { ...liveFacts, machineId: snapshot.host.machineId, systemdVersion: u.version };
    const predictions = await predict(snapshot, u, first);
    u.release();
    await u.udevadm(['settle', '--timeout=120']);
    const after = new Map((await ipJson(u.netns)).map((l) => [l.ifindex, l]));
    const log = u.logFrom(logStart).text;
    const applied = appliedByName(log);
    const described = [...files.files].map(([path, text]) => `--- ${path}\n${text === 'dev-null' ? '-> /dev/null' : text}`).join('\n');
    for (const b of before) {
      const p = predictions.find((x) => x.ifname === b.ifname);
      const a = after.get(b.ifindex);
      const fail = (what: string): void => {
        const lines = log.split('\n').filter((l) => l.startsWith(`${b.ifname}: `) || (a && l.startsWith(`${a.ifname}: `))).filter((l) => !/sd-device|Processing|queued|ready|forked|Passed|rules\.d/.test(l));
        problems.push(`systemd ${u.version}, seed ${seed}, ${b.ifname}: ${what}\n  predicted: ${JSON.stringify(p?.passes.map((x) => [x.action, x.ifname, x.linkFile]))} name ${p?.name.result} mac ${p?.resultMac} mtu ${p?.mtu.result}\n  udevd: ${lines.join('\n    ')}\n${described}`);
      };
      if (!p || !a) {
        fail(!p ? 'no prediction' : 'the interface vanished');
        continue;
      }
      const addFile = applied.get(b.ifname)?.[0] ?? null;
      bump(tally, addFile === null ? 'no file on add' : 'a file on add');
      if (p.passes[0]!.linkFile !== addFile) {
        fail(`add: file ${p.passes[0]!.linkFile} vs udevd ${addFile}`);
        continue;
      }
      if (p.name.result !== a.ifname) {
        fail(`name ${p.name.result} vs ${a.ifname}`);
        continue;
      }
      if (p.name.renamed) {
        bump(tally, 'renamed');
        const moveFile = applied.get(a.ifname)?.[0] ?? null;
        if (p.passes[1]?.linkFile !== moveFile) {
          fail(`move: file ${p.passes[1]?.linkFile} vs udevd ${moveFile}`);
          continue;
        }
        if (moveFile !== addFile) bump(tally, 'move applies another file');
      }
      bump(tally, `mac ${p.macAction}`);
      if (p.macAction === 'random') {
        if (a.address === b.address) fail(`predicted a random MAC, the MAC stayed ${a.address}`);
      } else if (p.resultMac !== (a.address ?? null)) {
        fail(`MAC ${p.resultMac} vs ${a.address}`);
        continue;
      }
      const mtu = p.mtu.result ?? b.mtu;
      if (mtu !== a.mtu) fail(`MTU ${mtu} vs ${a.mtu}`);
    }
  } finally {
    u.release();
    for (const l of await ipJson(u.netns).catch(() => [])) await run('ip', ['-n', u.netns, 'link', 'del', l.ifname]).catch(() => undefined);
    for (const l of await ipJson(lowerNs).catch(() => [])) await run('ip', ['-n', lowerNs, 'link', 'del', l.ifname]).catch(() => undefined);
    await u.udevadm(['settle', '--timeout=120']);
  }
  return problems;
}

/** Root, the namespace tools and the Debian roots (built or cached); under CI their absence fails. */
function canRunRoots(t: TestContext): boolean {
  if (!requireRealSystem(t, { tools: ['ip', 'unshare', 'nsenter', 'chroot'] })) return false;
  return skipOrFail(t, rootsUnavailable());
}

test(`hostnet link explain agrees with the real udevd of systemd ${VERSIONS.join(', ')} on ${CASES} generated cases each`, { timeout: 30 * 60_000 }, async (t) => {
  if (!canRunRoots(t)) return;
  const words = readFileSync('/proc/cmdline', 'utf8').trim().split(/\s+/).filter((w) => /^[A-Za-z0-9_.=,-]+$/.test(w)).slice(0, 6);
  const env: Env = { hostname: osHostname(), kernel: release(), cmdlineWords: words };
  t.diagnostic(`seed ${BASE_SEED}, ${CASES} cases per version`);
  const results = await Promise.all(VERSIONS.map(async (version) => {
    const u = await startRootUdevd(t, version);
    const lowerNs = netns(t, `hn-low${version}`).name;
    const collect = hostnetArgv(['collect', '--netns', u.netns]);
    const liveFacts = parseSnapshot((await run(collect[0]!, collect.slice(1), { maxBuffer: 1 << 26 })).stdout, 'live collection').host;
    const tally: Tally = new Map();
    const problems: string[] = [];
    for (let i = 0; i < CASES; i++) problems.push(...(await runCase(u, lowerNs, (BASE_SEED + i) >>> 0, env, liveFacts, i === 0, tally)));
    await u.stop();
    return { version, tally, problems };
  }));
  const problems = results.flatMap((r) => r.problems);
  for (const { version, tally } of results) {
    t.diagnostic(`systemd ${version}: ${[...tally].sort().map(([k, n]) => `${k} ${n}`).join(', ')}`);
  }
  assert.equal(problems.length, 0, `${problems.length} disagreements (replay with HOSTNET_LINK_VERSIONS_SEED=<seed> HOSTNET_LINK_VERSIONS_CASES=1):\n${problems.slice(0, 4).join('\n\n')}`);
  const required = ['key OriginalName', 'key Kind', 'key Driver', 'key Type', 'key MACAddress', 'key Path', 'key Property', 'key Host',
    'key Virtualization', 'key KernelVersion', 'key KernelCommandLine', 'key Architecture', 'key Credential',
    'property ID_NET_DRIVER', 'property INTERFACE', 'property SUBSYSTEM', 'property DEVTYPE', 'property ID_PATH',
    'policy persistent', 'policy random', 'policy none', 'NamePolicy keep', 'NamePolicy kernel', 'MTUBytes',
    '99-default mask', '99-default override', 'drop-in in /etc/systemd/network', 'drop-in in /run/systemd/network',
    'no file on add', 'a file on add', 'renamed', 'move applies another file', 'mac persistent', 'mac keep', 'mac static'];
  // Not required: a random MAC being applied needs a device with a permanent address, which no
  // virtual device has (MACAddressPolicy=random on these is "already matches policy").
  for (const { version, tally } of results) {
    const thin = required.filter((k) => (tally.get(k) ?? 0) < MIN_COVERAGE);
    assert.deepEqual(thin, [], `systemd ${version}: seen fewer than ${MIN_COVERAGE} times in this run: ${thin.join(', ')} (seed ${BASE_SEED})`);
  }
});

test(`the keys of the version table are known to exactly the versions it says (systemd ${VERSIONS.join(', ')})`, { timeout: 5 * 60_000 }, async (t) => {
  if (!canRunRoots(t)) return;
  const sections: [string, ReadonlyMap<string, number>][] = [['Match', MATCH_KEYS], ['Link', LINK_KEYS], ['SR-IOV', SRIOV_KEYS]];
  const text = sections.map(([name, keys]) => `[${name}]\n${[...keys.keys()].map((k) => `${k}=`).join('\n')}\n`).join('') + '[Match]\nOriginalName=hostnet-none\n';
  await Promise.all(VERSIONS.map(async (version) => {
    const u = await startRootUdevd(t, version);
    writeFileSync(join(u.dirs.etc, '50-keys.link'), text);
    const { end } = u.logFrom(0);
    // Some versions read the files while handling the reload, others on the next event.
    await u.control('reload');
    await run('ip', ['-n', u.netns, 'tuntap', 'add', 'keys0', 'mode', 'tap']);
    await u.udevadm(['settle', '--timeout=120']);
    const log = u.logFrom(end).text;
    // 247 says "Unknown key name 'K' in section 'S'", 252 and later "Unknown key 'K' in section [S]".
    const unknownSections = new Set([...log.matchAll(/Unknown section '?\[?([^'\]]+)\]?'?/g)].map((m) => m[1]!));
    const unknown = new Set([...log.matchAll(/Unknown key (?:name )?'([^']+)' in section '?\[?([^'\]]+)\]?'?/g)].map((m) => `${m[2]}.${m[1]}`));
    for (const [name, keys] of sections) {
      const expectSection = name !== 'SR-IOV' || version >= 251;
      assert.equal(!unknownSections.has(name), expectSection, `systemd ${version}: section [${name}]`);
      if (!expectSection) continue;
      const expected = [...keys].filter(([, since]) => since > version).map(([k]) => `${name}.${k}`).sort();
      const seen = [...unknown].filter((k) => k.startsWith(`${name}.`)).sort();
      assert.deepEqual(seen, expected, `systemd ${version}: keys of [${name}] it does not know`);
    }
    await u.stop();
  }));
});

/**
 * Differential test: hostnet's .link engine against the real udevd 252 on generated cases.
 *
 * Each case is a fresh network namespace with real interfaces (tap, tun, veth, bridge, macvlan,
 * vxlan; random or userspace-set MACs) and a random set of .link files and drop-ins spread over
 * /etc, /run, /usr/local/lib and /usr/lib (overrides, masks, negations, globs, Kind/Driver/Type/
 * OriginalName/MACAddress/Property matches (ID_NET_DRIVER among them), conditions, empty [Match], broken files, policies).
 * `hostnet link explain --netns NS --format json` predicts; then `udevadm test-builtin
 * net_setup_link` runs on every interface (and in v252 applies its decision). The applied file and
 * the final MAC must agree for every interface. A disagreement prints the seed that replays it:
 *   HOSTNET_LINK_DIFF_SEED=<seed> HOSTNET_LINK_DIFF_CASES=1 npm test -- link-differential
 * HOSTNET_LINK_DIFF_CASES sets the number of cases (default 200).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hostnetArgv, requireRealSystem, sh, uniqueName } from '../helpers/system.js';
import { makeLinkTrees, netSetupLink, parseNetSetupLink, runInLinkSandbox, type LinkTrees } from '../helpers/udev.js';
import { rng } from '../helpers/rng.js';

const CASES = Number(process.env.HOSTNET_LINK_DIFF_CASES ?? 200);
const BASE_SEED = Number(process.env.HOSTNET_LINK_DIFF_SEED ?? Math.floor(Math.random() * 2 ** 31));
const PARALLEL = 3;
const FIXTURES = new URL('../fixtures/link/debian-12/', import.meta.url);

type Rng = ReturnType<typeof rng>;

type IfaceKind = 'tap' | 'tun' | 'veth' | 'bridge' | 'macvlan' | 'vxlan';

interface PlannedIface {
  name: string;
  kind: IfaceKind;
  /** A MAC set by userspace (at creation or afterwards), or null for the kernel's random one. */
  setMac: string | null;
}

function randomMac(r: Rng, opts: { multicast?: boolean } = {}): string {
  const bytes = Array.from({ length: 6 }, () => r.int(256));
  bytes[0] = (bytes[0]! & 0xfc) | 0x02 | (opts.multicast ? 1 : 0);
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

const NAMES: Record<IfaceKind, string[]> = {
  tap: ['tap0', 'ens2f0', 'tap1', 'vpp0'], tun: ['tun0', 'tn1'], veth: ['veth0', 'vth1', 'eth1'],
  bridge: ['br0', 'cni0', 'brx'], macvlan: ['mv0', 'macvlan1'], vxlan: ['vx0', 'vxlan.calico'],
};

function planIfaces(r: Rng): PlannedIface[] {
  const count = 2 + r.int(3);
  const out: PlannedIface[] = [];
  const used = new Set<string>();
  while (out.length < count) {
    const kind = r.pick(['tap', 'tap', 'tun', 'veth', 'bridge', 'macvlan', 'vxlan'] as const);
    const name = r.chance(0.8) ? r.pick(NAMES[kind]) : `hn${r.int(100)}`;
    if (used.has(name) || (kind === 'veth' && used.has(`${name}p`))) continue;
    used.add(name);
    if (kind === 'veth') used.add(`${name}p`);
    out.push({ name, kind, setMac: kind !== 'tun' && r.chance(0.3) ? randomMac(r) : null });
  }
  return out;
}

function createIfaces(ns: string, plan: PlannedIface[]): void {
  const ip = (...args: string[]): string => sh(['ip', '-n', ns, ...args]);
  let lowers = 0;
  let vni = 42;
  for (const i of plan) {
    const addr = i.setMac ? ['address', i.setMac] : [];
    switch (i.kind) {
      case 'tap':
      case 'tun':
        ip('tuntap', 'add', i.name, 'mode', i.kind);
        if (i.setMac) ip('link', 'set', i.name, 'address', i.setMac);
        break;
      case 'veth':
        ip('link', 'add', i.name, ...addr, 'type', 'veth', 'peer', 'name', `${i.name}p`);
        break;
      case 'bridge':
        ip('link', 'add', i.name, ...addr, 'type', 'bridge');
        break;
      case 'vxlan':
        ip('link', 'add', i.name, ...addr, 'type', 'vxlan', 'id', String(vni++), 'dstport', '4789');
        break;
      case 'macvlan': {
        // Each macvlan gets a lower device of its own that udevadm never touches: the kernel refuses
        // a macvlan the address of its lower device or of a sibling, and udevadm runs one interface
        // after another, so shared lowers would make one interface's result depend on another's.
        const lower = `lw${lowers++}`;
        ip('link', 'add', lower, 'type', 'veth', 'peer', 'name', `${lower}p`);
        ip('link', 'add', i.name, 'link', lower, ...addr, 'type', 'macvlan');
        break;
      }
    }
  }
}

interface LiveIface {
  ifname: string;
  address?: string;
  link_type: string;
}

function liveIfaces(ns: string): LiveIface[] {
  return JSON.parse(sh(['ip', '-n', ns, '-j', 'link', 'show'])) as LiveIface[];
}

/** One glob for a name: exact, prefix*, ?-pattern, a bracket set, or everything. */
function nameGlob(r: Rng, name: string): string {
  switch (r.int(6)) {
    case 0: return name;
    case 1: return `${name.slice(0, 2)}*`;
    case 2: return name.slice(0, -1) + '?';
    case 3: return `[${name[0]}x]*`;
    case 4: return '*';
    default: return `${r.pick(['tap', 'br', 'v', 'e', 'mv', 'hn'])}*`;
  }
}

/** What udevd sees of each kind here: ethtool driver and Type= string (DEVTYPE, else ARPHRD name). */
const SEEN: Record<IfaceKind, { driver: string; type: string }> = {
  tap: { driver: 'tun', type: 'ether' }, tun: { driver: 'tun', type: 'none' }, veth: { driver: 'veth', type: 'ether' },
  bridge: { driver: 'bridge', type: 'bridge' }, macvlan: { driver: 'macvlan', type: 'ether' }, vxlan: { driver: 'vxlan', type: 'vxlan' },
};

function matchLines(r: Rng, live: LiveIface[], hostname: string, kinds: readonly IfaceKind[]): string[] {
  const lines: string[] = [];
  const neg = (): string => (r.chance(0.25) ? '!' : '');
  const someIface = (): LiveIface => r.pick(live);
  // Mostly values of the interfaces that are there, so that the keys decide something.
  const present = (f: (k: IfaceKind) => string, others: string[]): string => (r.chance(0.6) ? f(r.pick(kinds)) : r.pick(others));
  const n = 1 + r.int(3);
  for (let k = 0; k < n; k++) {
    switch (r.int(12)) {
      case 0:
      case 1: lines.push(`OriginalName=${neg()}${nameGlob(r, someIface().ifname)}${r.chance(0.3) ? ` ${nameGlob(r, someIface().ifname)}` : ''}`); break;
      case 2: lines.push(`Kind=${neg()}${present((k) => (k === 'tap' ? 'tun' : k), ['v*', 'b?idge', '[tm]*', 'tap'])}`); break;
      case 3: lines.push(`Driver=${neg()}${present((k) => SEEN[k].driver, ['mac*', '*', 'e1000', 'v[a-f]th'])}`); break;
      case 4: lines.push(`Type=${neg()}${present((k) => SEEN[k].type, ['e*', 'wlan', 'none'])}`); break;
      case 5: {
        const withMac = live.filter((l) => l.address && l.link_type === 'ether');
        lines.push(`MACAddress=${withMac.length && r.chance(0.7) ? r.pick(withMac).address!.toUpperCase() : randomMac(r)}${r.chance(0.3) ? ` ${randomMac(r)}` : ''}`);
        break;
      }
      case 6: lines.push(`PermanentMACAddress=${r.chance(0.5) && live[0]?.address ? live[0].address : randomMac(r)}`); break;
      case 7: lines.push(`Property=${neg()}${r.pick(['INTERFACE=' + nameGlob(r, someIface().ifname), 'DEVTYPE=bridge', 'DEVTYPE=*', 'SUBSYSTEM=net', 'ACTION=add', 'ID_PATH=*',
        `ID_NET_DRIVER=${present((k) => SEEN[k].driver, ['mac*', 'e1000'])}`, `ID_NET_DRIVER=${present((k) => SEEN[k].driver, ['*'])}`])}`); break;
      case 8: lines.push(r.chance(0.7) ? `Host=${neg()}${r.pick([hostname, 'no-such-host', '*'])}` : `Credential=${neg()}hostnet-test`); break;
      case 9: lines.push(`Virtualization=${neg()}${r.pick(['container', 'vm', 'docker', 'yes', 'no'])}`); break;
      case 10: lines.push(`Path=${neg()}${r.pick(['*-usb-*', 'pci-*'])}`); break;
      default: lines.push(r.pick(['OriginalName=', 'Kind=', 'Driver=']));
    }
  }
  return lines;
}

function linkLines(r: Rng): string[] {
  const lines: string[] = [];
  const policy = r.int(8);
  if (policy < 6) lines.push(`MACAddressPolicy=${r.pick(['persistent', 'persistent', 'random', 'none', '', 'bogus'])}`);
  if (r.chance(0.3)) lines.push(`MACAddress=${randomMac(r, { multicast: r.chance(0.2) })}`);
  if (r.chance(0.3)) lines.push(`NamePolicy=${r.pick(['keep kernel database onboard slot path', 'keep', 'mac'])}`);
  if (r.chance(0.2)) lines.push(r.pick(['MTUBytes=1400', 'Description=test', 'UnknownKey=1', 'Alias=x']));
  return lines;
}

function unitText(r: Rng, match: string[] | null, link: string[]): string {
  const out: string[] = [];
  if (r.chance(0.2)) out.push('# generated by hostnet link-differential');
  if (match !== null) {
    out.push('[Match]');
    for (const l of match) {
      // Sometimes spread a value over a continuation line, with a comment line inside.
      const sp = l.indexOf(' ');
      if (sp > 0 && r.chance(0.3)) out.push(`${l.slice(0, sp)} \\`, '# inside a continuation', `  ${l.slice(sp + 1)}`);
      else out.push(r.chance(0.2) ? `  ${l}  ` : l);
    }
  }
  if (r.chance(0.05)) out.push('[Bogus]', 'Key=value');
  if (link.length) out.push(r.chance(0.03) ? '[Link' : '[Link]', ...link);
  return `${out.join('\n')}\n`;
}

const DIRS: (keyof LinkTrees)[] = ['etc', 'run', 'usrLocalLib', 'usrLib'];

/** Writes a random configuration into the trees; returns a description for failure messages. */
function writeConfig(r: Rng, trees: LinkTrees, live: LiveIface[], hostname: string, kinds: readonly IfaceKind[]): string {
  const written: string[] = [];
  const taken = new Set<string>();
  /** Writes one file unless the generator already put one at that path (a name can repeat by chance). */
  const put = (dir: keyof LinkTrees, rel: string, text: string | 'dev-null'): void => {
    if (taken.has(`${dir}/${rel}`)) return;
    taken.add(`${dir}/${rel}`);
    const path = join(trees[dir], rel);
    mkdirSync(join(path, '..'), { recursive: true });
    if (text === 'dev-null') symlinkSync('/dev/null', path);
    else writeFileSync(path, text);
    written.push(`--- ${dir}/${rel}\n${text === 'dev-null' ? '-> /dev/null' : text}`);
  };
  if (r.chance(0.6)) {
    for (const f of ['99-default.link', '73-usb-net-by-mac.link']) put('usrLib', f, readFileSync(new URL(f, FIXTURES), 'utf8'));
  }
  const names: string[] = [];
  const count = 1 + r.int(4);
  for (let k = 0; k < count; k++) {
    const name = `${String(r.int(100)).padStart(2, '0')}-${r.pick(['a', 'b', 'test', 'vpp'])}.link`;
    const dir = r.pick(DIRS);
    if (names.includes(name) && r.chance(0.5)) {
      // Same name in another directory: an override, sometimes a mask.
      const free = DIRS.filter((d) => !taken.has(`${d}/${name}`));
      if (free.length === 0) continue;
      const mask = r.int(3);
      put(r.pick(free), name, mask === 0 ? 'dev-null' : mask === 1 ? '' : unitText(r, matchLines(r, live, hostname, kinds), linkLines(r)));
      continue;
    }
    names.push(name);
    const emptyMatch = r.chance(0.1);
    put(dir, name, unitText(r, emptyMatch ? (r.chance(0.5) ? [] : null) : matchLines(r, live, hostname, kinds), linkLines(r)));
  }
  // Drop-ins, for the generated files and for 99-default.link.
  const dropinCount = r.int(3);
  for (let k = 0; k < dropinCount; k++) {
    const unit = r.chance(0.5) || names.length === 0 ? '99-default.link' : r.pick(names);
    const conf = `${r.pick(['10', '50', '90'])}-${r.pick(['mac', 'x'])}.conf`;
    const body = r.chance(0.8)
      ? `[Link]\n${linkLines(r).join('\n')}\n`
      : `[Match]\n${matchLines(r, live, hostname, kinds).join('\n')}\n`;
    put(r.pick(DIRS), `${unit}.d/${conf}`, r.chance(0.1) ? '' : body);
  }
  return written.join('\n');
}

interface Prediction {
  ifname: string;
  linkFile: string | null;
  macAction: string;
  currentMac: string | null;
  resultMac: string | null;
  reason: string;
}

/** What the compared interfaces covered, so a run shows it exercised every branch. */
const tally = new Map<string, number>();
const count = (key: string): void => {
  tally.set(key, (tally.get(key) ?? 0) + 1);
};

async function runCase(caseSeed: number, work: string, hostname: string): Promise<string[]> {
  const r = rng(caseSeed);
  const ns = uniqueName('hn-linkdiff');
  const dir = mkdtempSync(join(work, 'case-'));
  sh(['ip', 'netns', 'add', ns]);
  try {
    const plan = planIfaces(r);
    createIfaces(ns, plan);
    const planned = new Set(plan.flatMap((i) => (i.kind === 'veth' ? [i.name, `${i.name}p`] : [i.name])));
    const before = liveIfaces(ns).filter((l) => planned.has(l.ifname));
    const trees = makeLinkTrees(dir);
    const described = writeConfig(r, trees, before, hostname, plan.map((i) => i.kind));
    const results = await runInLinkSandbox(ns, trees, [
      { argv: hostnetArgv(['link', 'explain', '--netns', ns, '--format', 'json']) },
      ...before.map((l) => netSetupLink(l.ifname)),
    ]);
    const [explain, ...udev] = results;
    if (explain!.code !== 0) return [`seed ${caseSeed}: hostnet link explain failed (exit ${explain!.code}): ${explain!.stderr}`];
    const predictions = JSON.parse(explain!.stdout) as Prediction[];
    const after = new Map(liveIfaces(ns).map((l) => [l.ifname, l]));
    const problems: string[] = [];
    before.forEach((l, k) => {
      const real = parseNetSetupLink(l.ifname, udev[k]!);
      const p = predictions.find((x) => x.ifname === l.ifname);
      const finalMac = after.get(l.ifname)?.address ?? null;
      const fail = (what: string): void => {
        problems.push(`seed ${caseSeed}, ${l.ifname} (${plan.find((x) => x.name === l.ifname)?.kind ?? 'peer'}): ${what}\n` +
          `  predicted: ${JSON.stringify(p)}\n  udevd: ${real.log.join(' | ')}\n${described}`);
      };
      if (!p) return fail('no prediction');
      count(`${p.macAction}${p.linkFile === null ? ' (no file)' : ''}: ${p.reason.replace(/[0-9a-f]{2}(:[0-9a-f]{2}){5}|"[^"]*"/g, '…').slice(0, 60)}`);
      if (p.linkFile !== real.linkFile) return fail(`linkFile ${p.linkFile} vs udevd ${real.linkFile}`);
      if (p.currentMac !== (l.address ?? null)) return fail(`currentMac ${p.currentMac} vs ${l.address}`);
      if (p.macAction === 'random') {
        if (real.applied?.kind !== 'random' || finalMac === l.address) fail(`predicted random, udevd ${JSON.stringify(real.applied)}`);
      } else if (p.resultMac !== finalMac) {
        fail(`resultMac ${p.resultMac} vs final ${finalMac}`);
      } else if ((real.applied !== null) !== (p.resultMac !== p.currentMac)) {
        fail(`udevd applied ${JSON.stringify(real.applied)} but the prediction changes nothing`);
      } else if (real.applied && real.applied.kind !== p.macAction) {
        fail(`udevd applied a ${real.applied.kind} MAC, predicted ${p.macAction}`);
      }
    });
    return problems;
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  }
}

test(`hostnet link explain agrees with udevd on ${CASES} generated cases`, { timeout: 15 * 60_000 }, async (t) => {
  if (!requireRealSystem(t, { tools: ['udevadm', 'unshare', 'ip'] })) return;
  const work = mkdtempSync(join(tmpdir(), 'hn-linkdiff-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const hostname = sh(['hostname']).trim();
  t.diagnostic(`seed ${BASE_SEED}, ${CASES} cases`);
  const problems: string[] = [];
  let next = 0;
  let compared = 0;
  const worker = async (): Promise<void> => {
    while (next < CASES) {
      const seed = (BASE_SEED + next++) >>> 0;
      try {
        problems.push(...(await runCase(seed, work, hostname)));
        compared++;
      } catch (err) {
        problems.push(`seed ${seed}: the case could not be set up: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  t.diagnostic(`${compared} cases compared`);
  for (const [k, n] of [...tally].sort()) t.diagnostic(`${String(n).padStart(5)}  ${k}`);
  assert.equal(problems.length, 0, `${problems.length} disagreements (replay one with HOSTNET_LINK_DIFF_SEED=<seed> HOSTNET_LINK_DIFF_CASES=1):\n${problems.slice(0, 5).join('\n\n')}`);
});

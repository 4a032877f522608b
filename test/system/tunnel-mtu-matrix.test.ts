/**
 * Tunnel encapsulation overhead on the real kernel: two nodes (namespaces A and B) joined by a veth
 * underlay of generated MTU, a vxlan device on each (generated MTU, `df unset|set|inherit`, IPv4 or
 * IPv6 underlay, remotes on the device), and a pod namespace behind each node through a veth of
 * generated MTU, routed into the tunnel. Each case pings with DF at every limit, from a node to the other
 * node (the host's own traffic) and from a pod to the other pod (forwarded traffic), in one direction
 * drawn per case; twice per size after a flush of learned PMTUs, since the first oversize packet teaches
 * the node a PMTU the second meets. The outcomes (answered, refused at the sender with EMSGSIZE, ICMP
 * "fragmentation needed" seen by the sender, lost) are compared with the tunnel model over the two nodes'
 * collected snapshots; mtu/tunnel-overhead must fire exactly where the tunnel is larger than it
 * carries; then its fix is applied for real and the largest packet must pass, one byte more never lost.
 *   HOSTNET_TUNNEL_SEED=<seed> HOSTNET_TUNNEL_CASES=<n> node scripts/test.mjs tunnel-mtu-matrix
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import { buildHost, type Host } from '../../src/model/host.js';
import { crossTunnel, tunnelOf, type DfMode, type Tunnel } from '../../src/model/mtu/tunnel.js';
import { runChecks } from '../../src/rules/engine.js';
import { ALL_RULES } from '../../src/rules/index.js';
import { SnapshotSchema } from '../../src/snapshot/schema.js';
import { rng, type Rng } from '../helpers/rng.js';
import { hostnetAsync, netns, requireRealSystem, sh } from '../helpers/system.js';

const CASES = Number(process.env.HOSTNET_TUNNEL_CASES ?? 7);
const SEED = Number(process.env.HOSTNET_TUNNEL_SEED ?? Math.floor(Math.random() * 2 ** 31));

type Outcome = 'answered' | 'refused' | 'icmp' | 'lost';
type Side = 'a' | 'b';
type Ns = ReturnType<typeof netns>;

interface Case {
  family: 4 | 6;
  df: DfMode;
  underlay: number;
  vx: Record<Side, number>;
  pod: Record<Side, number>;
  /** The direction pinged: from this side to the other. */
  from: Side;
}

const other = (s: Side): Side => (s === 'a' ? 'b' : 'a');
const UNDER: Record<Side, { v4: string; v6: string }> = { a: { v4: '192.168.77.1', v6: 'fd77::1' }, b: { v4: '192.168.77.2', v6: 'fd77::2' } };
const VX: Record<Side, string> = { a: '10.79.0.1', b: '10.79.0.2' };
const POD_NET: Record<Side, string> = { a: '10.78.1', b: '10.78.2' };
const POD: Record<Side, string> = { a: `${POD_NET.a}.2`, b: `${POD_NET.b}.2` };

/** The first cases force each df mode, family and outcome (coverage never depends on the seed); the rest are drawn. */
function generate(r: Rng, n: number): Case {
  const forced: Omit<Case, 'from'>[] = [
    { family: 4, df: 'unset', underlay: 1400, vx: { a: 1500, b: 1500 }, pod: { a: 1500, b: 1500 } },
    // From b: its pod's packets above 1350 are lost in the tunnel every time; its own, lost then refused.
    { family: 4, df: 'set', underlay: 1400, vx: { a: 1350, b: 1500 }, pod: { a: 1400, b: 1500 } },
    // From a: its pod is larger than the tunnel device: ICMP from the node, then refused at the pod.
    { family: 4, df: 'inherit', underlay: 1500, vx: { a: 1450, b: 1450 }, pod: { a: 1500, b: 9000 } },
    { family: 6, df: 'unset', underlay: 1500, vx: { a: 1450, b: 1500 }, pod: { a: 1500, b: 1430 } },
  ];
  const from: Side = n < forced.length ? (n % 2 === 0 ? 'a' : 'b') : r.pick(['a', 'b'] as const);
  if (n < forced.length) return { ...forced[n]!, from };
  const family = r.pick([4, 6] as const);
  const underlay = r.pick([1400, 1500, 9000]);
  const carries = underlay - (family === 4 ? 50 : 70);
  const vx = (): number => r.pick([carries, 1450, 1500, 9000].filter((m) => m >= 1280));
  const pod = (): number => r.pick([carries, 1400, 1500, 9000]);
  return { family, df: r.pick(['unset', 'set', 'inherit'] as const), underlay, vx: { a: vx(), b: vx() }, pod: { a: pod(), b: pod() }, from };
}

interface Lab { a: Ns; b: Ns; pa: Ns; pb: Ns }

function setUp(t: TestContext): Lab {
  const lab: Lab = { a: netns(t, 'hn-tna'), b: netns(t, 'hn-tnb'), pa: netns(t, 'hn-tnpa'), pb: netns(t, 'hn-tnpb') };
  sh(['ip', '-n', lab.a.name, 'link', 'add', 'u0', 'type', 'veth', 'peer', 'name', 'u0', 'netns', lab.b.name]);
  for (const side of ['a', 'b'] as const) {
    const node = lab[side];
    const pod = side === 'a' ? lab.pa : lab.pb;
    node.ip('addr', 'add', `${UNDER[side].v4}/24`, 'dev', 'u0');
    node.ip('addr', 'add', `${UNDER[side].v6}/64`, 'dev', 'u0', 'nodad');
    sh(['ip', '-n', node.name, 'link', 'add', 'hp0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod.name]);
    node.ip('addr', 'add', `${POD_NET[side]}.1/24`, 'dev', 'hp0');
    pod.ip('addr', 'add', `${POD[side]}/24`, 'dev', 'eth0');
    for (const [ns, dev] of [[node, 'lo'], [node, 'u0'], [node, 'hp0'], [pod, 'lo'], [pod, 'eth0']] as const) ns.ip('link', 'set', dev, 'up');
    pod.ip('route', 'add', 'default', 'via', `${POD_NET[side]}.1`);
    node.exec('sysctl', '-qw', 'net.ipv4.ip_forward=1');
  }
  return lab;
}

/** Recreates both vxlan devices for the case and sets every MTU. */
function apply(c: Case, lab: Lab): void {
  for (const side of ['a', 'b'] as const) {
    const node = lab[side];
    const pod = side === 'a' ? lab.pa : lab.pb;
    spawnSync('ip', ['-n', node.name, 'link', 'del', 'vx0']);
    node.ip('link', 'set', 'u0', 'mtu', String(c.underlay));
    const fam = c.family === 4 ? 'v4' : 'v6';
    node.ip('link', 'add', 'vx0', 'type', 'vxlan', 'id', '77', 'dstport', '4789', 'local', UNDER[side][fam], 'remote', UNDER[other(side)][fam], 'df', c.df);
    node.ip('link', 'set', 'vx0', 'mtu', String(c.vx[side]), 'up');
    node.ip('addr', 'add', `${VX[side]}/24`, 'dev', 'vx0');
    node.ip('route', 'add', `${POD_NET[other(side)]}.0/24`, 'via', VX[other(side)], 'dev', 'vx0');
    node.ip('link', 'set', 'hp0', 'mtu', String(c.pod[side]));
    pod.ip('link', 'set', 'eth0', 'mtu', String(c.pod[side]));
  }
}

function flush(lab: Lab): void {
  for (const ns of [lab.a, lab.b, lab.pa, lab.pb]) {
    ns.ip('route', 'flush', 'cache');
    ns.ip('-6', 'route', 'flush', 'cache');
  }
}

async function collect(name: string): Promise<Host> {
  const r = await hostnetAsync(['collect', '--netns', name]);
  assert.equal(r.code, 0, r.stderr);
  return buildHost(SnapshotSchema.parse(JSON.parse(r.stdout)));
}

function ping(from: Ns, dst: string, size: number): Outcome {
  const r = spawnSync('ip', ['netns', 'exec', from.name, 'ping', '-n', '-c1', '-W0.2', '-M', 'do', '-s', String(size - 28), dst], { encoding: 'utf8' });
  if (r.status === 0) return 'answered';
  const out = r.stdout + r.stderr;
  if (/message too long/i.test(out)) return 'refused';
  if (/frag needed/i.test(out)) return 'icmp';
  return 'lost';
}

/** The largest fragment of a packet cut to `mtu`. */
const piece = (mtu: number): number => 20 + Math.floor((mtu - 20) / 8) * 8;

/**
 * The model's outcome for one ping, and the PMTUs it leaves learned: `learned` holds, per sender
 * ("a", "b", "pa", "pb"), the MTU it has learned for its destination.
 */
function predict(c: Case, tun: Record<Side, Tunnel>, fromPod: boolean, size: number, learned: Map<string, number>): Outcome {
  const s = c.from;
  const r = other(s);
  const sender = fromPod ? `p${s}` : s;
  // The sender's own limit: its device MTU, or a PMTU it learned.
  const own = Math.min(fromPod ? c.pod[s] : c.vx[s], learned.get(sender) ?? Infinity);
  if (size > own) return 'refused';
  if (fromPod && size > c.vx[s]) {
    learned.set(sender, c.vx[s]);
    return 'icmp';
  }
  const out = crossTunnel(tun[s], { size, df: true, origin: fromPod ? 'forwarded' : 'local', learned: learned.has(`${s}-tunnel`) });
  if (out.learns && !fromPod) learned.set(`${s}-tunnel`, tun[s].carries!);
  if (out.kind === 'dropped') return 'lost';
  if (out.kind !== 'sent') return out.kind === 'refused' ? 'refused' : 'icmp';
  // Decapsulated at the receiving node; into its pod, or delivered to it.
  if (fromPod && size > c.pod[r]) {
    learned.set(sender, c.pod[r]);
    return 'icmp';
  }
  // The echo reply: no DF; cut to the replier's route MTU, then through its tunnel.
  let reply = size;
  if (fromPod) {
    if (reply > c.vx[r]) reply = piece(c.vx[r]);
  } else if (reply > c.vx[r]) reply = piece(c.vx[r]);
  const back = crossTunnel(tun[r], { size: reply, df: false, origin: fromPod ? 'forwarded' : 'local', learned: learned.has(`${r}-tunnel`) });
  if (back.learns && !fromPod) learned.set(`${r}-tunnel`, tun[r].carries!);
  return back.kind === 'sent' ? 'answered' : 'lost';
}

function sizesFor(c: Case, carries: Record<Side, number>): number[] {
  const limits = [c.vx.a, c.vx.b, c.pod.a, c.pod.b, carries.a, carries.b];
  return [...new Set(limits.flatMap((m) => [m, m + 1]))].filter((s) => s <= 9001).sort((x, y) => x - y);
}

const tunnelFindings = (h: Host): ReturnType<typeof runChecks>['findings'] => runChecks(h, ALL_RULES).findings.filter((f) => f.ruleId === 'mtu/tunnel-overhead');

test('pings with DF through generated vxlan tunnels agree with the tunnel model, and the mtu/tunnel-overhead fix lets them pass', { timeout: 10 * 60_000 }, async (t) => {
  if (!requireRealSystem(t, { tools: ['ip', 'ping'] })) return;
  t.diagnostic(`seed ${SEED}, ${CASES} cases (HOSTNET_TUNNEL_SEED=${SEED} to replay)`);
  const r = rng(SEED);
  const lab = setUp(t);
  const problems: string[] = [];
  const seen = new Set<string>();
  let pings = 0;
  let fixed = 0;
  for (let n = 0; n < CASES; n++) {
    const c = generate(r, n);
    apply(c, lab);
    const [ha, hb] = await Promise.all([collect(lab.a.name), collect(lab.b.name)]);
    const tun = { a: tunnelOf(ha!, ha!.interface('vx0')!), b: tunnelOf(hb!, hb!.interface('vx0')!) };
    const carries = { a: tun.a.carries!, b: tun.b.carries! };
    // Warm the neighbour caches with small pings, so the first sized ping meets no ARP delay.
    for (const [from, dst] of [[lab[c.from], VX[other(c.from)]], [c.from === 'a' ? lab.pa : lab.pb, POD[other(c.from)]]] as const) ping(from, dst, 100);
    for (const fromPod of [false, true]) {
      const from = fromPod ? (c.from === 'a' ? lab.pa : lab.pb) : lab[c.from];
      const dst = fromPod ? POD[other(c.from)] : VX[other(c.from)];
      for (const size of sizesFor(c, carries)) {
        flush(lab);
        const learned = new Map<string, number>();
        for (const attempt of [1, 2]) {
          const real = ping(from, dst, size);
          const model = predict(c, tun, fromPod, size, learned);
          pings++;
          seen.add(`${real} ${fromPod ? 'forwarded' : 'local'}`);
          seen.add(`df ${c.df} v${c.family} ${c.from}`);
          if (real !== model) problems.push(`seed ${SEED} case ${n} ${JSON.stringify(c)} ${fromPod ? 'pod' : 'node'} size ${size} attempt ${attempt}: kernel ${real}, hostnet ${model}`);
        }
      }
    }
    // The rule on each node's real state: the tunnel finding exactly where the tunnel is larger than it carries.
    for (const side of ['a', 'b'] as const) {
      const host = side === 'a' ? ha! : hb!;
      const findings = tunnelFindings(host);
      const overTunnel = findings.some((f) => f.interface === 'vx0');
      if (overTunnel !== c.vx[side] > carries[side]) problems.push(`case ${n} node ${side}: tunnel finding ${overTunnel}, vx0 ${c.vx[side]} carries ${carries[side]}`);
      const podFinding = findings.some((f) => f.interface === 'hp0');
      if (podFinding !== c.pod[side] > Math.min(c.vx[side], carries[side])) problems.push(`case ${n} node ${side}: pod finding ${podFinding} ${JSON.stringify(c)}`);
      if (findings.length) seen.add('finding');
    }
    if (n === 0) await checkFromCli(lab.a.name, problems);
    if (tunnelFindings(ha!).length + tunnelFindings(hb!).length) fixed += await applyFixForReal(lab, c, problems, n);
  }
  t.diagnostic(`${pings} pings over ${CASES} cases; ${fixed} fixes applied; seen: ${[...seen].sort().join(', ')}`);
  assert.deepEqual(problems, []);
  const need = [
    'answered local', 'refused local', 'lost local', 'answered forwarded', 'icmp forwarded', 'lost forwarded', 'refused forwarded',
    'df unset v4 a', 'df set v4 b', 'df inherit v4 a', 'df unset v6 b', 'finding',
  ];
  for (const x of need) assert.ok(seen.has(x), `never seen: ${x}`);
  assert.ok(fixed >= 3, 'fixes applied');
});

/** `hostnet check --netns` on a node as a user runs it: the rule fires on the live namespace. */
async function checkFromCli(ns: string, problems: string[]): Promise<void> {
  const r = await hostnetAsync(['check', '--netns', ns, '--format', 'json']);
  const ids = (JSON.parse(r.stdout) as { findings: { ruleId: string; interface?: string }[] }).findings.filter((f) => f.ruleId === 'mtu/tunnel-overhead').map((f) => f.interface);
  if (r.code !== 1 || !ids.includes('vx0')) problems.push(`hostnet check --netns ${ns}: exit ${r.code}, tunnel findings on ${ids.join(', ') || 'nothing'}`);
}

/** Runs a finding's `ip` fix commands in the node's namespace (comments are for the CNI, not run here). */
function runFix(node: Ns, findings: ReturnType<typeof tunnelFindings>): void {
  for (const f of findings) {
    for (const cmd of f.fixes[0]!.commands.filter((x) => !x.startsWith('#'))) {
      const argv = cmd.split(' ');
      assert.equal(argv[0], 'ip', cmd);
      node.ip(...argv.slice(1));
    }
  }
}

/**
 * Applies both nodes' fixes for real (the pods' ends follow their host ends, as the fix says), checks the
 * rule is quiet, then pings pod to pod at the new limit (answered) and one byte above (told, never lost).
 */
async function applyFixForReal(lab: Lab, c: Case, problems: string[], n: number): Promise<number> {
  for (const side of ['a', 'b'] as const) {
    const node = lab[side];
    runFix(node, tunnelFindings(await collect(node.name)));
    const hp0 = (JSON.parse(node.ip('-j', 'link', 'show', 'hp0')) as { mtu: number }[])[0]!.mtu;
    (side === 'a' ? lab.pa : lab.pb).ip('link', 'set', 'eth0', 'mtu', String(hp0));
  }
  flush(lab);
  const [ha, hb] = await Promise.all([collect(lab.a.name), collect(lab.b.name)]);
  const left = [...tunnelFindings(ha!), ...tunnelFindings(hb!)];
  if (left.length) problems.push(`case ${n}: after the fix still ${left.map((f) => f.message).join('; ')}`);
  const from = c.from === 'a' ? lab.pa : lab.pb;
  const dst = POD[other(c.from)];
  const mtuOf = (ns: Ns, dev: string): number => (JSON.parse(ns.ip('-j', 'link', 'show', dev)) as { mtu: number }[])[0]!.mtu;
  const path = Math.min(mtuOf(from, 'eth0'), mtuOf(lab[c.from], 'vx0'), mtuOf(lab[other(c.from)], 'hp0'));
  const largest = ping(from, dst, path);
  const above = ping(from, dst, path + 1);
  if (largest !== 'answered') problems.push(`case ${n}: after the fix a ${path}-byte ping is ${largest}`);
  if (above === 'lost') problems.push(`case ${n}: after the fix a ${path + 1}-byte ping is lost (a black hole left)`);
  return 1;
}

/**
 * ARP on the real kernel against src/model/arp. A "host" namespace H with veths h0, h1, h2 into one
 * bridge in a LAN namespace (one segment), two unnumbered veths u0, u1 to peer ends in a client
 * namespace C (with routes to "pod" networks through them), and a port-less bridge named kube-ipvs0
 * (down, NOARP: this kernel has no dummy module) as the IPVS stand-in. C also has c0 on the LAN bridge.
 * Generated per case: addresses (one subnet on several interfaces, different subnets, a /16 over a /24,
 * secondary addresses, kube-ipvs0 addresses of scope global or host) and the all/interface values of
 * arp_ignore {0,1,2,3,4,8}, arp_announce {0,1,2,3}, arp_filter, rp_filter, proxy_arp and forwarding.
 * C sends who-has requests (chosen target and sender, probes from 0.0.0.0 too) from c0, u0's and u1's
 * peers and records which MAC answers each; H sends datagrams from chosen sources out of chosen devices
 * and records the sender address of each ARP request the kernel sends. Everything is compared with the
 * model over H's collected snapshot; where an ARP rule fires, its fix's sysctls are applied for real and
 * the traffic is checked again. proxy_delay is set to 0 so proxy replies come at once (the kernel
 * otherwise delays a broadcast's proxy reply by up to 0.8 s; the answer is the same). Replay a run:
 *   HOSTNET_ARP_SEED=<seed> HOSTNET_ARP_CASES=<n> node scripts/test.mjs arp-matrix
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test, type TestContext } from 'node:test';
import { arpAnswer, arpSender, ifaddrs } from '../../src/model/arp/index.js';
import { buildHost, type Host } from '../../src/model/host.js';
import { maxConf } from '../../src/model/sysctl.js';
import { runChecks } from '../../src/rules/engine.js';
import { ALL_RULES } from '../../src/rules/index.js';
import type { Finding } from '../../src/rules/types.js';
import { SnapshotSchema } from '../../src/snapshot/schema.js';
import { rng, type Rng } from '../helpers/rng.js';
import { hostnetAsync, netns, requireRealSystem, sh } from '../helpers/system.js';

const CASES = Number(process.env.HOSTNET_ARP_CASES ?? 14);
const SEED = Number(process.env.HOSTNET_ARP_SEED ?? Math.floor(Math.random() * 2 ** 31));
const PROBE = fileURLToPath(new URL('../helpers/arp-probe.py', import.meta.url));
const LAN = ['h0', 'h1', 'h2'] as const;
const UNNUMBERED = ['u0', 'u1'] as const;
const IGNORE = [0, 1, 2, 3, 4, 8];
const SUBNETS = ['10.10.0.0/24', '10.20.0.0/24', '10.10.0.0/16'] as const;
const POD_NETS: Record<string, string> = { u0: '10.50.0', u1: '10.51.0' };
type Ns = ReturnType<typeof netns>;

interface Case {
  addrs: Record<string, string[]>;
  vips: { ip: string; scope: 'global' | 'host' }[];
  sysctls: Record<string, number>;
}

const conf = (dev: string, key: string): string => `net.ipv4.conf.${dev}.${key}`;

function address(r: Rng, subnet: string, used: Set<string>): string {
  const [net, len] = subnet.split('/') as [string, string];
  const o = net.split('.').map(Number);
  for (;;) {
    const third = len === '16' ? r.pick([0, 0, 5]) : o[2]!;
    const ip = `${o[0]}.${o[1]}.${third}.${2 + r.int(60)}`;
    if (!used.has(ip)) {
      used.add(ip);
      return `${ip}/${len}`;
    }
  }
}

/** Forced first (flux with and without the fix's values, a kube-ipvs0 address answered, unnumbered answered and not), then drawn. */
function generate(r: Rng, n: number): Case {
  const zero = (): Record<string, number> => Object.fromEntries([...['all', ...LAN, ...UNNUMBERED].flatMap((d) => ['arp_ignore', 'arp_announce', 'arp_filter', 'rp_filter', 'proxy_arp'].map((k) => [conf(d, k), 0])),
    ...[...LAN, ...UNNUMBERED].map((d) => [conf(d, 'forwarding'), 0])]);
  const forced: Case[] = [
    { addrs: { h0: ['10.10.0.1/24'], h1: ['10.10.0.2/24'], h2: ['10.20.0.3/24'] }, vips: [{ ip: '10.10.0.200', scope: 'global' }], sysctls: zero() },
    { addrs: { h0: ['10.10.0.1/24'], h1: ['10.10.0.2/24'], h2: [] }, vips: [], sysctls: { ...zero(), [conf('all', 'arp_ignore')]: 1, [conf('all', 'arp_announce')]: 2 } },
    { addrs: { h0: ['10.10.0.1/24', '10.10.0.9/24'], h1: ['10.20.0.2/24'], h2: [] }, vips: [{ ip: '10.20.0.201', scope: 'global' }], sysctls: { ...zero(), [conf('h0', 'arp_ignore')]: 3, [conf('h1', 'arp_announce')]: 1 } },
    { addrs: { h0: ['10.10.0.1/24'], h1: ['10.10.0.2/16'], h2: [] }, vips: [], sysctls: { ...zero(), [conf('all', 'arp_ignore')]: 2, [conf('all', 'arp_filter')]: 1, [conf('u1', 'proxy_arp')]: 1, [conf('u1', 'forwarding')]: 1, [conf('h0', 'arp_announce')]: 3, [conf('h1', 'arp_ignore')]: 4 } },
    { addrs: { h0: ['10.10.0.1/24'], h1: [], h2: [] }, vips: [], sysctls: { ...zero(), [conf('all', 'arp_ignore')]: 8, [conf('all', 'rp_filter')]: 1 } },
  ];
  if (n < forced.length) return forced[n]!;
  const used = new Set<string>();
  const addrs: Record<string, string[]> = {};
  for (const d of LAN) {
    const count = r.pick([0, 1, 1, 1, 2]);
    addrs[d] = [];
    for (let k = 0; k < count; k++) addrs[d].push(address(r, k === 1 && r.chance(0.5) ? addrs[d][0]!.replace(/\.\d+\//, '.0/') : r.pick(SUBNETS), used));
  }
  const vips = Array.from({ length: r.int(3) }, () => ({ ip: address(r, r.pick(SUBNETS), used).split('/')[0]!, scope: r.pick(['global', 'global', 'host'] as const) }));
  const sysctls: Record<string, number> = {};
  for (const d of ['all', ...LAN, ...UNNUMBERED]) {
    sysctls[conf(d, 'arp_ignore')] = r.chance(d === 'all' ? 0.5 : 0.6) ? 0 : r.pick(IGNORE);
    sysctls[conf(d, 'arp_announce')] = r.chance(0.5) ? 0 : r.int(4);
    sysctls[conf(d, 'arp_filter')] = r.chance(0.8) ? 0 : 1;
    sysctls[conf(d, 'rp_filter')] = r.chance(0.6) ? 0 : r.int(3);
    sysctls[conf(d, 'proxy_arp')] = r.chance(d === 'all' ? 0.9 : 0.6) ? 0 : 1;
    if (d !== 'all') sysctls[conf(d, 'forwarding')] = r.int(2);
  }
  return { addrs, vips, sysctls };
}

interface Lab { h: Ns; c: Ns; lan: Ns }

function setUp(t: TestContext): Lab {
  const h = netns(t, 'hn-arph');
  const lan = netns(t, 'hn-arpl');
  const c = netns(t, 'hn-arpc');
  lan.ip('link', 'add', 'br0', 'type', 'bridge');
  lan.ip('link', 'set', 'br0', 'up');
  for (const d of LAN) {
    h.ip('link', 'add', d, 'type', 'veth', 'peer', 'name', `l${d}`, 'netns', lan.name);
    lan.ip('link', 'set', `l${d}`, 'master', 'br0', 'up');
  }
  c.ip('link', 'add', 'c0', 'type', 'veth', 'peer', 'name', 'lc0', 'netns', lan.name);
  lan.ip('link', 'set', 'lc0', 'master', 'br0', 'up');
  for (const d of UNNUMBERED) h.ip('link', 'add', d, 'type', 'veth', 'peer', 'name', `p${d}`, 'netns', c.name);
  h.ip('link', 'add', 'kube-ipvs0', 'type', 'bridge');
  h.ip('link', 'set', 'kube-ipvs0', 'arp', 'off');
  for (const d of ['lo', ...LAN, ...UNNUMBERED]) h.ip('link', 'set', d, 'up');
  for (const d of ['c0', 'pu0', 'pu1']) c.ip('link', 'set', d, 'up');
  // No IPv6 chatter (DAD, router solicitations) on the wire while requests are counted.
  for (const ns of [h, c]) ns.exec('sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1');
  for (const d of [...LAN, ...UNNUMBERED]) h.exec('sysctl', '-qw', `net.ipv4.neigh.${d}.proxy_delay=0`, `net.ipv6.conf.${d}.disable_ipv6=1`);
  return { h, c, lan };
}

function apply(lab: Lab, k: Case): void {
  const { h } = lab;
  for (const d of [...LAN, 'kube-ipvs0']) h.ip('addr', 'flush', 'dev', d);
  for (const d of UNNUMBERED) spawnSync('ip', ['-n', h.name, 'route', 'flush', 'dev', d]);
  spawnSync('ip', ['-n', h.name, 'neigh', 'flush', 'all']);
  for (const d of LAN) for (const a of k.addrs[d] ?? []) h.ip('addr', 'add', a, 'dev', d);
  for (const v of k.vips) h.ip('addr', 'add', `${v.ip}/32`, 'dev', 'kube-ipvs0', 'scope', v.scope);
  for (const d of UNNUMBERED) h.ip('route', 'add', `${POD_NETS[d]}.0/24`, 'dev', d);
  // all.forwarding is written first: writing it copies the value to every interface.
  h.exec('sysctl', '-qw', `${conf('all', 'forwarding')}=0`, ...Object.entries(k.sysctls).map(([key, v]) => `${key}=${v}`));
  h.ip('route', 'flush', 'cache');
}

function probe(ns: Ns, job: object): unknown {
  return JSON.parse(sh(['ip', 'netns', 'exec', ns.name, 'python3', PROBE], JSON.stringify(job)));
}

async function collect(name: string): Promise<Host> {
  const res = await hostnetAsync(['collect', '--netns', name]);
  assert.equal(res.code, 0, res.stderr);
  return buildHost(SnapshotSchema.parse(JSON.parse(res.stdout)));
}

/** Who-has requests a LAN neighbour and the pods behind u0, u1 send: every host address, some non-local targets, various senders. */
function requests(host: Host): Record<string, [string, string][]> {
  const own = host.interfaces.flatMap((i) => ifaddrs(i).filter((a) => !a.local.startsWith('127.')).map((a) => a.local));
  const lanTargets = [...own, '10.10.0.77', '10.20.0.77', '10.10.5.77', `${POD_NETS.u0}.5`];
  const lanSenders = ['10.10.0.250', '10.20.0.250', '10.10.5.250', '192.168.77.7', '0.0.0.0', ...own.slice(0, 1)];
  const podTargets = [...own, `${POD_NETS.u1}.5`, '10.10.0.77'];
  const pairs = (targets: string[], senders: string[]): [string, string][] =>
    [...new Set(targets.flatMap((t) => senders.filter((s) => s !== t).map((s) => `${t} ${s}`)))].map((p) => p.split(' ') as [string, string]);
  return {
    c0: pairs(lanTargets, lanSenders),
    pu0: pairs(podTargets, [`${POD_NETS.u0}.5`, `${POD_NETS.u1}.6`, '10.99.0.1', '0.0.0.0']),
    pu1: pairs(podTargets, [`${POD_NETS.u1}.5`, '0.0.0.0']),
  };
}

/** The host interfaces a request sent from a client interface reaches. */
const REACHES: Record<string, readonly string[]> = { c0: LAN, pu0: ['u0'], pu1: ['u1'] };

interface Tally { problems: string[]; seen: Set<string>; requests: number; sends: number }

/** Sends every request; compares the set of answering interfaces with the model's. */
function checkAnswers(lab: Lab, host: Host, tally: Tally, label: string): Map<string, Set<string>> {
  const byMac = new Map(host.interfaces.map((i) => [i.mac, i.name]));
  const real = new Map<string, Set<string>>();
  const asks = requests(host);
  const out = probe(lab.c, { mode: 'ask', asks, wait_ms: 150 }) as { replies: [string, string, string, string][] };
  for (const [client, target, sender, mac] of out.replies) {
    const key = `${client} ${target} ${sender}`;
    real.set(key, (real.get(key) ?? new Set()).add(byMac.get(mac) ?? mac));
  }
  for (const [client, reqs] of Object.entries(asks)) {
    tally.requests += reqs.length;
    for (const [target, sender] of reqs) {
      const key = `${client} ${target} ${sender}`;
      const got = [...(real.get(key) ?? [])].sort();
      const answers = REACHES[client]!.map((iface) => arpAnswer(host, { iface, target, sender }));
      const want = answers.filter((a) => a.answers === true).map((a) => a.interface).sort();
      for (const a of answers) {
        const mode = maxConf(host, a.interface, 'arp_ignore').value;
        const answered = got.includes(a.interface);
        tally.seen.add(`arp_ignore ${mode} ${answered ? 'answered' : 'silent'}`);
        if (a.path) tally.seen.add(`${a.path} ${answered ? 'answered' : 'silent'}`);
        if (UNNUMBERED.includes(a.interface as never) && own(host, target)) tally.seen.add(`unnumbered ${answered ? 'answered' : 'silent'}`);
      }
      if (got.join() !== want.join()) {
        const why = answers.map((a) => `${a.interface}: ${a.steps.map((s) => s.what).join(' | ')}`).join(' // ');
        tally.problems.push(`seed ${SEED} ${label}: who-has ${target} tell ${sender} from ${client}: kernel ${got.join(',') || 'none'}, model ${want.join(',') || 'none'} -- ${why}`);
      }
    }
  }
  return real;
}

function own(host: Host, ip: string): boolean {
  return host.interfaces.some((i) => ifaddrs(i).some((a) => a.local === ip));
}

/** Sends from every host address out of each device with an address or a route; compares the requests' sender addresses. */
function checkSenders(lab: Lab, host: Host, tally: Tally, label: string): void {
  const sources = host.interfaces.flatMap((i) => ifaddrs(i).filter((a) => !a.local.startsWith('127.')).map((a) => a.local));
  const sends: [string, string, string][] = [];
  let n = 100;
  for (const device of [...LAN, 'u0']) {
    const target = device === 'u0' ? (): string => `${POD_NETS.u0}.${n++}` : firstSubnetTarget(host, device, () => n++);
    if (!target) continue;
    for (const src of sources) sends.push([device, src, target()]);
    // A source the host does not have (bound with IP_TRANSPARENT), in the target's subnet.
    const t = target();
    sends.push([device, t.replace(/\.\d+$/, '.199'), t]);
  }
  if (sends.length === 0) return;
  const out = probe(lab.h, { mode: 'announce', sends, wait_ms: 300 }) as { senders: [string, string, string, string | null][] };
  tally.sends += out.senders.length;
  for (const [device, src, target, sender] of out.senders) {
    const model = arpSender(host, { device, src, target });
    tally.seen.add(`arp_announce ${model.setting.value} ${sender === src ? 'source' : 'picked'}`);
    if (sender !== model.sender) tally.problems.push(`seed ${SEED} ${label}: from ${src} out ${device} to ${target}: kernel asks as ${sender ?? 'nothing'}, model ${model.sender}: ${model.steps.map((s) => s.what).join(' | ')}`);
  }
}

/** Fresh addresses in the device's first subnet (none: the device has no subnet to send into). */
function firstSubnetTarget(host: Host, device: string, next: () => number): (() => string) | null {
  const a = ifaddrs(host.interface(device))[0];
  if (!a) return null;
  const [o0, o1, o2] = a.local.split('.');
  return () => `${o0}.${o1}.${o2}.${next()}`;
}

const ARP_RULES = ['arp/flux', 'arp/ipvs-without-strict-arp', 'arp/unnumbered-unanswered'];

function arpFindings(host: Host): Finding[] {
  return runChecks(host, ALL_RULES).findings.filter((f) => ARP_RULES.includes(f.ruleId));
}

/** Runs a fix's sysctl commands in H (they name the namespace), then checks the rule is gone and the traffic passes. */
async function applyAndCheck(lab: Lab, f: Finding, tally: Tally, label: string): Promise<void> {
  for (const cmd of f.fixes[0]!.commands.filter((c) => c.startsWith('ip netns exec'))) sh(cmd.split(' '));
  lab.h.ip('route', 'flush', 'cache');
  spawnSync('ip', ['-n', lab.h.name, 'neigh', 'flush', 'all']);
  const after = await collect(lab.h.name);
  if (arpFindings(after).some((g) => g.ruleId === f.ruleId && g.interface === f.interface)) tally.problems.push(`${label}: ${f.ruleId} on ${f.interface} still reported after its fix`);
  const real = checkAnswers(lab, after, tally, `${label} after the ${f.ruleId} fix`);
  const answered = (client: string, target: string, sender: string): Set<string> => real.get(`${client} ${target} ${sender}`) ?? new Set();
  if (f.ruleId === 'arp/unnumbered-unanswered') {
    const gateway = /asking for (\S+) \(its gateway\)/.exec(f.message)![1]!;
    const client = `p${f.interface}`;
    const sender = `${POD_NETS[f.interface!]}.5`;
    if (!answered(client, gateway, sender).has(f.interface!)) tally.problems.push(`${label}: after the fix ${f.interface} still does not answer for ${gateway}`);
  } else {
    // The interfaces the fix set no longer answer for an address they do not hold (a kube-ipvs0 address included).
    const fixed = new Set(Object.keys(f.fixes[0]!.sysctls ?? {}).map((k) => k.split('.')[3]!));
    const concerned = fixed.has('all') ? new Set<string>(LAN) : fixed;
    for (const [key, ifaces] of real) {
      const [client, target] = key.split(' ') as [string, string];
      if (client !== 'c0') continue;
      const strangers = [...ifaces].filter((i) => concerned.has(i) && !ifaddrs(after.interface(i)).some((a) => a.local === target) && own(after, target));
      if (strangers.length) tally.problems.push(`${label}: after the ${f.ruleId} fix ${strangers.join(',')} still answer for ${target}`);
    }
  }
  tally.seen.add(`fixed ${f.ruleId}`);
}

test('ARP answers and request senders agree with the kernel on generated addresses and settings; each ARP rule\'s fix works for real', { timeout: 10 * 60_000 }, async (t) => {
  if (!requireRealSystem(t, { tools: ['ip', 'sysctl', 'python3'] })) return;
  t.diagnostic(`seed ${SEED}, ${CASES} cases (HOSTNET_ARP_SEED=${SEED} to replay)`);
  const gen = rng(SEED);
  const lab = setUp(t);
  const tally: Tally = { problems: [], seen: new Set(), requests: 0, sends: 0 };
  const fixesTried = new Map<string, number>();
  for (let n = 0; n < CASES; n++) {
    const k = generate(gen, n);
    const started = Date.now();
    apply(lab, k);
    const host = await collect(lab.h.name);
    const label = `case ${n} ${JSON.stringify({ addrs: k.addrs, vips: k.vips })}`;
    checkAnswers(lab, host, tally, label);
    checkSenders(lab, host, tally, label);
    const findings = arpFindings(host);
    if (n === 0) {
      // The CLI as users run it, on the live namespace: the forced first case has flux and a kube-ipvs0 address answered.
      const cli = await hostnetAsync(['check', '--netns', lab.h.name, '--format', 'json']);
      const ids = (JSON.parse(cli.stdout) as { findings: { ruleId: string }[] }).findings.map((f) => f.ruleId);
      assert.equal(cli.code, 1, cli.stderr);
      for (const id of ['arp/flux', 'arp/ipvs-without-strict-arp']) assert.ok(ids.includes(id), `hostnet check --netns: ${id} not reported (${ids.join(', ')})`);
    }
    for (const id of ARP_RULES) tally.seen.add(`${id} ${findings.some((f) => f.ruleId === id) ? 'fires' : 'quiet'}`);
    // Each rule's fix is applied for real the first two times the rule fires.
    for (const f of findings.filter((g) => (fixesTried.set(g.ruleId, (fixesTried.get(g.ruleId) ?? 0) + 1).get(g.ruleId) ?? 0) <= 2)) {
      await applyAndCheck(lab, f, tally, label);
      apply(lab, k);
    }
    t.diagnostic(`case ${n}: ${Date.now() - started} ms, ${findings.length} findings`);
    if (tally.problems.length > 20) break;
  }
  t.diagnostic(`${tally.requests} requests and ${tally.sends} request senders compared; seen: ${[...tally.seen].sort().join('; ')}`);
  assert.deepEqual(tally.problems, []);
  const need = [
    ...IGNORE.flatMap((m) => (m === 8 ? [`arp_ignore ${m} silent`] : [`arp_ignore ${m} answered`, `arp_ignore ${m} silent`])),
    ...[0, 1, 2].map((m) => `arp_announce ${m} picked`), 'arp_announce 0 source', 'arp_announce 1 source', 'arp_announce 3 source',
    'local answered', 'proxy answered', 'proxy silent', 'probe answered', 'probe silent', 'unnumbered answered', 'unnumbered silent',
    ...ARP_RULES.flatMap((id) => [`${id} fires`, `${id} quiet`, `fixed ${id}`]),
  ];
  for (const s of need) assert.ok(tally.seen.has(s), `never seen: ${s} (seed ${SEED})`);
});

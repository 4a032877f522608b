// Bridged traffic through br_netfilter on the real kernel: two namespaces on a bridge in a third, the
// bridge namespace given generated bridge-nf-call-* sysctls and generated rulesets (iptables-nft
// policies and Docker-like chains, native nft tables of the ip, ip6, inet and bridge families); real
// ARP, IPv4 and IPv6 pings, compared with the netfilter model's verdict on the ruleset as
// `nft -j list ruleset` prints it, and rules written through iptables-legacy (x_tables, which nft does
// not show) as `iptables-legacy-save` prints them. Then the fixes hostnet proposes are applied for real.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { filterBridged, parseRuleset, rulesetOf, type BridgeNf, type BridgedPacket, type Ruleset } from '../../src/model/netfilter/index.js';
import { IP6TABLES_LEGACY_ARGV, IPTABLES_LEGACY_ARGV, NFT_RULESET_ARGV } from '../../src/snapshot/commands.js';
import { rng, type Rng } from '../helpers/rng.js';
import { buildHost } from '../../src/model/host.js';
import { netfilterDropsBridged } from '../../src/rules/bridge/netfilter-drops-bridged.js';
import { SnapshotSchema, type Snapshot } from '../../src/snapshot/schema.js';
import { hostnet, netns, requireRealSystem } from '../helpers/system.js';

const IP4 = ['10.77.0.1', '10.77.0.2'] as const;
const IP6 = ['fd77::1', 'fd77::2'] as const;

interface Lab {
  br: ReturnType<typeof netns>;
  hosts: [ReturnType<typeof netns>, ReturnType<typeof netns>];
  macs: [string, string];
}

function buildLab(t: Parameters<typeof netns>[0]): Lab {
  const br = netns(t, 'hn-nfb');
  const hosts = [netns(t, 'hn-nf1'), netns(t, 'hn-nf2')] as [ReturnType<typeof netns>, ReturnType<typeof netns>];
  br.ip('link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0');
  const macs: string[] = [];
  hosts.forEach((h, i) => {
    br.ip('link', 'add', `p${i + 1}`, 'type', 'veth', 'peer', 'name', 'e0', 'netns', h.name);
    br.ip('link', 'set', `p${i + 1}`, 'master', 'br0', 'up');
    h.exec('sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0');
    h.ip('addr', 'add', `${IP4[i]}/24`, 'dev', 'e0');
    h.ip('addr', 'add', `${IP6[i]}/64`, 'dev', 'e0', 'nodad');
    h.ip('link', 'set', 'e0', 'up');
    macs.push((JSON.parse(h.ip('-j', 'link', 'show', 'e0')) as { address: string }[])[0]!.address);
  });
  br.ip('link', 'set', 'br0', 'up');
  // IPv6 neighbours are fixed so that an IPv6 ping is only the echo and its reply (no neighbour discovery).
  hosts.forEach((h, i) => h.ip('-6', 'neigh', 'replace', IP6[1 - i]!, 'lladdr', macs[1 - i]!, 'dev', 'e0', 'nud', 'permanent'));
  return { br, hosts, macs: macs as [string, string] };
}

/** One generated case: the sysctls and the ruleset, as commands and nft text. */
interface Case {
  /** The iptables rules went through iptables-legacy (x_tables), which nft does not show. */
  legacy: boolean;
  callIptables: 0 | 1;
  callIp6tables: 0 | 1;
  iptables: string[][];
  nft: string;
  label: string[];
}

/** Forced shapes, so coverage never depends on the seed: an ARP drop, the legacy backend, Docker's drop with ARP left alone. */
interface Force { arpDrop?: boolean; legacy?: boolean; forwardDrop?: boolean }

function generate(r: Rng, force: Force = {}): Case {
  const forceArpDrop = force.arpDrop === true;
  const label: string[] = [];
  const iptables: string[][] = [];
  const nft: string[] = [];
  const legacy = force.legacy === true || r.chance(0.35);
  for (const [base, fam] of [['iptables', 4], ['ip6tables', 6]] as const) {
    const tool = legacy ? `${base}-legacy` : base;
    const addrs = fam === 4 ? IP4 : IP6;
    const plen = fam === 4 ? '32' : '128';
    if (force.forwardDrop || r.chance(0.7)) { iptables.push([tool, '-P', 'FORWARD', 'DROP']); label.push(`${tool} FORWARD DROP`); }
    if (r.chance(0.6)) {
      // Docker's layout: FORWARD jumps to DOCKER-USER, then an isolation chain that returns.
      iptables.push([tool, '-N', 'DOCKER-USER'], [tool, '-N', 'DOCKER-ISOLATION-STAGE-1'], [tool, '-A', 'FORWARD', '-j', 'DOCKER-USER'],
        [tool, '-A', 'FORWARD', '-j', 'DOCKER-ISOLATION-STAGE-1'],
        [tool, '-A', 'DOCKER-ISOLATION-STAGE-1', '-i', 'docker0', '!', '-o', 'docker0', '-j', 'DROP'],
        [tool, '-A', 'DOCKER-ISOLATION-STAGE-1', '-j', 'RETURN']);
      label.push(`${tool} docker chains`);
      const user = force.forwardDrop ? r.pick(['none', 'port'] as const) : r.pick(['none', 'bridge', 'port', 'src', 'dst-return', 'drop-src'] as const);
      label.push(`DOCKER-USER ${user}`);
      if (user === 'bridge') iptables.push([tool, '-I', 'DOCKER-USER', '-i', 'br0', '-o', 'br0', '-j', 'ACCEPT']);
      // The IP hooks see the bridge as iif: a rule naming the port never matches.
      if (user === 'port') iptables.push([tool, '-I', 'DOCKER-USER', '-i', 'p1', '-j', 'ACCEPT']);
      if (user === 'src') iptables.push([tool, '-I', 'DOCKER-USER', '-s', `${r.pick(addrs)}/${plen}`, '-j', 'ACCEPT']);
      if (user === 'dst-return') iptables.push([tool, '-I', 'DOCKER-USER', '-d', `${r.pick(addrs)}/${plen}`, '-j', 'RETURN']);
      if (user === 'drop-src') iptables.push([tool, '-I', 'DOCKER-USER', '-s', `${r.pick(addrs)}/${plen}`, '-j', 'DROP']);
      iptables.push([tool, '-A', 'DOCKER-USER', '-j', 'RETURN']);
    }
    if (!force.forwardDrop && r.chance(0.3)) {
      iptables.push([tool, '-A', 'FORWARD', '-i', 'br0', '-o', 'br0', '-j', 'ACCEPT']);
      label.push(`${tool} -i br0 -o br0 ACCEPT`);
    }
  }
  if (!force.forwardDrop && r.chance(0.4)) {
    const policy = r.pick(['accept', 'drop']);
    const rules = r.pick([
      ['ct state established,related accept', 'iifname "br0" ip saddr 10.77.0.0/24 accept'],
      ['ct state established,related accept', 'ip daddr 10.77.0.2 accept', 'ip6 daddr fd77::2 accept'],
      ['meta l4proto ipv6-icmp accept'],
      ['iifname "br*" oifname "br0" accept'],
      ['ip saddr 10.77.0.1 drop'],
      [],
    ]);
    nft.push(`table inet lab {\n  chain forward {\n    type filter hook forward priority ${r.pick(['-10', '0', '10'])}; policy ${policy};\n${rules.map((x) => `    ${x}\n`).join('')}  }\n}`);
    label.push(`inet lab ${policy}${rules.length ? ` +${rules.length}` : ''}`);
  }
  if (forceArpDrop || (!force.forwardDrop && r.chance(0.35))) {
    const policy = forceArpDrop ? 'accept' : r.pick(['accept', 'drop']);
    const rules = policy === 'drop'
      ? r.pick([['ether type arp accept'], ['ether type { ip, arp } accept'], ['ether type arp accept', 'iifname "p2" accept', 'iifname "p1" ether type ip6 accept']])
      : forceArpDrop ? ['ether type arp drop'] : r.pick([['ether type arp drop'], ['iifname "p1" ether type ip6 drop'], ['iifname "p2" ether type ip drop'], ['oifname "p9" drop']]);
    nft.push(`table bridge labbr {\n  chain forward {\n    type filter hook forward priority ${r.pick(['-200', '100'])}; policy ${policy};\n${rules.map((x) => `    ${x}\n`).join('')}  }\n}`);
    label.push(`bridge ${policy} ${rules.join('; ')}`);
  }
  const c: Case = { legacy, callIptables: r.chance(0.75) ? 1 : 0, callIp6tables: r.chance(0.75) ? 1 : 0, iptables, nft: nft.join('\n'), label };
  label.unshift(`call-iptables=${c.callIptables} call-ip6tables=${c.callIp6tables}`);
  return c;
}

function apply(lab: Lab, c: Case): void {
  lab.br.exec('nft', 'flush', 'ruleset');
  for (const tool of ['iptables-legacy', 'ip6tables-legacy']) {
    lab.br.exec(tool, '-F');
    lab.br.exec(tool, '-X');
    lab.br.exec(tool, '-P', 'FORWARD', 'ACCEPT');
  }
  lab.br.exec('sysctl', '-qw', `net.bridge.bridge-nf-call-iptables=${c.callIptables}`, `net.bridge.bridge-nf-call-ip6tables=${c.callIp6tables}`);
  for (const argv of c.iptables) lab.br.exec(...argv);
  if (c.nft) spawnChecked(['ip', 'netns', 'exec', lab.br.name, 'nft', '-f', '-'], c.nft);
}

function spawnChecked(argv: string[], input: string): void {
  const r = spawnSync(argv[0]!, argv.slice(1), { input, encoding: 'utf8' });
  assert.equal(r.status, 0, `${argv.join(' ')} failed: ${r.stderr}\n${input}`);
}

interface Observed { arp: boolean; ping4: boolean; ping6: boolean }

function packet(proto: BridgedPacket['proto'], from: 0 | 1, ctState: BridgedPacket['ctState']): BridgedPacket {
  const to = (1 - from) as 0 | 1;
  const addrs = proto === 'ipv6' ? IP6 : IP4;
  return {
    proto, bridge: 'br0', inPort: `p${from + 1}`, outPort: `p${to + 1}`,
    saddr: proto === 'arp' ? null : addrs[from], daddr: proto === 'arp' ? null : addrs[to],
    l4proto: proto === 'arp' ? null : proto === 'ipv6' ? 'ipv6-icmp' : 'icmp', ctState,
  };
}

/** The snapshot with the bridge namespace's rulesets as collect records them: nft's and the legacy tables'. */
function withRulesets(base: Snapshot, lab: Lab): Snapshot {
  const commands = [NFT_RULESET_ARGV, IPTABLES_LEGACY_ARGV, IP6TABLES_LEGACY_ARGV].map((argv) => ({ argv: [...argv], exitCode: 0, stdout: lab.br.exec(...argv) }));
  return { ...base, commands };
}

const minimal = SnapshotSchema.parse(JSON.parse(readFileSync(new URL('../fixtures/snapshots/minimal.json', import.meta.url), 'utf8')));

/** What the model says of the same three observations. */
function predict(ruleset: Ruleset, nf: BridgeNf): Observed & { uncertain: string[] } {
  const uncertain: string[] = [];
  const pass = (p: BridgedPacket): boolean => {
    const out = filterBridged(ruleset, nf, p);
    uncertain.push(...out.uncertain);
    return out.verdict === 'accept';
  };
  const arp = pass(packet('arp', 0, 'new')) && pass(packet('arp', 1, 'new'));
  const ping4 = arp && pass(packet('ipv4', 0, 'new')) && pass(packet('ipv4', 1, 'established'));
  const ping6 = pass(packet('ipv6', 0, 'new')) && pass(packet('ipv6', 1, 'established'));
  return { arp, ping4, ping6, uncertain };
}

test('bridged ARP, IPv4 and IPv6 through br_netfilter and generated rulesets: the model agrees with the kernel', (t) => {
  if (!requireRealSystem(t, { tools: ['ip', 'nft', 'iptables', 'ip6tables', 'iptables-legacy', 'ip6tables-legacy', 'ping'] })) return;
  const seed = Number(process.env.HOSTNET_SEED ?? Date.now() % 1_000_000);
  const count = Number(process.env.HOSTNET_CASES ?? 30);
  t.diagnostic(`seed ${seed} (HOSTNET_SEED=${seed} replays it), ${count} cases`);
  const lab = buildLab(t);
  const r = rng(seed);
  const coverage = new Map<string, number>();
  const seen = (k: string) => coverage.set(k, (coverage.get(k) ?? 0) + 1);
  const disagreements: string[] = [];
  for (let n = 0; n < count; n++) {
    // Every tenth case drops ARP in a bridge table and every tenth writes through iptables-legacy, so both are always covered.
    const c = generate(r, { arpDrop: n % 10 === 3, legacy: n % 10 === 6 });
    apply(lab, c);
    const ruleset = rulesetOf(buildHost(withRulesets(minimal, lab))).ruleset!;
    const nf: BridgeNf = { present: true, iptables: c.callIptables === 1, ip6tables: c.callIp6tables === 1, arptables: true };
    const expected = predict(ruleset, nf);
    // Each ping is a new ICMP id, so a new conntrack entry: earlier cases leave nothing it could match.
    const got = observe(lab);
    assert.deepEqual(expected.uncertain, [], `generated rules are all ones the model decides (seed ${seed}, case ${n})`);
    for (const k of ['arp', 'ping4', 'ping6'] as const) {
      seen(`${k} ${got[k] ? 'passes' : 'blocked'}`);
      if (got[k] !== expected[k]) disagreements.push(`case ${n} [${c.label.join(' | ')}]: ${k} kernel ${got[k]} model ${expected[k]}`);
    }
    if (c.callIptables === 0 && c.label.some((l) => /^iptables(-legacy)? FORWARD DROP$/.test(l))) seen('drop policy bypassed by call-iptables=0');
    if (c.legacy && (!got.ping4 || !got.ping6)) seen('legacy iptables blocks');
    if (c.legacy && got.ping4 && c.label.includes('iptables-legacy FORWARD DROP')) seen('legacy drop policy accepted around');
    if (c.label.some((l) => l.startsWith('DOCKER-USER port'))) seen('port name in an IP hook');
  }
  t.diagnostic(`coverage: ${[...coverage].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  assert.deepEqual(disagreements, [], `seed ${seed}`);
  for (const k of ['arp passes', 'arp blocked', 'ping4 passes', 'ping4 blocked', 'ping6 passes', 'ping6 blocked', 'legacy iptables blocks']) {
    if (count >= 30) assert.ok((coverage.get(k) ?? 0) > 0, `coverage: no case where ${k} (seed ${seed})`);
  }
});

/** ARP (a resolved neighbour after the IPv4 ping), the IPv4 ping and the IPv6 ping, from the first host to the second. */
function observe(lab: Lab): Observed {
  const [h1] = lab.hosts;
  for (const h of lab.hosts) h.ip('-4', 'neigh', 'flush', 'dev', 'e0');
  const ok = (argv: string[]) => spawnSync('ip', ['netns', 'exec', h1.name, ...argv]).status === 0;
  const ping4 = ok(['ping', '-c1', '-W1', IP4[1]]);
  const neigh = JSON.parse(h1.ip('-4', '-j', 'neigh', 'show', IP4[1])) as { lladdr?: string }[];
  const arp = neigh.some((n) => n.lladdr === lab.macs[1]);
  const ping6 = ok(['ping', '-6', '-c1', '-W1', IP6[1]]);
  return { arp, ping4, ping6 };
}

/** The rule on the bridge namespace as collected, with the ruleset and sysctls of this moment. */
function findings(lab: Lab, base: Snapshot, call: { iptables: 0 | 1; ip6tables: 0 | 1 }) {
  const snapshot = { ...withRulesets(base, lab),
    sysctls: { 'net.bridge.bridge-nf-call-iptables': String(call.iptables), 'net.bridge.bridge-nf-call-ip6tables': String(call.ip6tables), 'net.bridge.bridge-nf-call-arptables': '1' } };
  return netfilterDropsBridged.check(buildHost(snapshot as Snapshot));
}

test('bridge/netfilter-drops-bridged: every fix it proposes, applied for real, lets the pings through', (t) => {
  if (!requireRealSystem(t, { tools: ['ip', 'nft', 'iptables', 'ip6tables', 'iptables-legacy', 'ip6tables-legacy', 'ping'] })) return;
  const seed = Number(process.env.HOSTNET_SEED ?? Date.now() % 1_000_000) + 1;
  const count = Number(process.env.HOSTNET_CASES ?? 30) / 2;
  t.diagnostic(`seed ${seed} (HOSTNET_SEED=${seed - 1} replays it), ${count} cases`);
  const lab = buildLab(t);
  const collected = hostnet(['collect', '--netns', lab.br.name]);
  assert.equal(collected.code, 0, collected.stderr);
  const base = SnapshotSchema.parse(JSON.parse(collected.stdout));
  // collect records the namespace's ruleset as nft prints it, and br_netfilter's sysctls.
  const recorded = base.commands.find((x) => x.argv.join(' ') === 'nft -j list ruleset');
  assert.ok(recorded, 'collect --netns recorded no nft ruleset');
  assert.deepEqual(parseRuleset(recorded.stdout), parseRuleset(lab.br.exec('nft', '-j', 'list', 'ruleset')));
  // The first test's cases wrote through iptables-legacy in their own namespace; this one has none yet.
  // Once it has legacy tables, collect records them too.
  lab.br.exec('iptables-legacy', '-P', 'FORWARD', 'DROP');
  const again = SnapshotSchema.parse(JSON.parse(hostnet(['collect', '--netns', lab.br.name]).stdout));
  assert.match(again.commands.find((x) => x.argv.join(' ') === 'iptables-legacy-save')?.stdout ?? '', /^:FORWARD DROP/m, 'collect --netns did not record the legacy tables');
  lab.br.exec('iptables-legacy', '-P', 'FORWARD', 'ACCEPT');
  assert.equal(base.sysctls?.['net.bridge.bridge-nf-call-iptables'], '1');
  const r = rng(seed);
  const tried = new Map<string, number>();
  for (let n = 0; n < count; n++) {
    // Docker's usual host: both sysctls at 1 (br_netfilter's default).
    const c = { ...generate(r, { legacy: n % 5 === 2, forwardDrop: n % 5 >= 2 }), callIptables: 1 as const, callIp6tables: 1 as const };
    apply(lab, c);
    const before = observe(lab);
    const found = findings(lab, base, { iptables: 1, ip6tables: 1 });
    // The rule does not know the VMs' addresses: it claims only the families that are dropped whatever they
    // are. Each claim must hold on the kernel, and each fix must make the claimed families pass.
    // A warning says "probably" (a rule it cannot decide may match): only errors are claims.
    const sure = found.filter((f) => f.severity === 'error');
    if (found.length > sure.length) tried.set('warning', (tried.get('warning') ?? 0) + 1);
    const claimed = (sure[0]?.evidence ?? []).flatMap((e) => (e.field === 'net.bridge.bridge-nf-call-iptables' ? ['ping4'] : e.field === 'net.bridge.bridge-nf-call-ip6tables' ? ['ping6'] : [])) as ('ping4' | 'ping6')[];
    for (const k of claimed) assert.equal(before[k], false, `case ${n} [${c.label.join(' | ')}]: the rule says ${k} is dropped, the kernel passes it`);
    if (claimed.length) tried.set('finding', (tried.get('finding') ?? 0) + 1);
    // ARP dropped in a bridge table stops IPv4 whatever FORWARD does: that is not this rule's finding.
    if (!before.arp) continue;
    for (const fix of sure[0]?.fixes ?? []) {
      apply(lab, c);
      const off = { iptables: 1 as 0 | 1, ip6tables: 1 as 0 | 1 };
      for (const cmd of fix.commands.filter((x) => !x.startsWith('#'))) {
        lab.br.exec('sh', '-c', cmd);
        if (cmd.includes('bridge-nf-call-iptables=0')) off.iptables = 0;
        if (cmd.includes('bridge-nf-call-ip6tables=0')) off.ip6tables = 0;
      }
      const after = observe(lab);
      const kind = fix.commands.some((x) => x.includes('sysctl')) ? 'sysctl' : fix.commands.some((x) => x.includes('tables-legacy ')) ? 'legacy accept rule' : 'accept rule';
      tried.set(kind, (tried.get(kind) ?? 0) + 1);
      assert.ok(claimed.every((k) => after[k]), `case ${n} [${c.label.join(' | ')}]: after "${fix.title}" (${fix.commands.join('; ')}): ${JSON.stringify(after)}`);
      assert.deepEqual(findings(lab, base, off).filter((f) => f.severity === 'error').map((f) => f.message), [], `case ${n}: the rule still reports the bridge after the fix`);
    }
  }
  t.diagnostic(`fixes applied: ${[...tried].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (count >= 15) for (const k of ['accept rule', 'legacy accept rule', 'sysctl']) assert.ok((tried.get(k) ?? 0) > 0, `coverage: no ${k} fix applied (seed ${seed})`);
});

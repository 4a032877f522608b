/**
 * Bridged traffic through netfilter. A frame a Linux bridge forwards from one port to another passes
 * the bridge family's forward hook; with br_netfilter present and `net.bridge.bridge-nf-call-iptables`
 * (`-ip6tables`, `-arptables`) at 1 in the bridge's namespace, br_netfilter also runs it through the
 * IPv4 (IPv6, ARP) FORWARD hook, at bridge priority 0 (NF_BR_PRI_BRNF), with the bridge as both input
 * and output interface. That is where Docker's `FORWARD` policy DROP stops IP between lab VMs while
 * ARP, which no iptables chain sees, still works.
 *
 * Modelled: the forward hooks only (a drop in a prerouting or postrouting chain is not seen), the
 * first packet of a flow as conntrack state `new` and its answers as `established`.
 */
import type { Host } from '../host.js';
import { IP6TABLES_LEGACY_ARGV, IPTABLES_LEGACY_ARGV, NFT_RULESET_ARGV } from '../../snapshot/commands.js';
import { IptablesSaveError, iptablesSaveBackend, parseIptablesSave } from './iptables-save.js';
import { runHook, type NfPacket } from './evaluate.js';
import { chainName, parseRuleset, type NfChain, type NfFamily, type Ruleset } from './ruleset.js';

/** br_netfilter's switches in one namespace; null where the snapshot does not say. */
export interface BridgeNf {
  /** Whether br_netfilter is there at all (its sysctls exist). */
  present: boolean | null;
  iptables: boolean | null;
  ip6tables: boolean | null;
  arptables: boolean | null;
}

export interface BridgedPacket {
  proto: 'ipv4' | 'ipv6' | 'arp';
  bridge: string;
  inPort: string;
  outPort: string;
  saddr: string | null;
  daddr: string | null;
  l4proto: string | null;
  ctState: 'new' | 'established';
}

export interface FilterStep {
  stage: string;
  result: string;
  reason: string;
}

export interface BridgedOutcome {
  verdict: 'accept' | 'drop';
  /** The chain, rule or policy that dropped it; null when accepted. */
  droppedBy: string | null;
  /** The base chain in whose traversal it was dropped; null when accepted. */
  droppedIn: NfChain | null;
  steps: FilterStep[];
  /** Rules that may match and would change the outcome, and what the model assumed. */
  uncertain: string[];
  assumptions: string[];
}

const SYSCTL = 'net.bridge.bridge-nf-call-';

/** The br_netfilter switches of the collected namespace, from the snapshot's sysctls when it has them. */
export function bridgeNfOf(host: Host): BridgeNf {
  const sysctls = host.snapshot.sysctls;
  if (!sysctls) return { present: null, iptables: null, ip6tables: null, arptables: null };
  const flag = (name: string): boolean | null => (sysctls[SYSCTL + name] === undefined ? null : sysctls[SYSCTL + name]!.trim() === '1');
  const present = sysctls[`${SYSCTL}iptables`] !== undefined;
  return { present, iptables: present ? flag('iptables') : false, ip6tables: present ? flag('ip6tables') : false, arptables: present ? flag('arptables') : false };
}

/** Input roles that hold a packet-filter ruleset. */
export const RULESET_ROLES: readonly string[] = ['nft-ruleset', 'iptables-save', 'ip6tables-save'];

/** Where a part of the ruleset comes from, and its problem when it cannot be read. */
export interface RulesetProblem {
  /** The command (`nft -j list ruleset`) or the input file. */
  source: string;
  kind: 'command' | 'file';
  line: number | null;
  message: string;
}

/**
 * The ruleset recorded in the snapshot: nftables' (iptables-nft included) and, where the namespace has
 * them, the legacy iptables tables, all on the same hooks; plus rulesets given as input files
 * (--input nft-ruleset=, iptables-save=, ip6tables-save=), which replace the recorded ones. null when nothing was recorded (nft
 * missing: the collection's gap says why) or a part cannot be read: a half-read ruleset would say
 * traffic passes that a chain it could not read drops.
 */
export function rulesetOf(host: Host): { ruleset: Ruleset | null; problem: string | null; problems: RulesetProblem[] } {
  const parts: Ruleset[] = [];
  const problems: RulesetProblem[] = [];
  const read = (source: string, kind: RulesetProblem['kind'], text: string, parse: (text: string) => Ruleset) => {
    try {
      parts.push(parse(text));
    } catch (err) {
      problems.push({ source, kind, line: err instanceof IptablesSaveError ? err.line : null, message: err instanceof IptablesSaveError ? err.reason : (err as Error).message });
    }
  };
  const commands: [readonly string[], (text: string) => Ruleset][] = [
    [NFT_RULESET_ARGV, parseRuleset],
    [IPTABLES_LEGACY_ARGV, (text) => parseIptablesSave(text, 'ip')],
    [IP6TABLES_LEGACY_ARGV, (text) => parseIptablesSave(text, 'ip6')],
  ];
  // Ruleset files given as inputs are the ruleset: they replace what the snapshot recorded, as every explicit input does.
  const given = host.snapshot.files.some((f) => f.role !== null && RULESET_ROLES.includes(f.role));
  for (const [argv, parse] of given ? [] : commands) {
    const rec = host.snapshot.commands.find((c) => c.argv.join(' ') === argv.join(' '));
    if (rec) read(argv.join(' '), 'command', rec.stdout, parse);
  }
  for (const f of host.snapshot.files) {
    if (f.role === 'nft-ruleset') read(f.path, 'file', f.content ?? '', parseRuleset);
    if (f.role === 'iptables-save' || f.role === 'ip6tables-save') {
      const family = f.role === 'iptables-save' ? 'ip' : 'ip6';
      read(f.path, 'file', f.content ?? '', (text) => parseIptablesSave(text, family, iptablesSaveBackend(text)));
    }
  }
  const problem = problems.length ? problems.map((p) => `the ${p.kind === 'file' ? 'file' : 'recorded output of'} ${p.source} cannot be read: ${p.line ? `line ${p.line}: ` : ''}${p.message}`).join('; ') : null;
  if (problem || parts.length === 0) return { ruleset: null, problem, problems };
  return { ruleset: { chains: parts.flatMap((p) => p.chains), skipped: parts.flatMap((p) => p.skipped) }, problem: null, problems };
}

const BRNF_PRIORITY = 0;

/** Which families br_netfilter hands a frame of this protocol to, and under which sysctl. */
function brnfFamilies(proto: BridgedPacket['proto']): { families: NfFamily[]; sysctl: keyof Omit<BridgeNf, 'present'> } {
  if (proto === 'ipv4') return { families: ['ip', 'inet'], sysctl: 'iptables' };
  if (proto === 'ipv6') return { families: ['ip6', 'inet'], sysctl: 'ip6tables' };
  return { families: ['arp'], sysctl: 'arptables' };
}

const byPrio = (a: NfChain, b: NfChain) => (a.prio ?? 0) - (b.prio ?? 0);

/** One bridged packet through the forward hooks, in the kernel's order. */
export function filterBridged(ruleset: Ruleset, nf: BridgeNf, pkt: BridgedPacket): BridgedOutcome {
  const steps: FilterStep[] = [];
  const uncertain: string[] = [];
  const assumptions: string[] = [];
  const forward = ruleset.chains.filter((c) => c.hook === 'forward');
  const bridgeChains = forward.filter((c) => c.family === 'bridge').sort(byPrio);
  const portView: NfPacket = { ...pkt, iifname: pkt.inPort, oifname: pkt.outPort, bridge: pkt.bridge };
  const ipView: NfPacket = { ...pkt, iifname: pkt.bridge, oifname: pkt.bridge, bridge: null };

  const { families, sysctl } = brnfFamilies(pkt.proto);
  let call = nf[sysctl];
  if (call === null) {
    call = true;
    assumptions.push(`net.bridge.bridge-nf-call-${sysctl} is not recorded: taken as 1, the default in every namespace while br_netfilter is loaded`);
  }
  const stages: { name: string; chains: NfChain[]; view: NfPacket }[] = [
    { name: 'bridge forward', chains: bridgeChains.filter((c) => (c.prio ?? 0) < BRNF_PRIORITY), view: portView },
  ];
  if (nf.present !== false && call) {
    stages.push({ name: `br_netfilter ${families.join('/')} forward`, chains: forward.filter((c) => families.includes(c.family)).sort(byPrio), view: ipView });
  } else {
    steps.push({ stage: 'br_netfilter', result: 'skipped',
      reason: nf.present === false ? 'br_netfilter is not loaded: bridged frames skip the IP hooks' : `net.bridge.bridge-nf-call-${sysctl} is 0: the ${families.join('/')} hooks do not see bridged frames` });
  }
  stages.push({ name: 'bridge forward', chains: bridgeChains.filter((c) => (c.prio ?? 0) >= BRNF_PRIORITY), view: portView });

  for (const stage of stages) {
    if (stage.chains.length === 0) continue;
    const out = runHook(ruleset, stage.chains, stage.view);
    uncertain.push(...out.uncertain);
    steps.push({ stage: stage.name, result: out.verdict === 'drop' ? 'dropped' : 'accepted',
      reason: `${out.path.join('; ')}${stage.view.iifname === pkt.bridge && stage.view.bridge === null ? ` (iif and oif are ${pkt.bridge} here)` : ''}` });
    if (out.verdict === 'drop') return { verdict: 'drop', droppedBy: out.by, droppedIn: out.droppedIn, steps, uncertain, assumptions };
  }
  if (steps.length === 0) {
    steps.push({ stage: 'netfilter', result: 'accepted', reason: `there is no forward chain of the bridge${call && nf.present !== false ? ` or ${families.join('/')}` : ''} family to see it` });
  }
  return { verdict: 'accept', droppedBy: null, droppedIn: null, steps, uncertain, assumptions };
}

/** Forward base chains that drop by policy, by family: what the rule looks for first. */
export function dropPolicies(ruleset: Ruleset): NfChain[] {
  return ruleset.chains.filter((c) => c.hook === 'forward' && c.policy === 'drop');
}

export { chainName };

/**
 * One packet through the base chains of one netfilter hook: rules in order, jump/goto/return, the
 * chain policy, the next base chain by priority after an accept. Matches the model knows (interface
 * names, addresses, protocols, conntrack state) are decided; any other expression (an iptables `xt`
 * match, a set lookup, a rate limit) is "may match": the rule is skipped and said so, never guessed.
 */
import { inPrefix } from '../../net/ip.js';
import { chainName, sameTable, type NfChain, type NfRule, type Ruleset } from './ruleset.js';

export interface NfPacket {
  proto: 'ipv4' | 'ipv6' | 'arp';
  /** Interface names as this hook sees them (the bridge for br_netfilter's IP hooks, the ports in the bridge family). */
  iifname: string;
  oifname: string;
  /** The bridge, for `meta ibrname`/`obrname` in the bridge family; null elsewhere. */
  bridge: string | null;
  /** null: not known (the rule checks a bridge without knowing its VMs' addresses). */
  saddr: string | null;
  daddr: string | null;
  /** `icmp`, `ipv6-icmp`, `tcp`, ...; null for ARP. */
  l4proto: string | null;
  ctState: 'new' | 'established';
}

export type Tri = 'yes' | 'no' | 'maybe';

export interface HookOutcome {
  verdict: 'accept' | 'drop';
  /** Which chain, rule or policy decided, in words. */
  by: string;
  /** The base chain whose traversal dropped it (its table and backend: where a fix goes); null when accepted. */
  droppedIn: NfChain | null;
  /** Each chain entered and each rule that matched, in order. */
  path: string[];
  /** Rules the model cannot decide that would have changed the outcome had they matched. */
  uncertain: string[];
}

const MAX_DEPTH = 64;

/** Runs `pkt` through base chains attached to one hook (already chosen and ordered by the caller). */
export function runHook(ruleset: Ruleset, bases: NfChain[], pkt: NfPacket): HookOutcome {
  const path: string[] = [];
  const uncertain: string[] = [];
  for (const base of bases) {
    const r = runBase(ruleset, base, pkt, path, uncertain);
    if (r.verdict === 'drop') return { verdict: 'drop', by: r.by, droppedIn: base, path, uncertain };
  }
  return { verdict: 'accept', by: bases.length ? 'every chain on the hook accepted' : 'no chain on this hook', droppedIn: null, path, uncertain };
}

type Frame = { chain: NfChain; next: number };

function runBase(ruleset: Ruleset, base: NfChain, pkt: NfPacket, path: string[], uncertain: string[]): { verdict: 'accept' | 'drop'; by: string } {
  path.push(`${chainName(base)} (hook ${base.hook}, priority ${base.prio ?? 0}, policy ${base.policy ?? 'accept'})`);
  const stack: Frame[] = [{ chain: base, next: 0 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const rule = frame.chain.rules[frame.next++];
    if (!rule) {
      stack.pop();
      continue;
    }
    const verdict = verdictOf(rule);
    const match = matchRule(rule, pkt, frame.chain.family);
    if (match === 'no' || verdict === null) continue;
    const where = `rule ${rule.handle ?? '?'} of ${chainName(frame.chain)} (${describeRule(rule)})`;
    if (match === 'maybe' || verdict === 'unknown') {
      uncertain.push(`${where} may match: the model cannot evaluate ${unknownParts(rule, pkt, frame.chain.family).join(', ')}`);
      continue;
    }
    if (verdict === 'accept' || verdict === 'drop') {
      path.push(`${where}: ${verdict}`);
      return { verdict, by: where };
    }
    if (verdict === 'return') {
      stack.pop();
      continue;
    }
    const target = ruleset.chains.find((c) => sameTable(c, frame.chain) && c.name === verdict.target);
    if (!target || stack.length >= MAX_DEPTH) {
      uncertain.push(`${where}: ${target ? 'chains nest too deep' : `chain ${verdict.target} is not in the ruleset`}`);
      continue;
    }
    path.push(`${where}: ${verdict.kind} to ${target.name}`);
    if (verdict.kind === 'goto') stack.pop();
    stack.push({ chain: target, next: 0 });
  }
  const policy = base.policy ?? 'accept';
  const by = `policy ${policy} of ${chainName(base)}`;
  path.push(`end of ${chainName(base)}: ${by}`);
  return { verdict: policy, by };
}

type Verdict = 'accept' | 'drop' | 'return' | 'unknown' | { kind: 'jump' | 'goto'; target: string } | null;

/** The rule's verdict statement; null when it has none (a counter, a log line). */
function verdictOf(rule: NfRule): Verdict {
  for (const e of rule.expr as Record<string, unknown>[]) {
    if (!e || typeof e !== 'object') continue;
    if ('accept' in e) return 'accept';
    if ('drop' in e || 'reject' in e) return 'drop';
    if ('return' in e) return 'return';
    if ('jump' in e || 'goto' in e) {
      const kind = 'jump' in e ? 'jump' : 'goto';
      const target = (e[kind] as { target?: unknown } | null)?.target;
      return typeof target === 'string' ? { kind, target } : 'unknown';
    }
    if ('continue' in e) return null;
    if ('queue' in e || 'vmap' in e || (e.xt as { type?: string } | undefined)?.type === 'target') return 'unknown';
  }
  return null;
}

/** Statements that neither match nor decide. */
const INERT = new Set(['counter', 'log', 'comment', 'mangle', 'meter', 'notrack', 'ct count']);

function matchRule(rule: NfRule, pkt: NfPacket, family: string): Tri {
  let result: Tri = 'yes';
  for (const e of rule.expr as Record<string, unknown>[]) {
    const r = matchOne(e, pkt, family);
    if (r === 'no') return 'no';
    if (r === 'maybe') result = 'maybe';
  }
  return result;
}

function matchOne(e: Record<string, unknown>, pkt: NfPacket, family: string): Tri {
  if (!e || typeof e !== 'object') return 'yes';
  const k = Object.keys(e)[0] ?? '';
  if (k === 'match') return matchExpr(e.match as MatchExpr, pkt, family);
  if (['accept', 'drop', 'reject', 'return', 'jump', 'goto', 'continue', 'queue'].includes(k) || INERT.has(k)) return 'yes';
  if (k === 'xt' && (e.xt as { type?: string }).type === 'target') return 'yes';
  return 'maybe';
}

interface MatchExpr {
  op?: string;
  left: unknown;
  right: unknown;
}

/** What the left side of a match reads from the packet; undefined when the model does not know it. */
function field(left: unknown, pkt: NfPacket, family: string): string | string[] | null | undefined {
  const l = left as Record<string, Record<string, string>>;
  if (l?.meta) {
    switch (l.meta.key) {
      case 'iifname': case 'iif': return pkt.iifname;
      case 'oifname': case 'oif': return pkt.oifname;
      case 'ibrname': case 'obrname': return family === 'bridge' ? pkt.bridge : null;
      case 'l4proto': return pkt.l4proto;
      case 'nfproto': return pkt.proto === 'arp' ? 'arp' : pkt.proto;
      case 'protocol': return etherType(pkt);
      default: return undefined;
    }
  }
  if (l?.payload) {
    const { protocol, field: f } = l.payload;
    if (protocol === 'ether' && f === 'type') return etherType(pkt);
    if (protocol === 'ip' || protocol === 'ip6') {
      // An ip match on an IPv6 packet (in inet or bridge tables) does not match.
      if ((protocol === 'ip') !== (pkt.proto === 'ipv4')) return null;
      // An address the caller does not know (a VM's) leaves the match undecided.
      if (f === 'saddr') return pkt.saddr ?? undefined;
      if (f === 'daddr') return pkt.daddr ?? undefined;
      if (f === 'protocol' || f === 'nexthdr') return pkt.l4proto;
    }
    return undefined;
  }
  if (l?.ct?.key === 'state') return pkt.ctState;
  return undefined;
}

function etherType(pkt: NfPacket): string {
  return pkt.proto === 'ipv4' ? 'ip' : pkt.proto === 'ipv6' ? 'ip6' : 'arp';
}

const L4_NUMBERS: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, 'ipv6-icmp': 58, icmpv6: 58 };
const ETHER_NUMBERS: Record<string, number> = { ip: 0x0800, arp: 0x0806, ip6: 0x86dd };

function matchExpr(m: MatchExpr, pkt: NfPacket, family: string): Tri {
  const value = field(m.left, pkt, family);
  if (value === undefined) return 'maybe';
  const op = m.op ?? '==';
  if (op !== '==' && op !== '!=' && op !== 'in') return 'maybe';
  // A packet without the field (an ip address on ARP) matches neither == nor !=, as in the kernel.
  if (value === null) return 'no';
  const hit = equalsAny(value as string, m.right);
  if (hit === 'maybe') return 'maybe';
  return (hit === 'yes') === (op !== '!=') ? 'yes' : 'no';
}

function equalsAny(value: string, right: unknown): Tri {
  if (Array.isArray(right)) return anyOf(right.map((r) => equalsOne(value, r)));
  const set = (right as { set?: unknown[] } | null)?.set;
  if (Array.isArray(set)) return anyOf(set.map((r) => equalsOne(value, r)));
  return equalsOne(value, right);
}

function anyOf(results: Tri[]): Tri {
  return results.includes('yes') ? 'yes' : results.includes('maybe') ? 'maybe' : 'no';
}

function equalsOne(value: string, right: unknown): Tri {
  if (typeof right === 'string') {
    if (right.startsWith('@')) return 'maybe';
    // nft's interface wildcard: a trailing * matches any suffix.
    if (right.endsWith('*') && !right.endsWith('\\*')) return value.startsWith(right.slice(0, -1)) ? 'yes' : 'no';
    if (value === right) return 'yes';
    if (value.includes('.') || value.includes(':')) return sameAddress(value, right);
    return 'no';
  }
  if (typeof right === 'number') {
    const n = L4_NUMBERS[value] ?? ETHER_NUMBERS[value];
    return n === right ? 'yes' : 'no';
  }
  const r = right as { prefix?: { addr: string; len: number }; range?: [unknown, unknown] } | null;
  if (r?.prefix) return inPrefix(value, `${r.prefix.addr}/${r.prefix.len}`) ? 'yes' : 'no';
  return 'maybe';
}

function sameAddress(a: string, b: string): Tri {
  if (a.includes(':') !== b.includes(':')) return 'no';
  return inPrefix(a, `${b}/${b.includes(':') ? 128 : 32}`) ? 'yes' : 'no';
}

/** The expressions of a rule the model cannot decide for this packet. */
function unknownParts(rule: NfRule, pkt: NfPacket, family: string): string[] {
  const parts = (rule.expr as Record<string, unknown>[]).filter((e) => matchOne(e, pkt, family) === 'maybe').map(describeExpr);
  const v = verdictOf(rule);
  if (v === 'unknown') parts.push(`its verdict (${describeRule(rule).split(' ').at(-1)})`);
  return parts;
}

/** A rule in something like nft's own syntax, for messages. */
export function describeRule(rule: NfRule): string {
  return (rule.expr as Record<string, unknown>[]).map(describeExpr).filter((s) => s !== '').join(' ') + (rule.comment ? ` comment "${rule.comment}"` : '');
}

function describeExpr(e: Record<string, unknown>): string {
  if (!e || typeof e !== 'object') return '';
  const k = Object.keys(e)[0] ?? '';
  const v = e[k] as Record<string, unknown> | null;
  if (k === 'match') {
    const m = v as unknown as MatchExpr;
    const op = !m.op || m.op === '==' || m.op === 'in' ? '' : `${m.op} `;
    return `${describeValue(m.left)} ${op}${describeValue(m.right)}`;
  }
  if (k === 'counter' || k === 'comment') return '';
  if (k === 'jump' || k === 'goto') return `${k} ${String((v as { target?: string })?.target)}`;
  if (k === 'xt') return `xt ${String(v?.type)} ${String(v?.name)}`;
  return k;
}

function describeValue(x: unknown): string {
  if (typeof x === 'string') return /^[\w.:/*@-]+$/.test(x) ? x : JSON.stringify(x);
  if (typeof x === 'number') return String(x);
  if (Array.isArray(x)) return x.map(describeValue).join(',');
  const o = x as Record<string, Record<string, unknown>>;
  if (o?.meta) return `meta ${String(o.meta.key)}`.replace(/^meta (iifname|oifname|l4proto|nfproto)$/, '$1');
  if (o?.payload) return `${String(o.payload.protocol)} ${String(o.payload.field)}`;
  if (o?.ct) return `ct ${String(o.ct.key)}`;
  if (o?.prefix) return `${String(o.prefix.addr)}/${String(o.prefix.len)}`;
  if (o?.set) return `{ ${(o.set as unknown as unknown[]).map(describeValue).join(', ')} }`;
  if (o?.range) return (o.range as unknown as unknown[]).map(describeValue).join('-');
  return JSON.stringify(x);
}

/**
 * Legacy iptables (x_tables) rulesets, read from `iptables-legacy-save` / `ip6tables-legacy-save`.
 * `nft list ruleset` does not show them, yet the kernel runs them on the same hooks: a Docker or a
 * kube-proxy that writes through iptables-legacy (an older image, a distribution whose `iptables`
 * points at the legacy backend) drops bridged frames that the nft ruleset alone says pass.
 *
 * Each rule becomes the expressions `nft -j` prints for the same match, so one evaluator decides both
 * backends: interfaces (with iptables' `+` wildcard), addresses and prefixes, protocols, conntrack
 * state, comments, and the verdicts ACCEPT, DROP, REJECT, RETURN, jumps and gotos. Any other match
 * (`-m physdev`, `-m set`, `-m tcp --dport`, ...) is kept as an `xt` match, which the evaluator
 * treats as "may match", never guessed; a target that does not decide (LOG, MARK, ...) is inert.
 * Built-in chains sit on their hook at their table's priority (raw -300, mangle -150, nat -100/100,
 * filter 0, security 50), as x_tables registers them.
 */
import type { NfChain, NfRule, Ruleset } from './ruleset.js';

const HOOKS: Record<string, string> = { PREROUTING: 'prerouting', INPUT: 'input', FORWARD: 'forward', OUTPUT: 'output', POSTROUTING: 'postrouting' };
const TABLE_PRIO: Record<string, number> = { raw: -300, mangle: -150, filter: 0, security: 50 };
/** Targets that let the packet go on to the next rule. */
const INERT_TARGETS: Record<string, string> = {
  LOG: 'log', NFLOG: 'log', ULOG: 'log', TRACE: 'log', AUDIT: 'log',
  MARK: 'mangle', CONNMARK: 'mangle', TCPMSS: 'mangle', CLASSIFY: 'mangle', DSCP: 'mangle', TOS: 'mangle', CT: 'notrack', NOTRACK: 'notrack', CHECKSUM: 'mangle',
};

export class IptablesSaveError extends Error {
  constructor(readonly line: number, message: string) {
    super(`line ${line}: ${message}`);
  }
}

/**
 * Parses iptables-save text of one family ('ip' for iptables, 'ip6' for ip6tables) into chains marked
 * as the legacy backend. Throws an IptablesSaveError naming the line for text that is not iptables-save.
 */
export function parseIptablesSave(text: string, family: 'ip' | 'ip6'): Ruleset {
  const ruleset: Ruleset = { chains: [], skipped: [] };
  let table: string | null = null;
  let chains = new Map<string, NfChain>();
  text.split('\n').forEach((raw, i) => {
    const n = i + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (line.startsWith('*')) {
      table = line.slice(1);
      chains = new Map();
      return;
    }
    if (line === 'COMMIT') {
      table = null;
      return;
    }
    if (table === null) throw new IptablesSaveError(n, `"${line.slice(0, 40)}" outside a table (no *filter, *nat, ... line before it)`);
    if (line.startsWith(':')) {
      const chain = declareChain(line, n, family, table);
      chains.set(chain.name, chain);
      ruleset.chains.push(chain);
      return;
    }
    if (line.startsWith('-A ')) {
      const words = splitWords(line, n);
      const chain = chains.get(words[1] ?? '');
      if (!chain) throw new IptablesSaveError(n, `rule for chain ${words[1] ?? '(none)'}, which no ":" line of table ${table} declares`);
      chain.rules.push(readRule(words.slice(2), chains, family, n));
      return;
    }
    throw new IptablesSaveError(n, `"${line.slice(0, 40)}" is not a table, chain, rule or COMMIT line of iptables-save`);
  });
  if (table !== null) throw new IptablesSaveError(text.split('\n').length, `table ${String(table)} has no COMMIT line`);
  return ruleset;
}

function declareChain(line: string, n: number, family: 'ip' | 'ip6', table: string): NfChain {
  const m = /^:(\S+)\s+(\S+)/.exec(line);
  if (!m) throw new IptablesSaveError(n, `chain line "${line}" is not ":NAME POLICY [packets:bytes]"`);
  const [, name, policy] = m as unknown as [string, string, string];
  const hook = HOOKS[name] ?? null;
  const builtin = hook !== null && policy !== '-';
  const prio = table === 'nat' ? (hook === 'prerouting' || hook === 'output' ? -100 : 100) : (TABLE_PRIO[table] ?? 0);
  return {
    family, table, name, backend: 'legacy',
    hook: builtin ? hook : null,
    type: builtin ? (table === 'nat' ? 'nat' : 'filter') : null,
    prio: builtin ? prio : null,
    policy: builtin ? (policy === 'DROP' ? 'drop' : 'accept') : null,
    rules: [],
  };
}

/** Splits a rule line as the shell would: iptables-save quotes comments with "..." and escapes inside them. */
function splitWords(line: string, n: number): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '\\' && i + 1 < line.length) cur += line[++i];
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') {
      quoted = true;
      inWord = true;
    } else if (ch === ' ' || ch === '\t') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quoted) throw new IptablesSaveError(n, 'a quote is not closed');
  if (inWord) words.push(cur);
  return words;
}

type Expr = Record<string, unknown>;

const match = (left: unknown, right: unknown, negate: boolean, op = '=='): Expr => ({ match: { op: negate ? '!=' : op, left, right } });

/** One rule's words after `-A CHAIN` as nft expressions. */
function readRule(words: string[], chains: Map<string, NfChain>, family: 'ip' | 'ip6', n: number): NfRule {
  const expr: Expr[] = [];
  let comment: string | null = null;
  let negate = false;
  let module: string | null = null;
  const value = (i: number, opt: string): string => {
    const v = words[i];
    if (v === undefined) throw new IptablesSaveError(n, `${opt} has no value`);
    return v;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '!') {
      negate = true;
      continue;
    }
    switch (w) {
      case '-i': case '-o':
        expr.push(match({ meta: { key: w === '-i' ? 'iifname' : 'oifname' } }, ifname(value(++i, w)), negate));
        break;
      case '-s': case '-d':
        expr.push(match({ payload: { protocol: family, field: w === '-s' ? 'saddr' : 'daddr' } }, address(value(++i, w)), negate));
        break;
      case '-p': {
        const p = value(++i, w).toLowerCase();
        if (p !== 'all' && p !== '0') expr.push(match({ meta: { key: 'l4proto' } }, /^\d+$/.test(p) ? Number(p) : p === 'ipv6-icmp' ? 'ipv6-icmp' : p, negate));
        break;
      }
      case '-m':
        module = value(++i, w);
        if (module !== 'comment' && module !== 'conntrack' && module !== 'state') expr.push({ xt: { type: 'match', name: module } });
        break;
      case '-j': case '-g': {
        const target = value(++i, w);
        expr.push(verdict(w, target, chains));
        module = `target ${target}`;
        break;
      }
      case '-c':
        i += 2;
        break;
      default:
        if (!w.startsWith('--')) throw new IptablesSaveError(n, `unexpected "${w}" in a rule`);
        i = moduleOption(w, words, i, module, negate, expr, (c) => (comment = c), n);
    }
    negate = false;
  }
  return { handle: null, expr, comment };
}

/** An option of the current `-m` module or target; returns the index of its last word. */
function moduleOption(opt: string, words: string[], i: number, module: string | null, negate: boolean, expr: Expr[], setComment: (c: string) => void, n: number): number {
  const arg = words[i + 1];
  const hasArg = arg !== undefined && !arg.startsWith('-') && arg !== '!';
  if ((module === 'conntrack' && opt === '--ctstate') || (module === 'state' && opt === '--state')) {
    if (!hasArg) throw new IptablesSaveError(n, `${opt} has no value`);
    expr.push(match({ ct: { key: 'state' } }, arg.toLowerCase().split(','), negate, 'in'));
    return i + 1;
  }
  if (module === 'comment' && opt === '--comment') {
    setComment(arg ?? '');
    return i + 1;
  }
  if (module === 'conntrack' || module === 'state') {
    // Another conntrack selector (--ctstatus, --ctorigsrc, ...): not decided.
    expr.push({ xt: { type: 'match', name: `${module} ${opt}` } });
  }
  // Options of other modules and targets: their values run to the next option.
  let j = i;
  while (words[j + 1] !== undefined && !words[j + 1]!.startsWith('-') && words[j + 1] !== '!') j++;
  return j;
}

function verdict(flag: string, target: string, chains: Map<string, NfChain>): Expr {
  if (flag === '-g') return { goto: { target } };
  switch (target) {
    case 'ACCEPT': return { accept: null };
    case 'DROP': return { drop: null };
    case 'REJECT': return { reject: null };
    case 'RETURN': return { return: null };
  }
  if (chains.has(target)) return { jump: { target } };
  const inert = INERT_TARGETS[target];
  return inert ? { [inert]: { target } } : { xt: { type: 'target', name: target } };
}

/** iptables' interface wildcard is a trailing `+`; nft's is `*`. */
function ifname(v: string): string {
  return v.endsWith('+') ? `${v.slice(0, -1)}*` : v;
}

/** `10.0.0.0/24` as a prefix, a host (/32, /128) as a plain address, as nft -j prints them. */
function address(v: string): unknown {
  const [addr, len] = v.split('/') as [string, string | undefined];
  if (len === undefined) return addr;
  const host = addr.includes(':') ? '128' : '32';
  if (len === host) return addr;
  if (/^\d+$/.test(len)) return { prefix: { addr, len: Number(len) } };
  // A dotted netmask that is not a prefix length: an object the evaluator leaves undecided.
  return { netmask: { addr, mask: len } };
}

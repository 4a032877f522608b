/**
 * The nftables ruleset as the filter model needs it, read from `nft -j list ruleset` (libnftables'
 * JSON, which also shows the rules iptables-nft writes). Only tables, chains and rules are kept; sets
 * and maps are left out, so a rule that looks one up is a "may match" for the evaluator.
 */

export type NfFamily = 'ip' | 'ip6' | 'inet' | 'bridge' | 'arp' | 'netdev';

export interface NfRule {
  handle: number | null;
  /** The rule's expressions as libnftables prints them: matches, statements and at most one verdict. */
  expr: unknown[];
  comment: string | null;
}

export interface NfChain {
  family: NfFamily;
  table: string;
  name: string;
  /** Set on base chains only: the hook they are attached to, their type, priority and policy. */
  hook: string | null;
  type: string | null;
  prio: number | null;
  policy: 'accept' | 'drop' | null;
  rules: NfRule[];
  /** Set for chains of legacy iptables (x_tables), which nft does not show; unset for nftables'. */
  backend?: 'legacy';
}

export interface Ruleset {
  chains: NfChain[];
  /** What nft printed that the model does not read (an unknown family, a priority name it does not know). */
  skipped: string[];
}

const FAMILIES: readonly NfFamily[] = ['ip', 'ip6', 'inet', 'bridge', 'arp', 'netdev'];

/** Named priorities of `nft`, per family (bridge has its own scale). */
const NAMED_PRIO: Record<string, number> = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100 };
const BRIDGE_PRIO: Record<string, number> = { dstnat: -300, filter: -200, out: 100, srcnat: 300 };

type Json = Record<string, unknown>;

/** Parses the JSON text; throws an Error saying what is wrong when it is not nft's JSON. */
export function parseRuleset(text: string): Ruleset {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`not JSON: ${(err as Error).message}`);
  }
  const items = (doc as Json | null)?.nftables;
  if (!Array.isArray(items)) throw new Error('no "nftables" array: not the output of nft -j list ruleset');
  const ruleset: Ruleset = { chains: [], skipped: [] };
  const byKey = new Map<string, NfChain>();
  for (const item of items as Json[]) {
    if (item?.chain) addChain(ruleset, byKey, item.chain as Json);
    else if (item?.rule) addRule(ruleset, byKey, item.rule as Json);
  }
  return ruleset;
}

const key = (family: string, table: string, chain: string) => `${family}\0${table}\0${chain}`;

function addChain(ruleset: Ruleset, byKey: Map<string, NfChain>, c: Json): void {
  const family = String(c.family) as NfFamily;
  if (!FAMILIES.includes(family)) {
    ruleset.skipped.push(`chain ${String(c.name)} of unknown family ${String(c.family)}`);
    return;
  }
  const chain: NfChain = {
    family,
    table: String(c.table),
    name: String(c.name),
    hook: typeof c.hook === 'string' ? c.hook : null,
    type: typeof c.type === 'string' ? c.type : null,
    prio: priority(family, c.prio),
    policy: c.policy === 'drop' ? 'drop' : c.hook ? 'accept' : null,
    rules: [],
  };
  if (chain.hook && chain.prio === null) ruleset.skipped.push(`priority ${JSON.stringify(c.prio)} of chain ${chain.name}: taken as 0`);
  byKey.set(key(family, chain.table, chain.name), chain);
  ruleset.chains.push(chain);
}

function addRule(ruleset: Ruleset, byKey: Map<string, NfChain>, r: Json): void {
  const chain = byKey.get(key(String(r.family), String(r.table), String(r.chain)));
  if (!chain) {
    ruleset.skipped.push(`rule ${String(r.handle)} of unknown chain ${String(r.family)} ${String(r.table)} ${String(r.chain)}`);
    return;
  }
  chain.rules.push({
    handle: typeof r.handle === 'number' ? r.handle : null,
    expr: Array.isArray(r.expr) ? r.expr : [],
    comment: typeof r.comment === 'string' ? r.comment : null,
  });
}

/** nft prints a number; a name ("filter", "filter + 10") is read too. */
function priority(family: NfFamily, prio: unknown): number | null {
  if (typeof prio === 'number') return prio;
  if (typeof prio !== 'string') return null;
  const m = /^(\w+)\s*(?:([+-])\s*(\d+))?$/.exec(prio.trim());
  const base = m ? (family === 'bridge' ? BRIDGE_PRIO : NAMED_PRIO)[m[1]!] : undefined;
  if (base === undefined) return null;
  return base + (m![2] === '-' ? -1 : 1) * Number(m![3] ?? 0);
}

/** A chain's name as nft and iptables users read it: `ip filter FORWARD`, `iptables-legacy filter FORWARD`. */
export function chainName(c: Pick<NfChain, 'family' | 'table' | 'name' | 'backend'>): string {
  if (c.backend === 'legacy') return `${c.family === 'ip6' ? 'ip6tables' : 'iptables'}-legacy ${c.table} ${c.name}`;
  return `${c.family} ${c.table} ${c.name}`;
}

/** Whether two chains are in the same table of the same backend: where a jump can go. */
export function sameTable(a: NfChain, b: NfChain): boolean {
  return a.family === b.family && a.table === b.table && a.backend === b.backend;
}

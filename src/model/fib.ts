/**
 * Linux's IPv4 route lookup over the snapshot's routes: longest prefix, then lowest metric, within a
 * table. `fibLookup` walks the default rules (local, main, default); `policyLookup` walks the
 * snapshot's policy rules (`ip rule`) as fib_rules_lookup() does (net/core/fib_rules.c,
 * net/ipv4/fib_rules.c): in priority order, a rule whose selectors match the flow acts: it looks up its
 * table (no route there, or a `throw` route: on to the next rule; a blackhole, unreachable or prohibit
 * route: the lookup fails), jumps (goto), does nothing (nop) or fails the lookup itself (blackhole,
 * unreachable, prohibit); suppress_prefixlength discards a result whose prefix is no longer than it.
 * Pure.
 */
import type { Route, RoutingRule } from '../snapshot/schema.js';
import { familyOf, inPrefix } from '../net/ip.js';

const TABLES = [['local', '255'], ['main', '254'], ['default', '253']] as const;
const ROUTABLE = new Set(['unicast', 'local', 'broadcast', 'blackhole', 'unreachable', 'prohibit']);

function prefixOf(r: Route): { cidr: string; len: number } {
  const fam = r.family;
  if (r.dst === 'default') return { cidr: fam === 'inet' ? '0.0.0.0/0' : '::/0', len: 0 };
  const max = fam === 'inet' ? 32 : 128;
  return r.dst.includes('/') ? { cidr: r.dst, len: Number(r.dst.split('/')[1]) } : { cidr: `${r.dst}/${max}`, len: max };
}

/** The route the kernel picks for `dst`, or null when none matches (the lookup fails: ENETUNREACH). */
export function fibLookup(routes: readonly Route[], dst: string): Route | null {
  const fam = familyOf(dst);
  for (const names of TABLES) {
    let best: Route | null = null;
    let bestLen = -1;
    for (const r of routes) {
      if (r.family !== fam || !(names as readonly string[]).includes(r.table) || !ROUTABLE.has(r.type)) continue;
      const p = prefixOf(r);
      if (!inPrefix(dst, p.cidr)) continue;
      if (p.len > bestLen || (p.len === bestLen && (r.metric ?? 0) < (best?.metric ?? 0))) {
        best = r;
        bestLen = p.len;
      }
    }
    if (best) return best;
  }
  return null;
}

/** Tables by the names ip prints and their numbers. */
const TABLE_NUMBER: Record<string, string> = { local: '255', main: '254', default: '253' };
const sameTable = (a: string, b: string): boolean => a === b || TABLE_NUMBER[a] === b || TABLE_NUMBER[b] === a;

/** Route types a lookup ends on, and those that fail it (fib_props: their error). */
const FAILING = new Set(['blackhole', 'unreachable', 'prohibit']);

/** The best route for `dst` in one table, of any type; null when the table has none. */
export function tableLookup(routes: readonly Route[], table: string, dst: string): Route | null {
  const fam = familyOf(dst);
  let best: Route | null = null;
  let bestLen = -1;
  for (const r of routes) {
    if (r.family !== fam || !sameTable(r.table, table)) continue;
    const p = prefixOf(r);
    if (!inPrefix(dst, p.cidr)) continue;
    if (p.len > bestLen || (p.len === bestLen && (r.metric ?? 0) < (best?.metric ?? 0))) {
      best = r;
      bestLen = p.len;
    }
  }
  return best;
}

/** What a policy lookup is asked: the flow's addresses, incoming and outgoing interface, and mark. */
export interface Flow {
  /** The address looked up (flowi4_daddr). */
  dst: string;
  /** The flow's source (flowi4_saddr), matched by `from`; null when none. */
  src: string | null;
  /** The incoming interface rules' `iif` is matched against (loopback for the host's own lookups). */
  iif: string;
  oif: string | null;
  mark: number;
}

export interface PolicyLookup {
  /** The route found; null when the lookup failed. */
  route: Route | null;
  /** The rule that decided (its table gave the route, or its action failed the lookup); null without rules. */
  rule: RoutingRule | null;
  /** Why the lookup failed: a rule's or a route's action, or no route at all. */
  failure: string | null;
  /** Rules on the way with selectors the model does not evaluate (tos, ipproto, ports, uidrange, l3mdev): the answer is uncertain. */
  unmodelled: RoutingRule[];
}

/** The kernel's three rules, for snapshots that recorded none. */
export const DEFAULT_RULES: readonly RoutingRule[] = (['local', 'main', 'default'] as const).map((table, n) => ({
  family: 'inet', priority: [0, 32766, 32767][n]!, table, action: null, protocol: 'kernel', src: null, dst: null, iif: null, oif: null, fwmark: null, not: false,
}));

/** fwmark VALUE[/MASK] as ip prints it; the mask defaults to all ones. */
function markMatches(fwmark: string, mark: number): boolean {
  const [v, m] = fwmark.split('/');
  const value = Number(v);
  const mask = m === undefined ? 0xffffffff : Number(m);
  return ((value ^ mark) & mask) >>> 0 === 0;
}

/** fib_rule_match() and fib4_rule_match() for the selectors the snapshot records, before `not`. */
function selectorsMatch(rule: RoutingRule, flow: Flow): boolean {
  if (rule.iif && rule.iif !== flow.iif) return false;
  if (rule.oif && rule.oif !== flow.oif) return false;
  if (rule.fwmark && !markMatches(rule.fwmark, flow.mark)) return false;
  if (rule.src && (flow.src === null || !inPrefix(flow.src, rule.src.includes('/') ? rule.src : `${rule.src}/32`))) return false;
  if (rule.dst && !inPrefix(flow.dst, rule.dst.includes('/') ? rule.dst : `${rule.dst}/32`)) return false;
  return true;
}

export function ruleMatches(rule: RoutingRule, flow: Flow): boolean {
  return selectorsMatch(rule, flow) !== rule.not;
}

const prefixLength = (r: Route): number => prefixOf(r).len;

/** The IPv4 lookup through the policy rules, as fib_lookup() does it for `flow`. */
export function policyLookup(routes: readonly Route[], rules: readonly RoutingRule[] | undefined, flow: Flow): PolicyLookup {
  const ordered = [...(rules?.some((r) => r.family === 'inet') ? rules.filter((r) => r.family === 'inet') : DEFAULT_RULES)]
    .sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0));
  const unmodelled: RoutingRule[] = [];
  for (let i = 0; i < ordered.length; i++) {
    const rule = ordered[i]!;
    if (rule.unmodelled?.length) unmodelled.push(rule);
    if (!ruleMatches(rule, flow)) continue;
    const action = rule.action ?? 'lookup';
    const goto = /^goto (\d+)$/.exec(action);
    if (goto) {
      // The target is the first rule of exactly that priority; without one the goto is skipped.
      const target = ordered.findIndex((r) => r.priority === Number(goto[1]));
      if (target > i) i = target - 1;
      continue;
    }
    if (action === 'nop') continue;
    if (FAILING.has(action)) return { route: null, rule, failure: `rule ${rule.priority ?? '?'} is ${action}`, unmodelled };
    if (rule.table === null) continue;
    const route = tableLookup(routes, rule.table, flow.dst);
    if (!route || route.type === 'throw') continue;
    if (FAILING.has(route.type)) return { route: null, rule, failure: `the route in table ${rule.table} is ${route.type}: ${describeRoute(route)}`, unmodelled };
    if (rule.suppressPrefixlength != null && prefixLength(route) <= rule.suppressPrefixlength) continue;
    return { route, rule, failure: null, unmodelled };
  }
  return { route: null, rule: null, failure: `no rule's table has a route to ${flow.dst}`, unmodelled };
}

/** What to add to the `ip` words: `proto X` where who installed it matters (networkd removes others'). */
export interface DescribeOptions {
  protocol?: boolean;
}

/** `ip rule` words for a rule, as `ip rule` prints it. */
export function describeRule(r: RoutingRule, opts: DescribeOptions = {}): string {
  const parts: string[] = r.priority === null ? [] : [`${r.priority}:`];
  if (r.not) parts.push('not');
  parts.push(`from ${r.src ?? 'all'}`);
  if (r.dst) parts.push(`to ${r.dst}`);
  if (r.fwmark) parts.push(`fwmark ${r.fwmark}`);
  if (r.iif) parts.push(`iif ${r.iif}`);
  if (r.oif) parts.push(`oif ${r.oif}`);
  parts.push(r.action && r.action !== 'lookup' ? r.action : `lookup ${r.table ?? '?'}`);
  if (r.suppressPrefixlength != null) parts.push(`suppress_prefixlength ${r.suppressPrefixlength}`);
  if (opts.protocol && r.protocol) parts.push(`proto ${r.protocol}`);
  return parts.join(' ');
}

export function describeRoute(r: Route, opts: DescribeOptions = {}): string {
  return [r.type !== 'unicast' ? r.type : null, r.dst, r.gateway ? `via ${r.gateway}` : null, r.dev ? `dev ${r.dev}` : null,
    r.table !== 'main' ? `table ${r.table}` : null, r.mtu ? `mtu ${r.mtu}` : null, opts.protocol && r.protocol ? `proto ${r.protocol}` : null].filter(Boolean).join(' ');
}

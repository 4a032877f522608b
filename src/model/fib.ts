/**
 * Linux's IPv4 route lookup over the snapshot's routes, as far as the snapshot shows them: the local
 * table first (the host's own and broadcast addresses), then main; longest prefix, then lowest metric.
 * Policy routing rules are not in the snapshot, so the default rules (local, main, default) are assumed.
 * Pure.
 */
import type { Route } from '../snapshot/schema.js';
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

export function describeRoute(r: Route): string {
  return [r.type !== 'unicast' ? r.type : null, r.dst, r.gateway ? `via ${r.gateway}` : null, r.dev ? `dev ${r.dev}` : null,
    r.table !== 'main' ? `table ${r.table}` : null, r.mtu ? `mtu ${r.mtu}` : null].filter(Boolean).join(' ');
}

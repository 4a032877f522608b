/**
 * What on a host hostnet's rules look at: data-plane-owned interfaces, bridges, taps, macvlan
 * devices, bonds, .link files and the inputs given. `check` prints it so that "no findings" is never
 * mistaken for "nothing was looked at", and points at the examples when there is nothing to look at.
 */
import type { Host } from './host.js';
import { macOwned } from './mac-owners.js';

export interface ScopeItem {
  what: string;
  count: number;
}

export function checkScope(host: Host): ScopeItem[] {
  const count = (pred: (i: Host['interfaces'][number]) => boolean) => host.interfaces.filter(pred).length;
  const files = host.snapshot.files;
  const items: ScopeItem[] = [
    { what: 'data-plane-owned interface', count: macOwned(host).length },
    { what: 'bridge', count: count((i) => i.kind === 'bridge') },
    { what: 'tap', count: count((i) => i.kind === 'tun' && i.kindData.type === 'tap') },
    { what: 'macvlan device', count: count((i) => i.kind === 'macvlan') },
    { what: 'bond', count: files.filter((f) => f.path.startsWith('/proc/net/bonding/')).length },
    { what: '.link file', count: files.filter((f) => f.path.endsWith('.link')).length },
    { what: '.network file', count: files.filter((f) => f.path.endsWith('.network')).length },
    { what: 'input file', count: files.filter((f) => f.role !== null).length },
  ];
  return items.filter((i) => i.count > 0);
}

/** True when none of the things the rules are about is on the host (only .network files do not count). */
export function nothingToCheck(scope: ScopeItem[]): boolean {
  return scope.every((i) => i.what === '.network file' || i.what === '.link file');
}

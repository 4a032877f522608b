/**
 * Reverse-path filtering of IPv4 packets, as fib_validate_source (net/ipv4/fib_frontend.c) decides it,
 * written from its behaviour: with rp_filter on (the larger of `all` and the receiving interface's
 * value), the kernel looks up the route back to the packet's source;
 * - no route back, or one that is not unicast (blackhole, unreachable, prohibit; a local address unless
 *   accept_local is set): dropped, in loose and strict mode alike;
 * - the route back leaves by the receiving interface: accepted;
 * - it leaves by another: strict mode (1) drops the packet, loose mode (2) accepts it.
 * A drop is silent (counted in IPReversePathFilter of /proc/net/netstat). Pure; checked against the
 * kernel in test/system/rpfilter-matrix.test.ts.
 */
import { describeRoute, fibLookup } from '../fib.js';
import type { Host } from '../host.js';
import { maxConf, orConf, type CombinedSetting } from '../sysctl.js';
import type { Route } from '../../snapshot/schema.js';

export interface RpFilterDecision {
  /** null when the snapshot has no sysctls to tell. */
  passes: boolean | null;
  setting: CombinedSetting;
  /** The route back to the source, when looked up. */
  reverse: Route | null;
  reason: string;
}

const MODE: Record<number, string> = { 0: 'off', 1: 'strict', 2: 'loose' };

export function rpFilterMode(value: number): string {
  return MODE[value] ?? `${value} (taken as loose)`;
}

/** Does reverse-path filtering on `iif` let a packet from `src` in? */
export function checkReversePath(host: Host, iif: string, src: string): RpFilterDecision {
  const setting = maxConf(host, iif, 'rp_filter');
  const value = setting.value;
  const shown = `rp_filter ${value ?? '?'} = max(all ${setting.all ?? '?'}, ${iif} ${setting.own ?? '?'})`;
  if (value === null) return { passes: null, setting, reverse: null, reason: `${shown}: unknown (the snapshot has no sysctls); not checked` };
  if (value === 0) return { passes: true, setting, reverse: null, reason: `${shown}: off, the source is not checked` };
  const reverse = fibLookup(host.routes, src);
  const mode = rpFilterMode(value);
  if (!reverse) return { passes: false, setting, reverse, reason: `${shown} (${mode}): no route back to ${src}, so the packet is dropped` };
  const back = describeRoute(reverse);
  if (reverse.type === 'local' && orConf(host, iif, 'accept_local') !== true) {
    return { passes: false, setting, reverse, reason: `${shown} (${mode}): ${src} is one of this host's own addresses (${back}) and accept_local is off: dropped as a martian source` };
  }
  if (reverse.type !== 'unicast' && reverse.type !== 'local') return { passes: false, setting, reverse, reason: `${shown} (${mode}): the route back to ${src} is ${back}, not unicast: dropped` };
  if (reverse.dev === iif) return { passes: true, setting, reverse, reason: `${shown} (${mode}): the route back to ${src} (${back}) leaves by ${iif}: accepted` };
  return value === 1
    ? { passes: false, setting, reverse, reason: `${shown} (strict): the best route back to ${src} (${back}) leaves by ${reverse.dev ?? '?'}, not ${iif}: dropped, silently (IPReversePathFilter)` }
    : { passes: true, setting, reverse, reason: `${shown} (loose): there is a route back to ${src} (${back}): accepted` };
}

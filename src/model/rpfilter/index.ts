/**
 * Reverse-path filtering of IPv4 packets, as fib_validate_source (net/ipv4/fib_frontend.c) decides it,
 * written from its behaviour: with rp_filter on (the larger of `all` and the receiving interface's
 * value), the kernel looks up the route back to the packet's source through the policy rules, with
 * the flow turned around: the packet's source is looked up, its destination is the flow's source
 * (`from` of a rule), the incoming interface is loopback (not the receiving interface: an `iif eth1`
 * rule never matches), no outgoing interface, and the packet's mark only where src_valid_mark is set;
 * - with rp_filter off, only one thing is checked: a source that is one of the host's own configured
 *   addresses is a martian unless accept_local is set;
 * - no route back, or a lookup that fails (a blackhole, unreachable or prohibit route or rule): dropped,
 *   in loose and strict mode alike; a route back that is not unicast (a local address unless
 *   accept_local is set): dropped;
 * - the route back leaves by the receiving interface: accepted;
 * - it leaves by another: strict mode (1) drops the packet; loose mode (2) accepts it, unless the
 *   receiving interface has no IPv4 address.
 * A drop is silent (counted in IPReversePathFilter of /proc/net/netstat). Pure; checked against the
 * kernel in test/system/rpfilter-matrix.test.ts.
 */
import { describeRoute, describeRule, policyLookup } from '../fib.js';
import type { Host } from '../host.js';
import { maxConf, orConf, type CombinedSetting } from '../sysctl.js';
import type { Route, RoutingRule } from '../../snapshot/schema.js';

export interface RpFilterDecision {
  /** null when the snapshot has no sysctls to tell. */
  passes: boolean | null;
  setting: CombinedSetting;
  /** The route back to the source, when looked up. */
  reverse: Route | null;
  /** The policy rule whose table gave the route back (or whose action failed the lookup). */
  rule: RoutingRule | null;
  reason: string;
}

/** What the packet carries besides its source: its destination (a rule's `from`) and its mark. */
export interface ReversePathPacket {
  dst?: string;
  mark?: number;
}

const MODE: Record<number, string> = { 0: 'off', 1: 'strict', 2: 'loose' };

export function rpFilterMode(value: number): string {
  return MODE[value] ?? `${value} (taken as loose)`;
}

/** Does reverse-path filtering on `iif` let a packet from `src` in? */
export function checkReversePath(host: Host, iif: string, src: string, packet: ReversePathPacket = {}): RpFilterDecision {
  const setting = maxConf(host, iif, 'rp_filter');
  const value = setting.value;
  const shown = `rp_filter ${value ?? '?'} = max(all ${setting.all ?? '?'}, ${iif} ${setting.own ?? '?'})`;
  const none = { setting, reverse: null, rule: null };
  if (value === null) return { passes: null, ...none, reason: `${shown}: unknown (the snapshot has no sysctls); not checked` };
  if (value === 0) {
    // Even with the check off, a source that is one of this namespace's own addresses is a martian
    // (fib_validate_source's shortcut, inet_lookup_ifaddr_rcu), unless accept_local is set.
    if (orConf(host, iif, 'accept_local') !== true && isConfiguredAddress(host, src)) {
      return { passes: false, ...none, reason: `${shown}: off, but ${src} is one of this host's own addresses and accept_local is off: dropped as a martian source` };
    }
    return { passes: true, ...none, reason: `${shown}: off, the source is not checked` };
  }
  const mark = orConf(host, iif, 'src_valid_mark') === true ? packet.mark ?? 0 : 0;
  const lookup = policyLookup(host.routes, host.snapshot.rules, { dst: src, src: packet.dst ?? null, iif: 'lo', oif: null, mark });
  const mode = rpFilterMode(value);
  const byRule = lookup.rule && !isDefaultMain(lookup.rule) ? `, by rule ${describeRule(lookup.rule)}` : '';
  const found = { setting, reverse: lookup.route, rule: lookup.rule };
  if (lookup.unmodelled.length) {
    return { passes: null, ...found, reason: `${shown} (${mode}): the lookup back to ${src} passes rule ${describeRule(lookup.unmodelled[0]!)}, whose ${lookup.unmodelled[0]!.unmodelled!.join(', ')} selector the model does not evaluate: not decided` };
  }
  const reverse = lookup.route;
  if (!reverse) return { passes: false, ...found, reason: `${shown} (${mode}): no route back to ${src} (${lookup.failure}${byRule}), so the packet is dropped` };
  const back = `${describeRoute(reverse)}${byRule}`;
  if (reverse.type === 'local' && orConf(host, iif, 'accept_local') !== true) {
    return { passes: false, ...found, reason: `${shown} (${mode}): ${src} is one of this host's own addresses (${back}) and accept_local is off: dropped as a martian source` };
  }
  if (reverse.type !== 'unicast' && reverse.type !== 'local') return { passes: false, ...found, reason: `${shown} (${mode}): the route back to ${src} is ${back}, not unicast: dropped` };
  if (reverse.dev === iif) return { passes: true, ...found, reason: `${shown} (${mode}): the route back to ${src} (${back}) leaves by ${iif}: accepted` };
  if (!host.interface(iif)?.addresses.some((a) => a.family === 'inet')) {
    return { passes: false, ...found, reason: `${shown} (${mode}): the route back to ${src} (${back}) leaves by ${reverse.dev ?? '?'}, and ${iif} has no IPv4 address: dropped` };
  }
  return value === 1
    ? { passes: false, ...found, reason: `${shown} (strict): the best route back to ${src} (${back}) leaves by ${reverse.dev ?? '?'}, not ${iif}: dropped, silently (IPReversePathFilter)` }
    : { passes: true, ...found, reason: `${shown} (loose): there is a route back to ${src} (${back}): accepted` };
}

function isConfiguredAddress(host: Host, ip: string): boolean {
  return host.interfaces.some((i) => i.addresses.some((a) => a.family === 'inet' && a.local === ip));
}

/** The kernel's own main-table rule: not worth naming in a reason. */
function isDefaultMain(rule: RoutingRule): boolean {
  return rule.priority === 32766 && (rule.table === 'main' || rule.table === '254') && !rule.src && !rule.dst && !rule.iif && !rule.oif && !rule.fwmark && !rule.not;
}

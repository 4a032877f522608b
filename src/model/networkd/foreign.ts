/**
 * What a restart or reconfigure of systemd-networkd (`netplan apply`, an upgrade, `networkctl
 * reconfigure`) removes that it did not configure. For each link it configures (a `.network` takes
 * it, not Unmanaged=yes, not loopback, not KeepConfiguration=yes) networkd drops, in
 * link_drop_foreign_config():
 * - the link's foreign addresses (not IPv6 link-local while link-local addressing is on, not those
 *   the file lists; KeepConfiguration=static keeps permanent ones);
 * - foreign routes through the link and those through no link (blackhole, unreachable), except the
 *   kernel's; KeepConfiguration=static keeps protocol static, =dhcp protocol dhcp (ManageForeignRoutes=);
 * - foreign nexthops on the link (ManageForeignNextHops=);
 * - every foreign policy rule of the host, except the kernel's (ManageForeignRoutingPolicyRules=).
 * A ManageForeign*=no makes networkd ignore foreign objects of that kind altogether.
 */
import type { Host } from '../host.js';
import type { Address, NextHop, Route, RoutingRule } from '../../snapshot/schema.js';
import { networkForLink, type LinkNetwork } from './links.js';
import type { NetworkdConfig } from './load.js';
import type { ConfiguredRule, NetworkSettings } from './network.js';

export interface RestartEffect {
  /** Links networkd configures on a restart and drops foreign configuration from. */
  dropping: LinkNetwork[];
  routes: { route: Route; by: LinkNetwork }[];
  rules: RoutingRule[];
  nexthops: { nexthop: NextHop; by: LinkNetwork }[];
  addresses: { address: Address; by: LinkNetwork }[];
}

/** The link whose configuration drops foreign objects; null when networkd leaves it alone. */
function drops(ln: LinkNetwork): boolean {
  if (!ln.managed || !ln.network) return false;
  if (ln.iface.flags.includes('LOOPBACK') || ln.iface.arphrdType === 772) return false;
  return ln.network.settings.keepConfiguration?.value !== 'yes';
}

/** route_by_kernel(): the kernel's own routes, and the IPv6 multicast route old kernels add with protocol boot. */
function routeByKernel(r: Route): boolean {
  return r.protocol === 'kernel' || (r.protocol === 'boot' && r.family === 'inet6' && r.dst === 'ff00::/8');
}

function dhcpOn(s: NetworkSettings, family: Route['family']): boolean {
  const v = s.dhcp?.value;
  return v === 'yes' || (family === 'inet' ? v === 'ipv4' : v === 'ipv6');
}

/** A route networkd itself installs for this link: from [Route]/Gateway=, or its DHCP client or RA. */
function ownRoute(r: Route, s: NetworkSettings): boolean {
  if (r.protocol === 'dhcp' && dhcpOn(s, r.family)) return true;
  if (r.protocol === 'ra' && r.family === 'inet6') return true;
  return s.routes.some((c) => (c.destination ?? 'default') === (r.dst.includes('/') || r.dst === 'default' ? r.dst : `${r.dst}/${r.family === 'inet' ? 32 : 128}`) &&
    (c.gateway === null || c.gateway === r.gateway) && (c.table === null ? r.table === 'main' : c.table === r.table));
}

function keptRoute(r: Route, s: NetworkSettings): boolean {
  const keep = s.keepConfiguration?.value;
  return (r.protocol === 'static' && keep === 'static') || (r.protocol === 'dhcp' && (keep === 'dhcp' || keep === 'dhcp-on-stop'));
}

function foreignAddress(a: Address, s: NetworkSettings): boolean {
  const ll = s.linkLocalAddressing?.value ?? 'ipv6';
  if (a.family === 'inet6' && /^fe[89ab]/i.test(a.local) && (ll === 'yes' || ll === 'ipv6' || ll === 'fallback')) return false;
  if (s.keepConfiguration?.value === 'static') return false; // snapshot addresses carry no lifetime: taken as permanent
  return !s.addresses.some((c) => c.value.split('/')[0] === a.local);
}

/** The kernel's default rules (an old iproute2 prints no protocol for them). */
function ruleByKernel(r: RoutingRule): boolean {
  if (r.protocol !== null) return r.protocol === 'kernel';
  return (r.priority === 0 && r.table === 'local') || (r.priority === 32766 && r.table === 'main') || (r.priority === 32767 && r.table === 'default');
}

function ruleConfigured(r: RoutingRule, configured: readonly ConfiguredRule[]): boolean {
  return configured.some((c) => c.priority === r.priority && (c.table === null || c.table === r.table));
}

export function restartEffect(host: Host, cfg: NetworkdConfig): RestartEffect {
  const links = host.interfaces.map((i) => networkForLink(host, cfg, i));
  const dropping = links.filter(drops);
  const byName = new Map<string, LinkNetwork>(dropping.map((l) => [l.iface.name, l]));
  const effect: RestartEffect = { dropping, routes: [], rules: [], nexthops: [], addresses: [] };
  if (dropping.length === 0) return effect;
  for (const ln of dropping) {
    for (const a of ln.iface.addresses) if (foreignAddress(a, ln.network!.settings)) effect.addresses.push({ address: a, by: ln });
  }
  if (cfg.foreign.routes.manage) {
    for (const r of host.snapshot.routes) {
      if (routeByKernel(r)) continue;
      // A route through no link is dropped by whichever link is configured first.
      const by = r.dev === null ? dropping[0]! : byName.get(r.dev);
      if (!by || ownRoute(r, by.network!.settings) || keptRoute(r, by.network!.settings)) continue;
      effect.routes.push({ route: r, by });
    }
  }
  if (cfg.foreign.nexthops.manage) {
    const configured = new Set(cfg.networks.flatMap((n) => n.settings.nexthopIds));
    for (const nh of host.snapshot.nexthops ?? []) {
      const by = nh.dev === null ? undefined : byName.get(nh.dev);
      if (by && !configured.has(nh.id) && nh.protocol !== 'kernel') effect.nexthops.push({ nexthop: nh, by });
    }
  }
  if (cfg.foreign.rules.manage) {
    const configured = cfg.networks.flatMap((n) => n.settings.rules);
    effect.rules = (host.snapshot.rules ?? []).filter((r) => !ruleByKernel(r) && !ruleConfigured(r, configured));
  }
  return effect;
}

export function describeNexthop(n: NextHop): string {
  const parts = [`id ${n.id}`];
  if (n.group) parts.push(`group ${n.group.join('/')}`);
  if (n.gateway) parts.push(`via ${n.gateway}`);
  if (n.dev) parts.push(`dev ${n.dev}`);
  if (n.blackhole) parts.push('blackhole');
  if (n.protocol) parts.push(`proto ${n.protocol}`);
  return parts.join(' ');
}

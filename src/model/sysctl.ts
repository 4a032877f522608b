/**
 * The network sysctls of the snapshot, read as the kernel combines them. Pure.
 *
 * Several IPv4 per-interface settings take the larger of `all` and the interface's own value
 * (IN_DEV_MAXCONF in include/linux/inetdevice.h): rp_filter, arp_ignore, arp_announce. Others are
 * the interface's value alone (forwarding on the receiving interface) or either being set
 * (IN_DEV_ORCONF: accept_local, arp_filter, proxy_arp, route_localnet).
 */
import type { Host } from './host.js';

/** A sysctl as recorded, or null when the snapshot does not have it. */
export function sysctl(host: Host, name: string): string | null {
  return host.snapshot.sysctls?.[name] ?? null;
}

/** `sysctl -a` writes a dot inside an interface name as a slash. */
export function confName(family: 'ipv4' | 'ipv6', dev: string, key: string): string {
  return `net.${family}.conf.${dev.replaceAll('.', '/')}.${key}`;
}

function intOf(value: string | null): number | null {
  return value !== null && /^-?\d+$/.test(value) ? Number(value) : null;
}

/** net.ipv4.conf.DEV.KEY as a number, or null when unknown. */
export function ipv4Conf(host: Host, dev: string, key: string): number | null {
  return intOf(sysctl(host, confName('ipv4', dev, key)));
}

export interface CombinedSetting {
  /** The value the kernel acts on; null when either part is unknown. */
  value: number | null;
  all: number | null;
  own: number | null;
  /** The sysctl names it comes from, for evidence. */
  names: [string, string];
}

/** max(all, interface): rp_filter, arp_ignore, arp_announce. */
export function maxConf(host: Host, dev: string, key: string): CombinedSetting {
  const all = ipv4Conf(host, 'all', key);
  const own = ipv4Conf(host, dev, key);
  return { value: all === null || own === null ? null : Math.max(all, own), all, own, names: [confName('ipv4', 'all', key), confName('ipv4', dev, key)] };
}

/** all || interface: accept_local, arp_filter, proxy_arp, route_localnet. */
export function orConf(host: Host, dev: string, key: string): boolean | null {
  const all = ipv4Conf(host, 'all', key);
  const own = ipv4Conf(host, dev, key);
  if (all === 1 || own === 1) return true;
  return all === null || own === null ? null : all !== 0 || own !== 0;
}

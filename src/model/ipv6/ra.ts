/**
 * Router advertisements against IPv6 forwarding. The kernel takes an RA on an interface only when its
 * `accept_ra` is 2, or 1 while its `forwarding` is 0; turning forwarding on also removes the default
 * routes RAs installed (unless accept_ra is 2). What is left of the RA's work is its prefix routes and
 * SLAAC addresses, which expire later: an ignored RA refreshes neither. Checked on the real kernel in
 * test/system/ipv6-ra.test.ts.
 *
 * Where systemd-networkd configures the interface it takes RAs itself and sets the kernel's accept_ra
 * to 0: its IPv6AcceptRA= decides, not the sysctls (../networkd/ra.ts).
 */
import type { Host } from '../host.js';
import type { Address, Route } from '../../snapshot/schema.js';
import { loadNetworkd, networkdRa, networkForLink, type LinkNetwork, type NetworkdRa } from '../networkd/index.js';

/** Whether the kernel acts on a router advertisement with these per-interface values. */
export function acceptsRa(forwarding: number, acceptRa: number): boolean {
  return acceptRa === 2 || (acceptRa === 1 && forwarding === 0);
}

export interface RaInterface {
  name: string;
  /** The kernel's sysctls of the interface; null where the snapshot has none. */
  forwarding: number | null;
  acceptRa: number | null;
  /** Routes an RA installed: `proto ra`, or a prefix route that expires (the prefix information's lifetime). */
  raRoutes: Route[];
  /** The RA-learned default route, when it is still there. */
  defaultRoute: Route | null;
  /** Addresses made from an RA's prefix (SLAAC): IPv6, global, a /64 with a lifetime. */
  slaac: Address[];
  /** Set where systemd-networkd, not the kernel, acts on the interface's RAs. */
  networkd: { link: LinkNetwork; ra: NetworkdRa } | null;
}

/** Sysctl names write a dot inside an interface name as a slash. */
const sysctlIf = (name: string) => name.replaceAll('.', '/');

/** A SLAAC address: the kernel's carry `mngtmpaddr`; networkd's and NetworkManager's are /64s with lifetimes too. */
export function isSlaac(a: Address): boolean {
  return a.family === 'inet6' && a.scope !== 'link' && a.prefixlen === 64 && (a.flags ?? []).includes('dynamic');
}

const num = (v: string | undefined): number | null => (v === undefined || !/^-?\d+$/.test(v.trim()) ? null : Number(v));

/**
 * Every interface whose RA handling can be judged: the kernel's sysctls are recorded, or networkd
 * configures it. networkd is taken to act where a `.network` configures the link and the kernel's
 * accept_ra reads 0 (what networkd writes) or was not recorded; any other value means networkd is not
 * running there.
 */
export function raInterfaces(host: Host): RaInterface[] {
  const sysctls = host.snapshot.sysctls ?? {};
  const cfg = loadNetworkd(host);
  const out: RaInterface[] = [];
  for (const iface of host.interfaces) {
    const forwarding = num(sysctls[`net.ipv6.conf.${sysctlIf(iface.name)}.forwarding`]);
    const acceptRa = num(sysctls[`net.ipv6.conf.${sysctlIf(iface.name)}.accept_ra`]);
    const link = cfg.networks.length ? networkForLink(host, cfg, iface) : null;
    const nd = link ? networkdRa(link, cfg) : null;
    const networkd = nd && link && (acceptRa === null || acceptRa === 0) ? { link, ra: nd } : null;
    if (!networkd && (forwarding === null || acceptRa === null)) continue;
    const routes = host.routes.filter((r) => r.family === 'inet6' && r.dev === iface.name && (r.protocol === 'ra' || (r.expires ?? null) !== null));
    out.push({
      name: iface.name, forwarding, acceptRa, raRoutes: routes,
      defaultRoute: routes.find((r) => r.dst === 'default' && r.protocol === 'ra') ?? null,
      slaac: iface.addresses.filter(isSlaac), networkd,
    });
  }
  return out;
}

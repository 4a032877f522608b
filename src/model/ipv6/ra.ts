/**
 * Router advertisements against IPv6 forwarding. The kernel takes an RA on an interface only when its
 * `accept_ra` is 2, or 1 while its `forwarding` is 0; turning forwarding on also removes the default
 * routes RAs installed (unless accept_ra is 2). What is left of the RA's work is its prefix routes and
 * SLAAC addresses, which expire later. Checked on the real kernel in test/system/ipv6-ra.test.ts.
 */
import type { Host } from '../host.js';
import type { Route } from '../../snapshot/schema.js';

/** Whether the kernel acts on a router advertisement with these per-interface values. */
export function acceptsRa(forwarding: number, acceptRa: number): boolean {
  return acceptRa === 2 || (acceptRa === 1 && forwarding === 0);
}

export interface RaInterface {
  name: string;
  forwarding: number;
  acceptRa: number;
  /** Routes an RA installed: `proto ra`, or a prefix route that expires (the prefix information's lifetime). */
  raRoutes: Route[];
  /** The RA-learned default route, when it is still there. */
  defaultRoute: Route | null;
}

/** Sysctl names write a dot inside an interface name as a slash. */
const sysctlIf = (name: string) => name.replaceAll('.', '/');

/** Interfaces with both IPv6 sysctls recorded; none when the snapshot has no sysctls. */
export function raInterfaces(host: Host): RaInterface[] {
  const sysctls = host.snapshot.sysctls;
  if (!sysctls) return [];
  const out: RaInterface[] = [];
  for (const iface of host.interfaces) {
    const fwd = sysctls[`net.ipv6.conf.${sysctlIf(iface.name)}.forwarding`];
    const ra = sysctls[`net.ipv6.conf.${sysctlIf(iface.name)}.accept_ra`];
    if (fwd === undefined || ra === undefined) continue;
    const routes = host.routes.filter((r) => r.family === 'inet6' && r.dev === iface.name && (r.protocol === 'ra' || (r.expires ?? null) !== null));
    out.push({
      name: iface.name, forwarding: Number(fwd), acceptRa: Number(ra), raRoutes: routes,
      defaultRoute: routes.find((r) => r.dst === 'default' && r.protocol === 'ra') ?? null,
    });
  }
  return out;
}

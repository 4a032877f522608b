/**
 * Which of the host's interfaces share an Ethernet segment, as far as the snapshot can tell, and the
 * addresses a neighbour there would ask for and ask from. The snapshot does not show cabling or VLANs:
 * interfaces are taken to share a segment when their IPv4 connected subnets overlap (one holds the
 * other). Two NICs in different VLANs with the same subnet are then wrongly grouped, and two NICs on one
 * switch with unrelated subnets are missed. Pure.
 */
import type { Host } from '../host.js';
import type { Interface } from '../../snapshot/schema.js';
import { addressInPrefix, inPrefix, networkPrefix } from '../../net/ip.js';
import { ifaddrs, isLocalAddress, type Ifa } from './index.js';

/** A subnet of an interface: its network prefix (no /31 or /32: a host address says nothing of a segment). */
export interface Subnet {
  iface: string;
  /** The network prefix, `192.0.2.0/24`. */
  cidr: string;
  prefixlen: number;
  address: string;
}

export function subnetOf(iface: string, ifa: Ifa): Subnet {
  return { iface, cidr: networkPrefix(`${ifa.match}/${ifa.prefixlen}`), prefixlen: ifa.prefixlen, address: ifa.local };
}

export function subnetHolds(s: Subnet, ip: string): boolean {
  return inPrefix(ip, s.cidr);
}

/** One subnet holds the other: the narrower's network address lies in the wider. */
function overlap(a: Subnet, b: Subnet): boolean {
  const [wide, narrow] = a.prefixlen <= b.prefixlen ? [a, b] : [b, a];
  return inPrefix(narrow.cidr.split('/')[0]!, wide.cidr);
}

/** The interface takes part in ARP itself: up, not loopback or NOARP, not a port of a bridge or bond. */
export function arpCapable(iface: Interface): boolean {
  return iface.flags.includes('UP') && !iface.flags.includes('LOOPBACK') && !iface.flags.includes('NOARP') && !iface.master;
}

export function subnetsOf(iface: Interface): Subnet[] {
  return ifaddrs(iface).filter((a) => a.prefixlen < 31).map((a) => subnetOf(iface.name, a));
}

/** Groups of two or more ARP-capable interfaces whose subnets overlap, each with the subnets that join them. */
export function sharedSegments(host: Host): { interfaces: string[]; subnets: Subnet[] }[] {
  const capable = host.interfaces.filter(arpCapable);
  const subnets = capable.flatMap(subnetsOf);
  const parent = new Map(capable.map((i) => [i.name, i.name]));
  const find = (n: string): string => (parent.get(n) === n ? n : find(parent.get(n)!));
  const joined: Subnet[] = [];
  for (const [i, a] of subnets.entries()) {
    for (const b of subnets.slice(i + 1)) {
      if (a.iface === b.iface || !overlap(a, b)) continue;
      parent.set(find(a.iface), find(b.iface));
      joined.push(a, b);
    }
  }
  const groups = new Map<string, string[]>();
  for (const i of capable) {
    const root = find(i.name);
    groups.set(root, [...(groups.get(root) ?? []), i.name]);
  }
  return [...groups.values()].filter((g) => g.length > 1)
    .map((g) => ({ interfaces: g, subnets: [...new Set(joined.filter((s) => g.includes(s.iface)))] }));
}

/**
 * A neighbour's address in the subnet: the highest host address that is not the host's own (often the
 * router). Any off-host address of the subnet gets the same answer unless a more specific route covers it.
 */
export function neighbourIn(host: Host, s: Subnet): string | null {
  // From the last host address (the one before the broadcast) back, at most 65 tries, never the network address.
  const size = 2 ** (32 - s.prefixlen);
  for (let k = 2; k <= Math.min(size - 1, 66); k++) {
    const ip = addressInPrefix(s.cidr, -k);
    if (ip !== null && !isLocalAddress(host, ip)) return ip;
  }
  return null;
}

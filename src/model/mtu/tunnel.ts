/**
 * Tunnel devices and what their encapsulation costs: the underlay each one sends on, the overhead it
 * adds, the largest inner packet that crosses whole, and what happens to a larger one.
 *
 * Overheads, as the kernel's own headroom constants count them (read in torvalds/linux, never copied):
 * - vxlan: outer IP (20, or 40 over IPv6) + UDP 8 + VXLAN 8 + inner Ethernet 14 = 50 / 70
 *   (include/net/vxlan.h vxlan_headroom; 14 less with `gpe`, which carries no Ethernet header);
 * - geneve: the same 50 / 70 plus its options (drivers/net/geneve.c GENEVE_IPV4_HLEN + opts_len, up
 *   to 252 bytes), which `ip -d link` does not show: 50 / 70 is a lower bound;
 * - ipip and sit: one IPv4 header, 20 (net/ipv4/ipip.c, net/ipv6/sit.c);
 * - gre: IPv4 20 + GRE 4, + 4 each for key, sequence number and checksum (net/ipv4/ip_gre.c
 *   gre_calc_hlen); gretap adds the inner Ethernet header 14; ip6gre/ip6gretap the same over IPv6 (40);
 * - ip6tnl: IPv6 40, + 8 for the encapsulation-limit option unless `encaplimit none`
 *   (net/ipv6/ip6_tunnel.c ip6_tnl_xmit);
 * - wireguard: outer IP 20 / 40 + UDP 8 + message header 16 + Poly1305 tag 16 = 60 / 80
 *   (drivers/net/wireguard/messages.h; inner packets are also padded to 16 bytes).
 *
 * A packet the tunnel device takes but whose encapsulation does not fit the underlay's MTU
 * (vxlan: drivers/net/vxlan/vxlan_core.c vxlan_xmit_one, net/ipv4/ip_tunnel_core.c skb_tunnel_check_pmtu):
 * - the tunnel lowers the inner route's PMTU to underlay − overhead (a route exception), so the host's
 *   own next packets with DF are refused (EMSGSIZE) and its own packets without DF are cut to fit;
 *   forwarding ignores that learned PMTU unless net.ipv4.ip_forward_use_pmtu=1 (ip_forward), so a
 *   pod's packets meet the same size every time;
 * - a vxlan that is a bridge port answers an inner IPv4 packet with DF (and any IPv6 one) itself with
 *   ICMP "fragmentation needed" / "packet too big" and drops it (iptunnel_pmtud_check_icmp{,v6});
 * - otherwise it encapsulates: the outer IPv4 packet carries DF with `df set`, or with `df inherit` when
 *   the inner packet has DF (or is IPv6); then the oversized outer packet is dropped on the node
 *   (ip_fragment: DF), silently for a forwarded sender. Without DF it is fragmented (ip_do_fragment):
 *   it arrives where the underlay passes IP fragments, which hostnet cannot see. An IPv6 outer packet
 *   is never fragmented here (ip6_fragment without ignore_df: dropped).
 * - ipip/sit/gre (net/ipv4/ip_tunnel.c tnl_update_pmtu) answer an inner packet with DF by ICMP to its
 *   sender, forwarded or not; the outer header carries DF with `pmtudisc` (the default);
 * - wireguard sends with ignore_df (drivers/net/wireguard/socket.c send4/send6): the outer packet is
 *   fragmented, never refused.
 * Measured on the real kernel for vxlan over IPv4 and IPv6 (test/system/tunnel-mtu-matrix.test.ts);
 * this kernel has no ipip, gre, geneve or wireguard: those are modelled from the sources above only.
 * Pure.
 */
import { fibLookup } from '../fib.js';
import type { Host } from '../host.js';
import { familyOf } from '../../net/ip.js';
import { sysctl } from '../sysctl.js';
import type { Interface, Route } from '../../snapshot/schema.js';

export const TUNNEL_KINDS = ['vxlan', 'geneve', 'ipip', 'sit', 'gre', 'gretap', 'ip6tnl', 'ip6gre', 'ip6gretap', 'wireguard'] as const;
export type TunnelKind = (typeof TUNNEL_KINDS)[number];

/** Kinds whose behaviour the test suite measures on this machine's kernel. */
export const MEASURED_KINDS: readonly TunnelKind[] = ['vxlan'];

export type Family = 'inet' | 'inet6';
export type DfMode = 'unset' | 'set' | 'inherit';

/** The bytes a tunnel adds, with what they are made of. */
export interface Overhead {
  bytes: number;
  /** The parts, in words ("outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14"). */
  parts: string;
  /** False where the real overhead can be larger than shown (geneve options). */
  exact: boolean;
}

const IP_HEADER: Record<Family, number> = { inet: 20, inet6: 40 };
const ipName = (f: Family): string => (f === 'inet' ? 'IPv4' : 'IPv6');

/** The overhead of one tunnel kind over an underlay of `family`, from the kernel's headroom counts. */
export function overheadOf(kind: TunnelKind, family: Family, data: Record<string, unknown> = {}): Overhead {
  const ip = IP_HEADER[family];
  const outer = `outer ${ipName(family)} ${ip}`;
  switch (kind) {
    case 'vxlan':
      return data.gpe === true
        ? { bytes: ip + 16, parts: `${outer} + UDP 8 + VXLAN-GPE 8`, exact: true }
        : { bytes: ip + 30, parts: `${outer} + UDP 8 + VXLAN 8 + inner Ethernet 14`, exact: true };
    case 'geneve':
      return { bytes: ip + 30, parts: `${outer} + UDP 8 + Geneve 8 + inner Ethernet 14 + options (not shown by ip, up to 252)`, exact: false };
    case 'ipip':
    case 'sit':
      return { bytes: 20, parts: 'outer IPv4 20', exact: true };
    case 'ip6tnl': {
      const limit = data.encap_limit === undefined || data.encap_limit !== 'none' ? 8 : 0;
      return { bytes: 40 + limit, parts: `outer IPv6 40${limit ? ' + encapsulation-limit option 8' : ''}`, exact: true };
    }
    case 'gre':
    case 'gretap':
    case 'ip6gre':
    case 'ip6gretap': {
      const v6 = kind.startsWith('ip6');
      const extras = [data.okey !== undefined && data.okey !== false ? 'key 4' : null, data.oseq === true ? 'sequence 4' : null, data.ocsum === true ? 'checksum 4' : null].filter((x): x is string => x !== null);
      const eth = kind.endsWith('tap') ? 14 : 0;
      const bytes = (v6 ? 40 : 20) + 4 + 4 * extras.length + eth;
      return { bytes, parts: [`outer ${v6 ? 'IPv6 40' : 'IPv4 20'}`, 'GRE 4', ...extras, ...(eth ? ['inner Ethernet 14'] : [])].join(' + '), exact: true };
    }
    case 'wireguard':
      return { bytes: ip + 40, parts: `${outer} + UDP 8 + WireGuard header 16 + authentication tag 16`, exact: true };
  }
}

/** Where a tunnel's outer packets leave, and the MTU they meet there. */
export interface Underlay {
  /** The device the outer packets leave by. */
  device: string;
  /** The MTU they meet: the route's `mtu`, else the device's. */
  mtu: number;
  route: Route | null;
  /** How hostnet found it, in words. */
  how: string;
}

export interface Tunnel {
  device: Interface;
  kind: TunnelKind;
  family: Family;
  /** True when the underlay family was not written on the device (assumed IPv4). */
  familyAssumed: boolean;
  remote: string | null;
  local: string | null;
  /** The `dev` the tunnel is bound to, if any. */
  lower: string | null;
  /** vxlan/geneve `df`; null for other kinds. */
  df: DfMode | null;
  /** ipip/sit/gre `pmtudisc` (the kernel's default is on); null for other kinds. */
  pmtudisc: boolean | null;
  overhead: Overhead;
  underlay: Underlay | null;
  /** The largest inner packet whose encapsulation fits the underlay, or null with no underlay. */
  carries: number | null;
}

export function isTunnelKind(kind: string | null): kind is TunnelKind {
  return kind !== null && (TUNNEL_KINDS as readonly string[]).includes(kind);
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' && v !== 'any' ? v : null);

/** Every tunnel device of the host, with its underlay. */
export function tunnels(host: Host): Tunnel[] {
  return host.interfaces.filter((i) => isTunnelKind(i.kind)).map((i) => tunnelOf(host, i));
}

export function tunnelOf(host: Host, dev: Interface): Tunnel {
  const kind = dev.kind as TunnelKind;
  const data = dev.kindData;
  const remote = str(data.remote) ?? str(data.remote6) ?? str(data.group) ?? str(data.group6);
  const local = str(data.local) ?? str(data.local6);
  const lower = str(data.link) ?? (dev.link && !dev.linkNetns && dev.link !== dev.name ? dev.link : null);
  const fixed: Family | null = kind === 'ipip' || kind === 'sit' || kind === 'gre' || kind === 'gretap' ? 'inet' : kind.startsWith('ip6') ? 'inet6' : null;
  const addr = remote ?? local;
  const family: Family = fixed ?? (addr ? familyOf(addr) ?? 'inet' : 'inet');
  const df = kind === 'vxlan' || kind === 'geneve' ? (['unset', 'set', 'inherit'].includes(String(data.df)) ? (data.df as DfMode) : 'unset') : null;
  const pmtudisc = ['ipip', 'sit', 'gre', 'gretap', 'ip6gre', 'ip6gretap', 'ip6tnl'].includes(kind) ? data.pmtudisc !== false : null;
  const overhead = overheadOf(kind, family, data);
  const underlay = underlayOf(host, { remote, local, lower, family });
  return {
    device: dev, kind, family, familyAssumed: fixed === null && addr === null, remote, local, lower, df, pmtudisc, overhead, underlay,
    carries: underlay ? underlay.mtu - overhead.bytes : null,
  };
}

/**
 * The underlay: the route to the remote (the kernel looks it up per packet), else the `dev` the tunnel
 * is bound to, else the device holding its local address, else the default route of its family (a
 * vxlan whose remotes are per-FDB entries, like vxlan.calico and flannel.1; a WireGuard device, whose
 * peers' endpoints `ip` does not show).
 */
function underlayOf(host: Host, t: { remote: string | null; local: string | null; lower: string | null; family: Family }): Underlay | null {
  const viaRoute = (route: Route | null, how: string): Underlay | null => {
    if (!route || route.type !== 'unicast' || !route.dev) return null;
    const dev = host.interface(route.dev);
    if (!dev) return null;
    return { device: dev.name, mtu: route.mtu ?? dev.mtu, route, how };
  };
  if (t.remote) {
    const u = viaRoute(fibLookup(host.routes, t.remote), `the route to the remote ${t.remote}`);
    if (u) return u;
  }
  const byDev = (name: string, how: string): Underlay | null => {
    const dev = host.interface(name);
    return dev ? { device: dev.name, mtu: dev.mtu, route: null, how } : null;
  };
  if (t.lower) {
    const u = byDev(t.lower, `the device it is bound to (dev ${t.lower})`);
    if (u) return u;
  }
  if (t.local) {
    const owner = host.interfaces.find((i) => i.addresses.some((a) => a.local === t.local));
    if (owner) return byDev(owner.name, `the device holding its local address ${t.local}`);
  }
  return viaRoute(fibLookup(host.routes, t.family === 'inet' ? '0.0.0.0' : '::'), `the default ${ipName(t.family)} route (the remotes are not on the device)`);
}

/** The MTU senders on this host use through the tunnel: the smallest of its device MTU and the `mtu` of every route into it. */
export function senderMtu(host: Host, t: Tunnel): { mtu: number; routeMtu: boolean } {
  // Cilium's routes to other nodes' pods go via cilium_host and its BPF program redirects them into
  // cilium_vxlan/cilium_geneve: those routes are the tunnel's senders.
  const dev = /^cilium_(vxlan|geneve)$/.test(t.device.name) && !host.routes.some((r) => r.dev === t.device.name) ? 'cilium_host' : t.device.name;
  const into = host.routes.filter((r) => r.dev === dev && r.type === 'unicast' && r.family === 'inet' && r.table !== 'local');
  const routeMtus = into.map((r) => r.mtu);
  // Cilium keeps its tunnel devices at 1500 and puts the real MTU on its routes: every route then has one.
  if (into.length && routeMtus.every((m): m is number => m !== null)) return { mtu: Math.min(t.device.mtu, Math.max(...routeMtus)), routeMtu: true };
  return { mtu: t.device.mtu, routeMtu: false };
}

/** Where an inner packet comes from, as the tunnel sees it. */
export type Origin = 'local' | 'forwarded' | 'bridged';

export interface InnerPacket {
  /** IP packet size in bytes. */
  size: number;
  /** Inner family: an IPv6 inner packet counts as DF (it is never fragmented on the way). */
  family?: Family;
  df: boolean;
  origin: Origin;
  /** True once the tunnel has lowered the route's PMTU for this destination (after a first oversize packet). */
  learned?: boolean;
}

export type CrossingKind = 'sent' | 'refused' | 'icmp' | 'dropped';

export interface Crossing {
  kind: CrossingKind;
  /** sent: whole, the inner packet cut by the sender, or the outer packet fragmented. */
  fragments?: 'none' | 'inner' | 'outer';
  /** The size of the (largest) outer packet put on the underlay. */
  outer?: number;
  /** The MTU an ICMP or EMSGSIZE tells the sender. */
  mtu?: number;
  /** True when this packet makes the tunnel lower the route's PMTU (the next one meets it). */
  learns: boolean;
  /** Why, in a sentence. */
  reason: string;
}

/** A largest IPv4 fragment when a packet is cut to `mtu`. */
const fragmentOf = (mtu: number): number => 20 + Math.floor((mtu - 20) / 8) * 8;

/** Whether forwarding honours learned PMTUs (net.ipv4.ip_forward_use_pmtu; 0 by default). */
export function forwardUsesPmtu(host: Host): boolean {
  return sysctl(host, 'net.ipv4.ip_forward_use_pmtu') === '1';
}

/**
 * What the tunnel does with one inner packet that its device has taken (at most its MTU). `forwardUsePmtu`
 * is net.ipv4.ip_forward_use_pmtu.
 */
export function crossTunnel(t: Tunnel, p: InnerPacket, forwardUsePmtu = false): Crossing {
  const limit = t.carries;
  if (limit === null) return { kind: 'sent', fragments: 'none', learns: false, reason: `${t.device.name}: no underlay found, the encapsulated size is not checked` };
  const innerDf = p.df || p.family === 'inet6';
  const enc = (size: number): number => size + t.overhead.bytes;
  const name = `${t.device.name} (${t.kind}, +${t.overhead.bytes})`;
  if (p.size <= limit) return { kind: 'sent', fragments: 'none', outer: enc(p.size), learns: false, reason: `${name}: ${p.size} + ${t.overhead.bytes} = ${enc(p.size)} bytes <= underlay ${t.underlay!.device}'s MTU ${t.underlay!.mtu}: sent whole` };
  const over = `${p.size} + ${t.overhead.bytes} = ${enc(p.size)} bytes > underlay ${t.underlay!.device}'s MTU ${t.underlay!.mtu}`;
  // The PMTU the tunnel learned applies to the host's own packets, and to forwarded ones only with ip_forward_use_pmtu.
  if (p.learned && (p.origin === 'local' || (p.origin === 'forwarded' && forwardUsePmtu))) {
    if (innerDf) return p.origin === 'local'
      ? { kind: 'refused', mtu: limit, learns: false, reason: `${name}: the route's learned PMTU is ${limit}: the sender is refused (EMSGSIZE)` }
      : { kind: 'icmp', mtu: limit, learns: false, reason: `${name}: the route's learned PMTU is ${limit} and ip_forward_use_pmtu=1: ICMP "fragmentation needed" (mtu ${limit}) to the sender` };
    return { kind: 'sent', fragments: 'inner', outer: enc(fragmentOf(limit)), learns: false, reason: `${name}: the route's learned PMTU is ${limit}: the packet is cut into fragments of at most ${fragmentOf(limit)} bytes that fit` };
  }
  if (t.kind === 'wireguard') return { kind: 'sent', fragments: 'outer', outer: enc(p.size), learns: false, reason: `${name}: ${over}: WireGuard sends with ignore_df, the outer packet is fragmented (arrives only where the underlay passes IP fragments)` };
  if (t.kind !== 'vxlan' && t.kind !== 'geneve') {
    if (innerDf) return { kind: 'icmp', mtu: limit, learns: true, reason: `${name}: ${over}: the tunnel answers ICMP "fragmentation needed" (mtu ${limit}) to the sender (tnl_update_pmtu)` };
    if (t.pmtudisc) return { kind: 'dropped', learns: true, reason: `${name}: ${over}: pmtudisc puts DF on the outer packet, which is dropped on this node` };
    return { kind: 'sent', fragments: 'outer', outer: enc(p.size), learns: true, reason: `${name}: ${over}: nopmtudisc: the outer packet is fragmented (arrives only where the underlay passes IP fragments)` };
  }
  if (p.origin === 'bridged' && innerDf) return { kind: 'icmp', mtu: limit, learns: false, reason: `${name}: ${over}: a bridge port, so the tunnel itself answers ICMP "fragmentation needed" (mtu ${limit}) to the sender and drops it (skb_tunnel_check_pmtu)` };
  const outerDf = t.family === 'inet6' || t.df === 'set' || (t.df === 'inherit' && innerDf);
  const learns = p.origin !== 'bridged';
  if (outerDf) {
    const why = t.family === 'inet6' ? 'an IPv6 outer packet is not fragmented by the node' : `df ${t.df}${t.df === 'inherit' ? ' and the inner packet has DF' : ''} puts DF on the outer packet`;
    return { kind: 'dropped', learns, reason: `${name}: ${over}: ${why}: dropped on this node, nothing reaches the ${p.origin === 'local' ? 'sender (this first packet)' : 'sender'}` };
  }
  return { kind: 'sent', fragments: 'outer', outer: enc(p.size), learns, reason: `${name}: ${over}: df ${t.df}: the outer packet goes without DF and is fragmented (arrives only where the underlay passes IP fragments)` };
}

/** The tunnel whose device a route sends into, if any. */
export function tunnelOfRoute(host: Host, route: Route | null): Tunnel | null {
  const dev = route?.dev ? host.interface(route.dev) : undefined;
  return dev && isTunnelKind(dev.kind) ? tunnelOf(host, dev) : null;
}

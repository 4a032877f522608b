/**
 * IPv4 ARP on a Linux host: which interface answers a request, and which sender address a request the
 * host sends carries. Pure; held to the kernel by test/system/arp-matrix.test.ts. Written from the
 * behaviour of Linux 6.18 (read, not copied):
 *
 * - net/ipv4/arp.c arp_rcv: no ARP on a NOARP or loopback device; a bridge port's frames go to the bridge.
 * - arp_process: a multicast or loopback target (without route_localnet) is dropped. A sender of 0.0.0.0
 *   (a duplicate address probe, RFC 5227) is answered when the target is a local address
 *   (inet_addr_type_dev_table) and arp_ignore allows it: no route lookup, no rp_filter, no arp_filter.
 *   Otherwise ip_route_input(target, from sender, dev) classifies the target:
 *   - local: fib_validate_source (net/ipv4/fib_frontend.c) checks the sender as for any packet
 *     (rp_filter, the larger of all and the interface's; a sender that is one of the host's own addresses
 *     is refused even with rp_filter off, unless accept_local; an interface without IPv4 address refuses
 *     a sender whose route back leaves elsewhere whenever rp_filter is on, loose mode included), then
 *     arp_ignore (IN_DEV_ARP_IGNORE: max of all and the interface), then arp_filter (IN_DEV_ARPFILTER: all
 *     or the interface): the route to the sender must leave by the receiving interface;
 *   - unicast elsewhere, with forwarding on the receiving interface (IN_DEV_FORWARD, its own value): the
 *     route must leave by another interface (ip_route_input's __mkroute_input refuses ARP back out of the
 *     same device unless proxy_arp_pvlan), the sender passes fib_validate_source, and proxy_arp
 *     (IN_DEV_PROXY_ARP: all or the interface) is on: the host answers for the remote target;
 *   - anything else (broadcast, no route, forwarding off): no answer.
 *   The reply leaves by the receiving interface with that interface's MAC.
 * - arp_ignore: 0 any local address; 1 the target is configured on the receiving interface; 2 and the
 *   sender is inside a subnet of that interface that also holds the target; 3 the target's address is not
 *   scope host (on any interface); 4-7 answer; 8 never; larger values answer.
 *   (net/ipv4/devinet.c inet_confirm_addr, confirm_addr_indev.)
 * - arp_solicit: arp_announce (IN_DEV_ARP_ANNOUNCE, the max) 0 (and any value above 2): the packet's
 *   source when it is local; 1: that source only when a subnet of the device holds both it and the
 *   target; 2: never. Otherwise inet_select_addr(dev, target, scope link): the device's first primary
 *   address of scope link or wider whose subnet holds the target, else its first such primary, else the
 *   first primary of global scope of any interface in index order, else 0.0.0.0.
 *
 * Not collected, so taken at their defaults: medium_id 0, proxy_arp_pvlan 0, no `ip neigh add proxy`
 * entries, no policy routing rules, no l3mdev (VRF). A secondary address (IFA_F_SECONDARY) is recognised
 * as the kernel sets it: an earlier address of the device with the same prefix length and network.
 */
import { fibLookup, describeRoute } from '../fib.js';
import type { Host } from '../host.js';
import { checkReversePath } from '../rpfilter/index.js';
import { ipv4Conf, maxConf, orConf, type CombinedSetting } from '../sysctl.js';
import { inPrefix } from '../../net/ip.js';
import type { Address, Interface } from '../../snapshot/schema.js';

export interface ArpStep {
  n: number;
  where: string;
  what: string;
}

export type ArpPath = 'local' | 'proxy' | 'probe';

export interface ArpAnswer {
  interface: string;
  /** null when the snapshot lacks a sysctl the decision needs. */
  answers: boolean | null;
  /** The MAC the reply carries (the receiving interface's). */
  mac: string | null;
  path: ArpPath | null;
  steps: ArpStep[];
  /** The step that decided "no answer". */
  stoppedAt: number | null;
}

export interface ArpRequest {
  /** The interface the broadcast request arrives on. */
  iface: string;
  target: string;
  /** 0.0.0.0 for a duplicate address probe. */
  sender: string;
}

const SCOPES: Record<string, number> = { global: 0, universe: 0, site: 200, link: 253, host: 254, nowhere: 255 };
const SCOPE_LINK = 253;
const SCOPE_HOST = 254;

/** An IPv4 address of an interface as the kernel's in_ifaddr sees it. */
export interface Ifa {
  local: string;
  /** The address the mask applies to (the peer of a point-to-point address, else the local one). */
  match: string;
  prefixlen: number;
  scope: number;
  secondary: boolean;
}

export function scopeOf(a: Address): number {
  if (a.scope === null) return 0;
  return SCOPES[a.scope] ?? (/^\d+$/.test(a.scope) ? Number(a.scope) : 0);
}

/** The interface's IPv4 addresses in the kernel's list order, each marked secondary as the kernel marks it. */
export function ifaddrs(iface: Interface | undefined): Ifa[] {
  const out: Ifa[] = [];
  for (const a of iface?.addresses ?? []) {
    if (a.family !== 'inet') continue;
    const match = a.peer ? a.peer.split('/')[0]! : a.local;
    const secondary = out.some((o) => o.prefixlen === a.prefixlen && inPrefix(match, `${o.match}/${o.prefixlen}`));
    out.push({ local: a.local, match, prefixlen: a.prefixlen, scope: scopeOf(a), secondary });
  }
  return out;
}

function ifaHolds(ifa: Ifa, ip: string): boolean {
  return inPrefix(ip, `${ifa.match}/${ifa.prefixlen}`);
}

/** confirm_addr_indev: is `local` (0: any) configured here within `scope`, in a subnet holding `local` and `dst` (0: any)? */
function confirmOn(host: Host, iface: Interface, dst: string | null, local: string, scope: number): boolean {
  const localnet = orConf(host, iface.name, 'route_localnet') === true ? SCOPE_LINK : SCOPE_HOST;
  const list = ifaddrs(iface);
  const addr = list.some((i) => i.local === local && Math.min(i.scope, localnet) <= scope);
  const same = list.some((i) => ifaHolds(i, local) && (dst === null || ifaHolds(i, dst)));
  return addr && same;
}

export interface IgnoreDecision {
  setting: CombinedSetting;
  /** null when the setting is unknown. */
  ignores: boolean | null;
  reason: string;
}

/** arp_ignore on the receiving interface for a request from `sender` (0.0.0.0 for a probe) for `target`. */
export function arpIgnore(host: Host, iface: Interface, sender: string, target: string): IgnoreDecision {
  const setting = maxConf(host, iface.name, 'arp_ignore');
  const shown = `arp_ignore ${setting.value ?? '?'} = max(all ${setting.all ?? '?'}, ${iface.name} ${setting.own ?? '?'})`;
  const mode = setting.value;
  if (mode === null) return { setting, ignores: null, reason: `${shown}: unknown (the snapshot has no sysctls)` };
  const sip = sender === '0.0.0.0' ? null : sender;
  const verdict = (ok: boolean, yes: string, no: string): IgnoreDecision => ({ setting, ignores: !ok, reason: `${shown}: ${ok ? yes : no}` });
  switch (mode) {
    case 0: return verdict(true, 'any local address is answered', '');
    case 1: return verdict(confirmOn(host, iface, null, target, SCOPE_HOST), `${target} is configured on ${iface.name}`, `${target} is not configured on ${iface.name}: not answered`);
    case 2: return verdict(confirmOn(host, iface, sip, target, SCOPE_HOST),
      `${target} is configured on ${iface.name}${sip ? ` in a subnet that holds ${sip}` : ''}`,
      `${target} is not configured on ${iface.name}${sip ? ` in a subnet that also holds ${sip}` : ''}: not answered`);
    case 3: {
      const ok = host.interfaces.some((i) => confirmOn(host, i, null, target, SCOPE_LINK));
      return verdict(ok, `${target} is an address of scope link or global`, `${target} is not configured with a scope wider than host on any interface: not answered`);
    }
    case 8: return verdict(false, '', 'never answers');
    default: return verdict(true, mode < 8 ? 'a reserved value: answers as 0' : 'an unknown value: answers as 0', '');
  }
}

/** fib_validate_source for an ARP request's sender: the reverse-path check, own addresses and unnumbered interfaces included. */
function senderCheck(host: Host, iface: Interface, sender: string): { passes: boolean | null; reason: string } {
  const rp = checkReversePath(host, iface.name, sender);
  return { passes: rp.passes, reason: rp.reason };
}

function isConfiguredAddress(host: Host, ip: string): boolean {
  return host.interfaces.some((i) => ifaddrs(i).some((a) => a.local === ip));
}

/** The host's own: configured on an interface or covered by a local route (inet_addr_type == RTN_LOCAL). */
export function isLocalAddress(host: Host, ip: string): boolean {
  return fibLookup(host.routes, ip)?.type === 'local' || isConfiguredAddress(host, ip);
}

/** The first octet of a dotted quad: what the kernel's martian tests (0/8, 127/8, 224/4) look at. */
function firstOctet(ip: string): number {
  return Number(ip.split('.')[0]);
}

/** 0/8, 127/8 (without route_localnet), multicast or limited broadcast: the route lookup refuses these senders. */
function martianSender(host: Host, iface: string, ip: string): string | null {
  const first = firstOctet(ip);
  if (first === 0) return 'in 0.0.0.0/8';
  if (first >= 224 && first < 240) return 'a multicast address';
  if (ip === '255.255.255.255') return 'the limited broadcast address';
  if (first === 127 && orConf(host, iface, 'route_localnet') !== true) return 'a loopback address (route_localnet off)';
  return null;
}

class Steps {
  readonly list: ArpStep[] = [];
  constructor(private readonly iface: string) {}
  add(what: string, where = this.iface): number {
    this.list.push({ n: this.list.length + 1, where, what });
    return this.list.length;
  }
}

/** Why an interface does not take part in ARP at all, or null when it does. */
function notArpCapable(iface: Interface): string | null {
  if (!iface.flags.includes('UP')) return `${iface.name} is down`;
  if (iface.flags.includes('LOOPBACK')) return `${iface.name} is a loopback device: no ARP`;
  if (iface.flags.includes('NOARP')) return `${iface.name} has the NOARP flag: no ARP`;
  if (iface.master) return `${iface.name} is a port of ${iface.master}: its frames go to ${iface.master}, which answers or not`;
  return null;
}

/** Does the host answer a broadcast ARP request arriving on `req.iface`, and at which step does it not? */
export function arpAnswer(host: Host, req: ArpRequest): ArpAnswer {
  const iface = host.interface(req.iface);
  const s = new Steps(req.iface);
  const out = (answers: boolean | null, path: ArpPath | null): ArpAnswer => ({
    interface: req.iface, answers, mac: answers ? iface?.mac ?? null : null, path, steps: s.list, stoppedAt: answers === false ? s.list.length : null,
  });
  if (!iface) {
    s.add(`${req.iface} is not an interface of this host`);
    return out(false, null);
  }
  s.add(`who-has ${req.target} tell ${req.sender}, broadcast, arrives on ${iface.name} (${iface.mac ?? 'no MAC'})`);
  const off = notArpCapable(iface);
  if (off) {
    s.add(off);
    return out(false, null);
  }
  const t = firstOctet(req.target);
  if ((t >= 224 && t < 240) || (t === 127 && orConf(host, iface.name, 'route_localnet') !== true)) {
    s.add(`${req.target} is ${t === 127 ? 'a loopback' : 'a multicast'} address: the request is dropped`);
    return out(false, null);
  }
  if (req.sender === '0.0.0.0') return probe(host, iface, req, s, out);
  const martian = martianSender(host, iface.name, req.sender);
  if (martian) {
    s.add(`the sender ${req.sender} is ${martian}: the route lookup refuses it`);
    return out(false, null);
  }
  const route = fibLookup(host.routes, req.target);
  if (route?.type === 'local') return localTarget(host, iface, req, s, out, describeRoute(route));
  if (!route) {
    s.add(`no route to ${req.target}: not a local address, nothing to answer`);
    return out(false, null);
  }
  if (route.type !== 'unicast') {
    s.add(`${req.target} is ${route.type} (${describeRoute(route)}): not answered`);
    return out(false, null);
  }
  return proxyTarget(host, iface, req, s, out, route);
}

type Finish = (answers: boolean | null, path: ArpPath | null) => ArpAnswer;

function probe(host: Host, iface: Interface, req: ArpRequest, s: Steps, out: Finish): ArpAnswer {
  if (!isLocalAddress(host, req.target)) {
    s.add(`a duplicate address probe (sender 0.0.0.0) for ${req.target}, not an address of this host: not answered`);
    return out(false, null);
  }
  s.add(`a duplicate address probe (sender 0.0.0.0) for ${req.target}, an address of this host: no route lookup, rp_filter or arp_filter`);
  const ignore = arpIgnore(host, iface, req.sender, req.target);
  s.add(ignore.reason);
  if (ignore.ignores === null) return out(null, 'probe');
  if (ignore.ignores) return out(false, 'probe');
  s.add(`${iface.name} answers with ${iface.mac ?? 'its MAC'}: ${req.target} is in use`);
  return out(true, 'probe');
}

function localTarget(host: Host, iface: Interface, req: ArpRequest, s: Steps, out: Finish, route: string): ArpAnswer {
  s.add(`${req.target} is an address of this host (${route})`);
  const rp = senderCheck(host, iface, req.sender);
  s.add(`sender check: ${rp.reason}`);
  if (rp.passes === false) return out(false, 'local');
  const ignore = arpIgnore(host, iface, req.sender, req.target);
  s.add(ignore.reason);
  if (ignore.ignores === true) return out(false, 'local');
  const filter = arpFilter(host, iface, req.sender);
  s.add(filter.reason);
  if (filter.passes === false) return out(false, 'local');
  if (rp.passes === null || ignore.ignores === null || filter.passes === null) return out(null, 'local');
  s.add(`${iface.name} answers: ${req.target} is at ${iface.mac ?? '?'}`);
  return out(true, 'local');
}

/** arp_filter: with it on, the route to the sender must leave by the receiving interface. */
function arpFilter(host: Host, iface: Interface, sender: string): { passes: boolean | null; reason: string } {
  const on = orConf(host, iface.name, 'arp_filter');
  const shown = `arp_filter ${on === null ? '?' : on ? 1 : 0} (all ${ipv4Conf(host, 'all', 'arp_filter') ?? '?'} or ${iface.name} ${ipv4Conf(host, iface.name, 'arp_filter') ?? '?'})`;
  if (on === null) return { passes: null, reason: `${shown}: unknown` };
  if (!on) return { passes: true, reason: `${shown}: off` };
  const back = fibLookup(host.routes, sender);
  if (!back || back.type !== 'unicast') return { passes: false, reason: `${shown}: no unicast route to ${sender}${back ? ` (${describeRoute(back)})` : ''}: not answered` };
  return back.dev === iface.name
    ? { passes: true, reason: `${shown}: the route to ${sender} (${describeRoute(back)}) leaves by ${iface.name}` }
    : { passes: false, reason: `${shown}: the route to ${sender} (${describeRoute(back)}) leaves by ${back.dev ?? '?'}, not ${iface.name}: not answered` };
}

function proxyTarget(host: Host, iface: Interface, req: ArpRequest, s: Steps, out: Finish, route: NonNullable<ReturnType<typeof fibLookup>>): ArpAnswer {
  s.add(`${req.target} is not local: the route to it is ${describeRoute(route)}`);
  const fwd = ipv4Conf(host, iface.name, 'forwarding');
  if (fwd === null) {
    s.add(`forwarding on ${iface.name}: unknown`);
    return out(null, 'proxy');
  }
  if (fwd === 0) {
    s.add(`forwarding is off on ${iface.name} (net.ipv4.conf.${iface.name}.forwarding 0): only local addresses are answered`);
    return out(false, null);
  }
  if (route.dev === iface.name) {
    s.add(`the route to ${req.target} leaves by ${iface.name} itself: the neighbour can ask it directly, no proxy answer`);
    return out(false, 'proxy');
  }
  const rp = senderCheck(host, iface, req.sender);
  s.add(`sender check: ${rp.reason}`);
  if (rp.passes === false) return out(false, 'proxy');
  const proxy = orConf(host, iface.name, 'proxy_arp');
  const shown = `proxy_arp ${proxy === null ? '?' : proxy ? 1 : 0} (all ${ipv4Conf(host, 'all', 'proxy_arp') ?? '?'} or ${iface.name} ${ipv4Conf(host, iface.name, 'proxy_arp') ?? '?'})`;
  if (proxy === null) {
    s.add(`${shown}: unknown`);
    return out(null, 'proxy');
  }
  if (!proxy) {
    s.add(`${shown}: off, no proxy answer (ip neigh proxy entries are not collected)`);
    return out(false, 'proxy');
  }
  s.add(`${shown}: ${iface.name} answers for ${req.target} with its own MAC ${iface.mac ?? '?'} (after up to proxy_delay)`);
  return out(rp.passes === null ? null : true, 'proxy');
}

export interface AnnounceStep { n: number; what: string }

export interface ArpAnnounce {
  device: string;
  src: string;
  target: string;
  setting: CombinedSetting;
  /** The sender address the request carries; 0.0.0.0 when the host has none to give. null when unknown. */
  sender: string | null;
  /** Whether the sender is one of the device's own addresses. */
  own: boolean;
  steps: AnnounceStep[];
}

/** The sender address of the ARP request the host sends out `device` for `target`, for a packet from `src`. */
export function arpSender(host: Host, req: { device: string; src: string; target: string }): ArpAnnounce {
  const setting = maxConf(host, req.device, 'arp_announce');
  const steps: AnnounceStep[] = [];
  const add = (what: string): void => void steps.push({ n: steps.length + 1, what });
  const iface = host.interface(req.device);
  const done = (sender: string | null): ArpAnnounce => ({ ...req, setting, sender, own: sender !== null && ifaddrs(iface).some((a) => a.local === sender), steps });
  add(`a packet from ${req.src} leaves ${req.device} for ${req.target}, whose MAC is not known: who-has ${req.target}`);
  const mode = setting.value;
  const shown = `arp_announce ${mode ?? '?'} = max(all ${setting.all ?? '?'}, ${req.device} ${setting.own ?? '?'})`;
  if (mode === null) {
    add(`${shown}: unknown (the snapshot has no sysctls)`);
    return done(null);
  }
  const local = isLocalAddress(host, req.src);
  if (mode !== 1 && mode !== 2) {
    if (local) {
      add(`${shown}: any local source is announced: ${req.src}`);
      return done(req.src);
    }
    add(`${shown}: ${req.src} is not a local address, so the device picks one`);
  } else if (mode === 1) {
    const onlink = ifaddrs(iface).some((a) => ifaHolds(a, req.target) && ifaHolds(a, req.src));
    if (local && onlink) {
      add(`${shown}: ${req.src} and ${req.target} share a subnet of ${req.device}: ${req.src} is announced`);
      return done(req.src);
    }
    add(`${shown}: ${local ? `no subnet of ${req.device} holds both ${req.src} and ${req.target}` : `${req.src} is not local`}, so the device picks one`);
  } else {
    add(`${shown}: the source is never used, the device picks its best address`);
  }
  const picked = selectAddress(host, req.device, req.target);
  add(picked.reason);
  return done(picked.address);
}

/** inet_select_addr(dev, target, scope link). */
export function selectAddress(host: Host, device: string, target: string): { address: string; reason: string } {
  const iface = host.interface(device);
  const localnet = orConf(host, device, 'route_localnet') === true ? SCOPE_LINK : SCOPE_HOST;
  const primaries = ifaddrs(iface).filter((a) => !a.secondary && Math.min(a.scope, localnet) <= SCOPE_LINK);
  const inSubnet = primaries.find((a) => ifaHolds(a, target));
  if (inSubnet) return { address: inSubnet.local, reason: `${inSubnet.local}: the primary address of ${device} whose subnet holds ${target}` };
  if (primaries[0]) return { address: primaries[0].local, reason: `${primaries[0].local}: the first primary address of ${device} (none of its subnets holds ${target})` };
  const sorted = [...host.interfaces].sort((a, b) => a.index - b.index);
  for (const other of sorted) {
    const global = ifaddrs(other).find((a) => !a.secondary && a.scope !== SCOPE_LINK && a.scope <= SCOPE_LINK);
    if (global) return { address: global.local, reason: `${global.local}: ${device} has no usable address, so the first global primary of any interface (${other.name}) is used` };
  }
  return { address: '0.0.0.0', reason: `no usable address on any interface: the request carries 0.0.0.0` };
}

/**
 * Converters from iproute2's JSON (`ip -d -j addr show`, `ip -j route show table all`) to snapshot
 * records. Pure: they take the parsed JSON and return records, so they are tested on recorded output.
 * `ip -d -j addr show` carries the link details and the addresses in one call, which is why the
 * collector needs no separate `ip link`.
 */
import type { Address, Interface, NextHop, Route, RoutingRule } from '../snapshot/schema.js';

type Json = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : null);

/** ip prints masks as "0x4000" or "0"; either way a number comes out. */
export function parseMask(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string' || v.trim() === '') return null;
  const n = Number(v.trim());
  return Number.isInteger(n) && n >= 0 ? n : null;
}

/** The sysfs-only fields, filled in by the sysfs reader. */
export type SysfsFields = Pick<Interface,
  'arphrdType' | 'devtype' | 'addrAssignType' | 'nameAssignType' | 'driver' | 'devicePath' | 'speed' | 'duplex' | 'udev'>;

export const NO_SYSFS: SysfsFields = {
  arphrdType: null, devtype: null, addrAssignType: null, nameAssignType: null, driver: null, devicePath: null,
  speed: null, duplex: null, udev: null,
};

export function interfacesFromIpAddr(entries: unknown): Interface[] {
  if (!Array.isArray(entries)) throw new Error('ip -j addr show did not print a JSON array');
  return entries.map((raw) => interfaceFromIp(raw as Json));
}

function interfaceFromIp(l: Json): Interface {
  const linkinfo = (l.linkinfo ?? {}) as Json;
  const kind = str(linkinfo.info_kind);
  const infoData = (linkinfo.info_data ?? {}) as Json;
  const slaveKind = str(linkinfo.info_slave_kind);
  const slaveData = (linkinfo.info_slave_data ?? {}) as Json;
  const flags = Array.isArray(l.flags) ? l.flags.filter((f): f is string => typeof f === 'string') : [];
  return {
    index: int(l.ifindex) ?? -1,
    name: String(l.ifname),
    kind,
    kindData: kind === 'bridge' ? {} : infoData,
    // A vxlan names its lower device only inside info_data.
    link: str(l.link) ?? (kind === 'vxlan' ? str(infoData.link) : null),
    linkNetns: l.link_netnsid !== undefined,
    master: str(l.master),
    slaveKind,
    linkType: str(l.link_type),
    mac: macOrNull(l.address),
    permaddr: macOrNull(l.permaddr),
    mtu: int(l.mtu) ?? 0,
    flags,
    operstate: str(l.operstate),
    promiscuity: int(l.promiscuity),
    parentBus: str(l.parentbus),
    numTxQueues: int(l.num_tx_queues),
    numRxQueues: int(l.num_rx_queues),
    bridge: kind === 'bridge'
      ? {
          groupFwdMask: parseMask(infoData.group_fwd_mask) ?? 0,
          stpState: int(infoData.stp_state) ?? 0,
          vlanFiltering: infoData.vlan_filtering === 1 || infoData.vlan_filtering === true,
          vlanProtocol: str(infoData.vlan_protocol),
          groupAddr: str(infoData.group_addr),
        }
      : null,
    bridgePort: slaveKind === 'bridge'
      ? { groupFwdMask: parseMask(slaveData.group_fwd_mask), state: str(slaveData.state) ?? 'unknown', flags: booleans(slaveData) }
      : null,
    addresses: addressesFromIp(l.addr_info),
    ...NO_SYSFS,
  };
}

/** The boolean options among a port's slave data (flood, hairpin, isolated, ...). */
function booleans(data: Json): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const [k, v] of Object.entries(data)) if (typeof v === 'boolean') out[k] = v;
  return out;
}

/** Only 6-byte hardware addresses are MACs; an IP tunnel's address (an IPv4 address) is not. */
function macOrNull(address: unknown): string | null {
  return typeof address === 'string' && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(address) ? address : null;
}

function addressesFromIp(list: unknown): Address[] {
  if (!Array.isArray(list)) return [];
  const out: Address[] = [];
  for (const a of list as Json[]) {
    const family = a.family;
    if (family !== 'inet' && family !== 'inet6') continue;
    out.push({
      family,
      local: String(a.local),
      prefixlen: int(a.prefixlen) ?? (family === 'inet' ? 32 : 128),
      scope: str(a.scope),
      peer: str(a.address) !== str(a.local) ? str(a.address) : null,
      ...addressExtras(Object.keys(a).filter((k) => a[k] === true), lifetime(a.valid_life_time), lifetime(a.preferred_life_time)),
    });
  }
  return out;
}

/** ip's 0xffffffff lifetime is forever: no lifetime. */
const FOREVER = 4294967295;

function lifetime(v: unknown): number | null {
  const n = int(v);
  return n === null || n >= FOREVER ? null : n;
}

/** The optional address fields, present only when they say something (shared with the text reader). */
export function addressExtras(flags: string[], valid: number | null, preferred: number | null): Pick<Address, 'flags' | 'validLifetime' | 'preferredLifetime'> {
  return {
    ...(flags.length ? { flags } : {}),
    ...(valid === null ? {} : { validLifetime: valid }),
    ...(preferred === null ? {} : { preferredLifetime: preferred }),
  };
}

export function routesFromIp(entries: unknown, family: 'inet' | 'inet6'): Route[] {
  if (!Array.isArray(entries)) throw new Error('ip -j route show did not print a JSON array');
  return (entries as Json[]).map((r) => {
    const metrics = Array.isArray(r.metrics) ? (r.metrics as Json[]) : [];
    const mtuEntry = metrics.find((m) => m && typeof m === 'object' && 'mtu' in m);
    const expires = seconds(r.expires);
    return {
      family,
      table: str(r.table) ?? 'main',
      type: str(r.type) ?? 'unicast',
      dst: str(r.dst) ?? 'default',
      gateway: str(r.gateway),
      dev: str(r.dev),
      protocol: str(r.protocol),
      scope: str(r.scope),
      metric: int(r.metric),
      prefsrc: str(r.prefsrc),
      mtu: mtuEntry ? int(mtuEntry.mtu) : null,
      // Only routes that expire say so, as ip does.
      ...(expires === null ? {} : { expires }),
    };
  });
}

/** ip prints a route's lifetime as a number or as "1795sec" depending on its version. */
function seconds(v: unknown): number | null {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  const m = typeof v === 'string' ? /^(\d+)(sec)?$/.exec(v) : null;
  return m ? Number(m[1]) : null;
}

/** "10.0.0.0" with srclen 8 → "10.0.0.0/8"; "all" (any source) → null. */
function prefix(addr: unknown, len: unknown): string | null {
  const a = str(addr);
  if (a === null || a === 'all') return null;
  const l = int(len);
  return l === null ? a : `${a}/${l}`;
}

/** `ip -d -j rule show` (one family) to rule records; -d is what prints each rule's protocol. */
/** Selectors of `ip -j rule` that analysis does not evaluate. */
const UNMODELLED_SELECTORS = ['tos', 'dsfield', 'dscp', 'flowlabel', 'l3mdev', 'uid_start', 'ipproto', 'sport', 'dport', 'sport_start', 'dport_start', 'tun_id', 'suppress_ifgroup'];

export function rulesFromIp(entries: unknown, family: 'inet' | 'inet6'): RoutingRule[] {
  if (!Array.isArray(entries)) throw new Error('ip -j rule show did not print a JSON array');
  return (entries as Json[]).map((r) => {
    const fwmark = str(r.fwmark);
    const mask = str(r.fwmask);
    const target = int(r.goto);
    return {
      family,
      priority: int(r.priority),
      table: str(r.table),
      action: target !== null ? `goto ${target}` : str(r.action),
      protocol: str(r.protocol),
      src: prefix(r.src, r.srclen),
      dst: prefix(r.dst, r.dstlen),
      iif: str(r.iif),
      oif: str(r.oif),
      fwmark: fwmark === null ? null : mask === null ? fwmark : `${fwmark}/${mask}`,
      not: 'not' in r,
      ...(int(r.suppress_prefixlen) === null ? {} : { suppressPrefixlength: int(r.suppress_prefixlen)! }),
      ...(UNMODELLED_SELECTORS.some((k) => k in r) ? { unmodelled: UNMODELLED_SELECTORS.filter((k) => k in r) } : {}),
    };
  });
}

/** `ip -d -j nexthop show` to nexthop records. */
export function nexthopsFromIp(entries: unknown): NextHop[] {
  if (!Array.isArray(entries)) throw new Error('ip -j nexthop show did not print a JSON array');
  return (entries as Json[]).map((n) => {
    const id = int(n.id);
    if (id === null) throw new Error('ip -j nexthop show printed a nexthop without an id');
    const group = Array.isArray(n.group) ? (n.group as Json[]).map((g) => int(g.id)).filter((g): g is number => g !== null) : null;
    return { id, gateway: str(n.gateway), dev: str(n.dev), group, blackhole: 'blackhole' in n, protocol: str(n.protocol) };
  });
}

/**
 * ip names the ARPHRD type (sysfs `type`) with a fixed table; this is its inverse for the types a
 * network interface has in practice. An unknown name ("[N]" when ip has none) gives N or null.
 */
const ARPHRD_BY_NAME: Record<string, number> = {
  ether: 1, ieee802: 6, infiniband: 32, can: 280, ppp: 512, ipip: 768, tunnel6: 769, sit: 776, gre: 778,
  ip6gre: 823, loopback: 772, ieee80211: 801, 'ieee802.11/radiotap': 803, ieee802154: 804, none: 65534, void: 65535,
};

export function arphrdFromLinkType(linkType: string | null): number | null {
  if (linkType === null) return null;
  const unnamed = /^\[(\d+)\]$/.exec(linkType);
  if (unnamed) return Number(unnamed[1]);
  return ARPHRD_BY_NAME[linkType] ?? null;
}

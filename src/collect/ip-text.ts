/**
 * Converters from iproute2's text output (`ip -d address`, `ip -s -d link`, `ip route show table all`)
 * to snapshot records: what support bundles hold, since sos runs ip without -j. They give the same
 * records as the JSON converters in ip.ts for everything the text prints (a differential test compares
 * them on a real namespace); what the text leaves out (-d missing: no kind, no bridge facts) stays null.
 */
import type { Address, Interface, Route } from '../snapshot/schema.js';
import { addressExtras, NO_SYSFS, parseMask } from './ip.js';

/** The first line of each link: `N: NAME[@LINK]: <FLAGS> mtu M ...`. */
const HEADER = /^(\d+):\s+([^\s:@]+(?:@[^\s:]+)?):\s+<([^>]*)>(.*)$/;

/** Words that start a detail line but are not a link kind. */
const NOT_A_KIND = new Set(['altname', 'inet', 'inet6', 'RX:', 'TX:', 'vf', 'prop', 'alias', 'link/none', 'valid_lft', 'preferred_lft']);

export function interfacesFromIpText(text: string): Interface[] {
  const blocks: string[][] = [];
  for (const line of text.split('\n')) {
    if (HEADER.test(line)) blocks.push([line]);
    else if (blocks.length > 0 && line.trim() !== '') blocks[blocks.length - 1]!.push(line);
  }
  return blocks.map(interfaceFromBlock);
}

function interfaceFromBlock([header, ...details]: string[]): Interface {
  const [, index, nameAt, flagText, rest] = HEADER.exec(header!)!;
  const [name, link] = splitAt(nameAt!);
  const head = pairs(rest!);
  const iface: Interface = {
    index: Number(index), name, kind: null, kindData: {}, link: link === 'NONE' ? null : link, linkNetns: false,
    master: head.get('master') ?? null, slaveKind: null, linkType: null, mac: null, permaddr: null,
    mtu: intOr(head.get('mtu'), 0), flags: flagText!.split(',').filter(Boolean), operstate: head.get('state') ?? null,
    promiscuity: null, parentBus: null, numTxQueues: null, numRxQueues: null, bridge: null, bridgePort: null,
    addresses: [], ...NO_SYSFS,
  };
  for (let i = 0; i < details.length; i++) {
    const line = details[i]!.trim();
    const word = line.split(/\s+/)[0]!;
    if (word.startsWith('link/')) readLinkLine(iface, line);
    else if (word === 'inet' || word === 'inet6') iface.addresses.push(addressFromLine(line));
    else if (word === 'valid_lft' && iface.addresses.length > 0) readLifetimes(iface.addresses[iface.addresses.length - 1]!, line);
    else if (/^(RX|TX):/.test(word)) i++; // the counters line below it
    else if (word.endsWith('_slave')) readSlaveLine(iface, word.slice(0, -'_slave'.length), line);
    else if (/^[a-z][a-z0-9_]*$/.test(word) && !NOT_A_KIND.has(word) && iface.kind === null && !/^\d/.test(word)) readKindLine(iface, word, line);
    readQueues(iface, line);
  }
  return iface;
}

/** `veth0@if5` is veth0 whose peer is ifindex 5 in another namespace; `eth0.10@eth0` names its parent. */
function splitAt(nameAt: string): [string, string | null] {
  const at = nameAt.indexOf('@');
  return at < 0 ? [nameAt, null] : [nameAt.slice(0, at), nameAt.slice(at + 1)];
}

function readLinkLine(iface: Interface, line: string): void {
  const words = line.split(/\s+/);
  iface.linkType = words[0]!.slice('link/'.length);
  // ip prints the address of an IP tunnel here too; only a 6-byte one is a MAC.
  iface.mac = macOrNull(words[1]);
  const kv = pairs(line);
  iface.permaddr = macOrNull(kv.get('permaddr'));
  if (kv.has('link-netnsid') || kv.has('link-netns')) iface.linkNetns = true;
  iface.promiscuity = intOr(kv.get('promiscuity'), null);
}

function readKindLine(iface: Interface, kind: string, line: string): void {
  iface.kind = kind;
  const kv = pairs(line.slice(kind.length));
  if (kind === 'bridge') {
    iface.bridge = {
      groupFwdMask: parseMask(kv.get('group_fwd_mask')) ?? 0,
      stpState: intOr(kv.get('stp_state'), 0),
      vlanFiltering: kv.get('vlan_filtering') === '1',
      vlanProtocol: kv.get('vlan_protocol') ?? null,
      groupAddr: kv.get('group_address') ?? null,
    };
    return;
  }
  iface.kindData = kindData(kind, kv);
  if (kind === 'vxlan' && iface.link === null) iface.link = kv.get('dev') ?? null;
}

/** The few kind facts analysis reads, in the form ip's JSON gives them. */
function kindData(kind: string, kv: Map<string, string>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  const text = (key: string, as = key): void => {
    if (kv.has(key)) data[as] = kv.get(key);
  };
  const num = (key: string, as = key): void => {
    const n = intOr(kv.get(key), null);
    if (n !== null) data[as] = n;
  };
  if (kind === 'macvlan' || kind === 'macvtap' || kind === 'ipvlan') text('mode');
  if (kind === 'tun') text('type');
  if (kind === 'bond') text('mode');
  if (kind === 'vlan') {
    text('protocol');
    num('id');
  }
  if (kind === 'vxlan') {
    num('id');
    text('dev', 'link');
    num('dstport', 'port');
  }
  return data;
}

function readSlaveLine(iface: Interface, slaveKind: string, line: string): void {
  iface.slaveKind = slaveKind;
  if (slaveKind !== 'bridge') return;
  const kv = pairs(line.slice(`${slaveKind}_slave`.length));
  const flags: Record<string, boolean> = {};
  // iproute2 prints fast leave twice in text (fastleave, mcast_fast_leave) and once in JSON (fastleave).
  for (const [k, v] of kv) if ((v === 'on' || v === 'off') && k !== 'mcast_fast_leave') flags[k] = v === 'on';
  iface.bridgePort = { groupFwdMask: parseMask(kv.get('group_fwd_mask')), state: kv.get('state') ?? 'unknown', flags };
}

function readQueues(iface: Interface, line: string): void {
  const kv = pairs(line);
  if (kv.has('numtxqueues')) iface.numTxQueues = intOr(kv.get('numtxqueues'), null);
  if (kv.has('numrxqueues')) iface.numRxQueues = intOr(kv.get('numrxqueues'), null);
  if (kv.has('parentbus')) iface.parentBus = kv.get('parentbus') ?? null;
}

/** `inet 10.0.0.1/24 brd 10.0.0.255 scope global eth0`, `inet 10.0.0.1 peer 10.0.0.2/32 scope global tun0`. */
function addressFromLine(line: string): Address {
  const words = line.split(/\s+/);
  const family = words[0] === 'inet6' ? 'inet6' : 'inet';
  const kv = pairs(line);
  const [local, localLen] = splitPrefix(words[1] ?? '');
  const peerText = kv.get('peer');
  const [peer, peerLen] = peerText ? splitPrefix(peerText) : [null, null];
  const prefixlen = peerLen ?? localLen ?? (family === 'inet' ? 32 : 128);
  const flags = words.slice(words.indexOf('scope') + 1).filter((w) => ADDRESS_FLAGS.has(w));
  return { family, local, prefixlen, scope: kv.get('scope') ?? null, peer, ...addressExtras(flags, null, null) };
}

/** The flag words ip prints after an address's scope (the JSON has each as a key set to true). */
const ADDRESS_FLAGS = new Set(['secondary', 'temporary', 'nodad', 'optimistic', 'dadfailed', 'home', 'deprecated', 'tentative',
  'dynamic', 'mngtmpaddr', 'noprefixroute', 'autojoin', 'stable-privacy']);

/** `valid_lft 86400sec preferred_lft 14400sec` (or `forever`), the line below an address. */
function readLifetimes(address: Address, line: string): void {
  const kv = pairs(line);
  const secs = (v: string | undefined): number | null => (v && /^\d+sec$/.test(v) ? Number(v.slice(0, -3)) : null);
  Object.assign(address, addressExtras(address.flags ?? [], secs(kv.get('valid_lft')), secs(kv.get('preferred_lft'))));
}

function splitPrefix(text: string): [string, number | null] {
  const slash = text.indexOf('/');
  return slash < 0 ? [text, null] : [text.slice(0, slash), intOr(text.slice(slash + 1), null)];
}

/** Route types ip prints before the destination; unicast is not printed. */
const ROUTE_TYPES = new Set(['local', 'broadcast', 'multicast', 'anycast', 'unreachable', 'prohibit', 'blackhole', 'throw', 'nat', 'unicast']);

/**
 * `family` null reads the output of `ip route show table all` without -4/-6, which holds both families:
 * each route's family is that of its addresses (IPv6 routes also always carry `pref`).
 */
export function routesFromIpText(text: string, family: 'inet' | 'inet6' | null): Route[] {
  const routes: Route[] = [];
  for (const raw of text.split('\n')) {
    // A multipath route's `nexthop` lines are indented below it; its gateway is theirs, not its own.
    if (raw.trim() === '' || /^\s/.test(raw) || raw.startsWith('Error')) continue;
    const words = raw.trim().split(/\s+/);
    const type = ROUTE_TYPES.has(words[0]!) ? words.shift()! : 'unicast';
    const dst = words.shift() ?? 'default';
    const kv = pairs(words.join(' '));
    const mtu = kv.get('mtu') === 'lock' ? lockedMtu(words) : intOr(kv.get('mtu'), null);
    const expires = /^\d+sec$/.test(kv.get('expires') ?? '') ? Number(kv.get('expires')!.slice(0, -3)) : null;
    routes.push({
      family: family ?? (/:/.test(dst) || /:/.test(kv.get('via') ?? '') || kv.has('pref') ? 'inet6' : 'inet'), table: kv.get('table') ?? 'main', type, dst, gateway: gatewayOf(words, kv),
      dev: kv.get('dev') ?? null, protocol: kv.get('proto') ?? null, scope: kv.get('scope') ?? null,
      metric: intOr(kv.get('metric'), null), prefsrc: kv.get('src') ?? null, mtu,
      ...(expires === null ? {} : { expires }),
    });
  }
  return routes;
}

/** `via 10.0.0.1`, or `via inet6 fe80::1` for a gateway of the other family. */
function gatewayOf(words: string[], kv: Map<string, string>): string | null {
  const via = kv.get('via');
  return via === 'inet' || via === 'inet6' ? words[words.indexOf('via') + 2] ?? null : via ?? null;
}

function lockedMtu(words: string[]): number | null {
  const i = words.indexOf('mtu');
  return intOr(words[i + 2], null);
}

/**
 * Every word of a line mapped to the word after it. ip prints `key value` pairs and single flags in one
 * run, so a flag maps to the next key; readers only ask for keys that take a value.
 */
function pairs(text: string): Map<string, string> {
  const words = text.trim().split(/\s+/);
  const kv = new Map<string, string>();
  for (let i = 0; i + 1 < words.length; i++) if (!kv.has(words[i]!)) kv.set(words[i]!, words[i + 1]!);
  return kv;
}

function intOr<T>(text: string | undefined, fallback: T): number | T {
  return text !== undefined && /^-?\d+$/.test(text) ? Number(text) : fallback;
}

function macOrNull(text: string | undefined): string | null {
  return text !== undefined && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(text) ? text : null;
}

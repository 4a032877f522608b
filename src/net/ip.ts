/**
 * IP addresses and prefixes, both families: the one place hostnet tests, compares and computes them.
 * Parsing and arithmetic come from the `ip-address` library (docs/architecture.md says why that one);
 * this module only fixes the forms hostnet accepts (no zone ids, no prefix on a bare address) and the
 * names the rest of the code uses ('inet' / 'inet6', as iproute2 and the snapshot write them).
 */
import { Address4, Address6 } from 'ip-address';

export type IpFamily = 'inet' | 'inet6';

/** A dotted-quad IPv4 address (no leading zeros, no prefix length). */
export function isIPv4(s: string): boolean {
  return familyOf(s) === 'inet';
}

/** An IPv6 address in any RFC 4291 text form, an embedded IPv4 tail included (no zone id, no prefix length). */
export function isIPv6(s: string): boolean {
  return familyOf(s) === 'inet6';
}

// The library's checks are slow on text of the other family (it throws and catches), and rules ask
// the same few addresses again and again (every NAD against every node): each text is judged once.
const families = new Map<string, IpFamily | null>();
const KEPT = 10_000;

/** A canonical dotted quad (each part 0-255, no leading zero): valid for the library too, decided without it. */
const DOTTED_QUAD = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function familyOf(address: string): IpFamily | null {
  let family = families.get(address);
  if (family === undefined) {
    family = DOTTED_QUAD.test(address) ? 'inet'
      : address.includes('/') ? null
      : address.includes(':') ? (!address.includes('%') && Address6.isValid(address) ? 'inet6' : null)
        : Address4.isValid(address) ? 'inet' : null;
    if (families.size >= KEPT) families.clear();
    families.set(address, family);
  }
  return family;
}

export function isIp(s: string): boolean {
  return familyOf(s) !== null;
}

export interface Prefix {
  /** The address as written (lower-case), host bits kept. */
  address: string;
  prefixlen: number;
  family: IpFamily;
}

/** `a.b.c.d/n` or `x::y/n` with a prefix length valid for its family; null otherwise. */
export function parsePrefix(s: string): Prefix | null {
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(s.trim());
  if (!m) return null;
  const family = familyOf(m[1]!);
  const prefixlen = Number(m[2]);
  if (family === null || prefixlen > maxPrefixLength(family)) return null;
  return { address: m[1]!.toLowerCase(), prefixlen, family };
}

export function isCidr(s: string): boolean {
  return !/\s/.test(s) && parsePrefix(s) !== null;
}

export function maxPrefixLength(family: IpFamily): number {
  return family === 'inet' ? 32 : 128;
}

type Address = Address4 | Address6;

function address(text: string, family: IpFamily, prefixlen?: number): Address {
  const withLen = prefixlen === undefined ? text : `${text}/${prefixlen}`;
  return family === 'inet' ? new Address4(withLen) : new Address6(withLen);
}

/** The text form: dotted quad, or RFC 5952 (what iproute2 prints). */
function text(a: Address): string {
  return a.correctForm();
}

function fromBigInt(n: bigint, family: IpFamily): string {
  return family === 'inet' ? Address4.fromBigInt(n).correctForm() : Address6.fromBigInt(n).correctForm();
}

/** `192.168.0.1/24` → `192.168.0.0/24`, `2001:db8::5/64` → `2001:db8::/64`; other text is returned as it is. */
export function networkPrefix(cidr: string): string {
  const p = parsePrefix(cidr);
  if (!p) return cidr;
  return `${text(address(p.address, p.family, p.prefixlen).startAddress())}/${p.prefixlen}`;
}

/**
 * Does `ip` lie in `cidr`? `cidr` may be `default` (the IPv4 default route, as in the routes
 * hostnet reads) or a bare address (a host route). Different families never match.
 */
export function inPrefix(ip: string, cidr: string): boolean {
  const [net, lenText] = cidr === 'default' ? ['0.0.0.0', '0'] : cidr.split('/');
  const a = addressValue(ip);
  const n = addressValue(net!);
  if (a === null || n === null || a.family !== n.family) return false;
  const width = maxPrefixLength(a.family);
  const len = lenText === undefined ? width : Number(lenText);
  if (!Number.isInteger(len) || len < 0 || len > width) return false;
  const hostBits = BigInt(width - len);
  return a.value >> hostBits === n.value >> hostBits;
}

const values = new Map<string, { family: IpFamily; value: bigint } | null>();

function addressValue(text: string): { family: IpFamily; value: bigint } | null {
  let v = values.get(text);
  if (v === undefined) {
    const family = familyOf(text);
    v = family === null ? null : { family, value: address(text, family).bigInt() };
    if (values.size >= KEPT) values.clear();
    values.set(text, v);
  }
  return v;
}

/**
 * The address `offset` places into `cidr`'s subnet (0 the network address; a negative offset counts back
 * from the last, -1 being it); null for text that is not a prefix or an offset outside the subnet.
 */
export function addressInPrefix(cidr: string, offset: number): string | null {
  const p = parsePrefix(cidr);
  if (!p) return null;
  const subnet = address(p.address, p.family, p.prefixlen);
  const first = subnet.startAddress().bigInt();
  const last = subnet.endAddress().bigInt();
  const n = offset >= 0 ? first + BigInt(offset) : last + 1n + BigInt(offset);
  return n < first || n > last ? null : fromBigInt(n, p.family);
}

/**
 * An address of `local/len`'s subnet other than `local` (Calico/VPP's pick for a "fake" next hop,
 * vpp_runner.go pickNextHopIP): the one before the last, or after the first when that is `local`
 * itself; null when the subnet has no such address (a /32 or /128).
 */
export function subnetHop(local: string, len: number): string | null {
  const family = familyOf(local);
  if (family === null || len < 0 || len > maxPrefixLength(family)) return null;
  const subnet = address(local, family, len);
  const first = subnet.startAddress().bigInt();
  const last = subnet.endAddress().bigInt();
  const self = address(local, family).bigInt();
  let hop = last - 1n;
  if (hop === self) hop = first + 1n;
  return hop >= first && hop <= last ? fromBigInt(hop, family) : null;
}

/**
 * Router advertisements on a link systemd-networkd configures. networkd takes RAs in user space (its
 * own NDisc client) and writes the kernel's accept_ra of the link to 0, so the kernel's
 * forwarding/accept_ra pair no longer decides anything there; networkd's IPv6AcceptRA= does.
 *
 * Its default (networkd-ndisc.c): off where the link has no IPv6 link-local address (LinkLocalAddressing=
 * without ipv6, which a Bridge= port defaults to), else IPv6AcceptRA= when set, else off when networkd
 * itself forwards IPv6 on the link, else on. "networkd forwards" is, before 256, IPForward=yes|ipv6 or
 * IPMasquerade=ipv6|both in the `.network`; from 256, IPv6Forwarding= of the `.network`, else
 * IPMasquerade=ipv6|both, else networkd.conf's IPv6Forwarding=. The kernel's forwarding sysctl (what
 * Docker or k3s turn on) is never consulted. Checked against the real daemons in
 * test/system/networkd-ra.test.ts.
 */
import type { Sourced } from '../link/config.js';
import type { LinkNetwork } from './links.js';
import type { NetworkdConfig } from './load.js';
import { IPV6_FORWARDING_SINCE } from './versions.js';

export type NetworkdRaReason = 'set' | 'forwarding' | 'default' | 'no-link-local';

export interface NetworkdRa {
  /** networkd acts on router advertisements on the link. */
  accepts: boolean;
  /** What decided: IPv6AcceptRA= itself, networkd's own forwarding, the plain default, or no IPv6 link-local address. */
  reason: NetworkdRaReason;
  /** The setting that decided, as `Key=value` with its file and line; null for a default. */
  setting: Sourced<string> | null;
}

/** Link kinds that get no IPv6 link-local address, so no NDisc (link_may_have_ipv6ll()). */
const NO_LINK_LOCAL_KINDS = new Set(['wireguard', 'ipip', 'gre', 'sit', 'vti', 'nlmon', 'xfrm', 'vrf']);

const keyed = <T>(key: string, s: Sourced<T>, shown: string = String(s.value)): Sourced<string> => ({ value: `${key}=${shown}`, file: s.file, line: s.line });

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');

/** Whether networkd forwards IPv6 on the link by its own configuration, and the setting that says so. */
function networkdForwards(ln: LinkNetwork, cfg: NetworkdConfig): Sourced<string> | null {
  const s = ln.network!.settings;
  const masq = s.ipMasquerade && (s.ipMasquerade.value === 'ipv6' || s.ipMasquerade.value === 'both') ? keyed('IPMasquerade', s.ipMasquerade) : null;
  if (cfg.systemdVersion < IPV6_FORWARDING_SINCE) {
    if (s.ipForward && (s.ipForward.value === 'yes' || s.ipForward.value === 'ipv6')) return keyed('IPForward', s.ipForward);
    return masq;
  }
  if (s.ipv6Forwarding) return s.ipv6Forwarding.value ? keyed('IPv6Forwarding', s.ipv6Forwarding, 'yes') : null;
  if (masq) return masq;
  return cfg.ipv6Forwarding?.value ? keyed('IPv6Forwarding', cfg.ipv6Forwarding, 'yes') : null;
}

/** True when the link gets an IPv6 link-local address; else the setting that turns it off. */
function hasLinkLocal(ln: LinkNetwork): Sourced<string> | null | true {
  const s = ln.network!.settings;
  const ll = s.linkLocalAddressing;
  if (ll) return ll.value === 'yes' || ll.value === 'ipv6' || ll.value === 'fallback' ? true : keyed('LinkLocalAddressing', ll);
  if (s.bridge) return keyed('Bridge', s.bridge);
  return true;
}

/** networkd's choice for a link it configures; null when networkd does not configure the link. */
export function networkdRa(ln: LinkNetwork, cfg: NetworkdConfig): NetworkdRa | null {
  if (!ln.managed || !ln.network) return null;
  if (ln.iface.flags.includes('LOOPBACK') || ln.iface.arphrdType === 772) return null;
  if (NO_LINK_LOCAL_KINDS.has(ln.iface.kind ?? '')) return { accepts: false, reason: 'no-link-local', setting: null };
  const ll = hasLinkLocal(ln);
  if (ll !== true) return { accepts: false, reason: 'no-link-local', setting: ll };
  const set = ln.network.settings.ipv6AcceptRa;
  if (set) return { accepts: set.value, reason: 'set', setting: keyed('IPv6AcceptRA', set, yesNo(set.value)) };
  const fwd = networkdForwards(ln, cfg);
  if (fwd) return { accepts: false, reason: 'forwarding', setting: fwd };
  return { accepts: true, reason: 'default', setting: null };
}

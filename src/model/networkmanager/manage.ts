/**
 * Whether NetworkManager manages an interface it did not create, from its configuration and the
 * interface's state, in the daemon's order of precedence (src/core/devices/nm-device.c,
 * _get_managed_by_flags; NetworkManager 1.42, Debian 12):
 *
 * 1. `[keyfile] unmanaged-devices=` matching the device: unmanaged, whatever else says (only a runtime
 *    `nmcli device set IF managed yes` overrides it).
 * 2. `[device*] managed=` in the first matching section that sets it: overrides udev and the defaults.
 * 3. udev's `NM_UNMANAGED` property (NetworkManager's own 85-nm-unmanaged.rules sets it on veths not
 *    named eth*): overrides the defaults.
 * 4. Defaults: a software device (vxlan, veth, bridge, tunnel, ...) someone else created is left alone
 *    while it is down or carries no address ("external-down"); once it is UP with an IPv4 address, a
 *    non-link-local IPv6 address, a master or ports, NetworkManager takes it over. Hardware NICs are
 *    managed.
 */
import type { Interface } from '../../snapshot/schema.js';
import type { Host } from '../host.js';
import { ethtoolDriverForKind } from '../link/device.js';
import { type NmConfig, type NmOrigin } from './config.js';
import { matchSpecs, splitSpecs, type NmDeviceFacts } from './spec.js';

export type NmDecisionSource = 'unmanaged-devices' | 'device-section' | 'udev' | 'external-down' | 'default' | 'loopback';

export interface NmDecision {
  managed: boolean;
  source: NmDecisionSource;
  /** Why, in a sentence. */
  reason: string;
  origin: NmOrigin | null;
}

/** NetworkManager's type name for an rtnetlink kind (the device class name it uses, lower-cased). */
const TYPE_BY_KIND: Record<string, string> = {
  veth: 'ethernet', vxlan: 'vxlan', bridge: 'bridge', bond: 'bond', team: 'team', tun: 'tun', dummy: 'dummy',
  macvlan: 'macvlan', macvtap: 'macvlan', ipvlan: 'ipvlan', vlan: 'vlan', vrf: 'vrf', wireguard: 'wireguard',
  ipip: 'iptunnel', gre: 'iptunnel', gretap: 'iptunnel', sit: 'iptunnel', ip6tnl: 'iptunnel', ip6gre: 'iptunnel',
  ip6gretap: 'iptunnel', vti: 'iptunnel', vti6: 'iptunnel', macsec: 'macsec', '6lowpan': '6lowpan', hsr: 'hsr',
  geneve: 'geneve', openvswitch: 'ovs-interface',
};

export function nmDeviceFacts(iface: Interface): NmDeviceFacts {
  const type = iface.kind === null ? (iface.linkType === 'infiniband' ? 'infiniband' : 'ethernet') : (TYPE_BY_KIND[iface.kind] ?? 'generic');
  const driver = iface.udev?.ID_NET_DRIVER ?? iface.driver ?? ethtoolDriverForKind(iface.kind);
  return { name: iface.name, mac: iface.permaddr ?? iface.mac, type, driver };
}

/** Hardware devices have a kind of null in rtnetlink; everything with a kind is software. */
function isSoftware(iface: Interface): boolean {
  return iface.kind !== null;
}

/** nm-linux-platform's link_can_assume: UP, and a master, or an IPv4 or non-link-local IPv6 address. */
function canAssume(host: Host, iface: Interface): boolean {
  if (!iface.flags.includes('UP')) return false;
  if (iface.master !== null || host.ports(iface.name).length > 0) return true;
  return iface.addresses.some((a) => a.family === 'inet' || !/^fe[89ab]/i.test(a.local));
}

/** NetworkManager's 85-nm-unmanaged.rules for a device whose udev database was not collected. */
function shippedUdevRule(iface: Interface, facts: NmDeviceFacts): boolean | null {
  if (facts.driver === 'veth' && !/^eth[0-9]/.test(iface.name)) return true;
  return null;
}

export function nmDecision(host: Host, config: NmConfig, iface: Interface): NmDecision {
  if (iface.flags.includes('LOOPBACK') || iface.name === 'lo') {
    return { managed: false, source: 'loopback', reason: 'the loopback device is not left to connection profiles', origin: null };
  }
  const facts = nmDeviceFacts(iface);
  const unmanaged = config.values.get('keyfile')?.get('unmanaged-devices');
  if (unmanaged) {
    const m = matchSpecs(splitSpecs(unmanaged.value), facts);
    if (m.result === 'match') {
      return { managed: false, source: 'unmanaged-devices', reason: `[keyfile] unmanaged-devices= lists it${m.spec ? ` (${m.spec})` : ''}`, origin: unmanaged.origin };
    }
  }
  const section = deviceManaged(config, facts);
  if (section) return section;
  const udev = iface.udev?.NM_UNMANAGED ?? null;
  if (udev !== null && /^(1|0|true|false|yes|no)$/i.test(udev)) {
    const un = /^(1|true|yes)$/i.test(udev);
    return { managed: !un, source: 'udev', reason: `udev sets NM_UNMANAGED=${udev} on it`, origin: null };
  }
  if (iface.udev === null && shippedUdevRule(iface, facts)) {
    return { managed: false, source: 'udev', reason: 'NetworkManager\'s 85-nm-unmanaged.rules marks veths not named eth* NM_UNMANAGED=1 (udev database not collected)', origin: null };
  }
  if (isSoftware(iface) && !canAssume(host, iface)) {
    return { managed: false, source: 'external-down', reason: 'a software device created by someone else, down or without an address: left alone until it is UP with one', origin: null };
  }
  return {
    managed: true, source: 'default',
    reason: isSoftware(iface) ? 'a software device created by someone else, UP with an address or ports: NetworkManager takes it over' : 'a hardware device: managed by default',
    origin: null,
  };
}

/** The first [device*] section that matches the device and sets managed=, with stop-match honoured. */
function deviceManaged(config: NmConfig, facts: NmDeviceFacts): NmDecision | null {
  for (const s of config.deviceSections) {
    if (s.match !== null && matchSpecs(s.match, facts).result !== 'match') continue;
    const v = s.keys.get('managed');
    const b = v ? parseBool(v.value) : null;
    if (v && b !== null) {
      return { managed: b, source: 'device-section', reason: `[${s.name}] managed=${v.value.trim()}${s.match ? ` (match-device=${s.match.join(',')})` : ''}`, origin: v.origin };
    }
    if (s.stopMatch) return null;
  }
  return null;
}

function parseBool(v: string): boolean | null {
  const t = v.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(t)) return true;
  if (['0', 'false', 'no', 'off'].includes(t)) return false;
  return null;
}

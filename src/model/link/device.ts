/**
 * What udevd knows about a network device when it applies `.link` files: its name, the ethtool
 * driver, the rtnetlink kind, the ARPHRD type and DEVTYPE, current and permanent hardware address,
 * how the kernel assigned the address and the name, and the device's udev properties.
 */
import type { Host } from '../host.js';
import type { Interface } from '../../snapshot/schema.js';
import { ARPHRD_ETHER, ARPHRD_LOOPBACK, arphrdName } from './arphrd.js';
import { parseHwAddr } from '../../net/mac.js';

export interface LinkDevice {
  name: string;
  ifindex: number | null;
  /** rtnetlink kind (veth, bridge, tun, ...); null for physical NICs. */
  kind: string | null;
  /** The driver name udevd matches Driver= with: what ethtool reports (ETHTOOL_GDRVINFO). */
  driver: string | null;
  /** ARPHRD_* number (/sys/class/net/IF/type). */
  arphrdType: number | null;
  /** DEVTYPE from the uevent (bridge, vxlan, wlan, ...). */
  devtype: string | null;
  mac: string | null;
  /** The permanent address udevd reads (IFLA_PERM_ADDRESS); null when the device has none. */
  permanentMac: string | null;
  /** 0 permanent, 1 random, 2 stolen, 3 set; null when unknown (udevd then reads it as 0). */
  addrAssignType: number | null;
  /** 0 unknown, 1 enumerated, 2 predictable, 3 user, 4 renamed; null when unknown. */
  nameAssignType: number | null;
  loopback: boolean;
  /** udev properties at the time net_setup_link runs (uevent, ACTION, and the earlier builtins'). */
  properties: Record<string, string>;
  /**
   * Addresses the kernel refuses for this device with EADDRINUSE: a macvlan cannot take the address
   * of its lower device or of another macvlan on the same lower device.
   */
  busyMacs: string[];
  /** Where a field was inferred rather than read. */
  notes: string[];
}

/**
 * The driver ethtool reports for virtual devices, by rtnetlink kind. sysfs has no driver link for
 * them; these are the names the kernel drivers put in ETHTOOL_GDRVINFO (checked against udevd's
 * ID_NET_DRIVER here for tun, veth, bridge, macvlan, macvtap, vxlan and ifb).
 */
const ETHTOOL_DRIVER_BY_KIND: Record<string, string> = {
  tun: 'tun', veth: 'veth', bridge: 'bridge', macvlan: 'macvlan', macvtap: 'macvlan', vxlan: 'vxlan', ifb: 'ifb',
  bond: 'bonding', dummy: 'dummy', vlan: '802.1Q VLAN Support', ipvlan: 'ipvlan', ipvtap: 'ipvlan',
  wireguard: 'wireguard', geneve: 'geneve', vrf: 'vrf', team: 'team', macsec: 'macsec', netdevsim: 'netdevsim',
  // Not loadable on the test machine's kernel: from net/openvswitch/vport-internal_dev.c and drivers/net/netkit.c.
  openvswitch: 'openvswitch', netkit: 'netkit',
};

/**
 * Properties udevd's net_setup_link itself sets after matching: not there yet when it matches.
 * ID_NET_DRIVER is set before matching (versions.ts, driver-before-match), from the driver.
 */
const SET_BY_NET_SETUP_LINK = new Set(['ID_NET_LINK_FILE', 'ID_NET_LINK_FILE_DROPINS', 'ID_NET_NAME', 'ID_NET_DRIVER']);

/** The properties net_setup_link matches against: the device's, plus ID_NET_DRIVER when the driver is known. */
function withDriver(properties: Record<string, string>, driver: string | null): Record<string, string> {
  if (driver !== null) properties.ID_NET_DRIVER = driver;
  return properties;
}

export function ethtoolDriverForKind(kind: string | null): string | null {
  return kind === null ? null : ETHTOOL_DRIVER_BY_KIND[kind] ?? null;
}

/**
 * The permanent address udevd sees. The kernel fills it only for devices registered with a
 * permanent address (addr_assign_type 0); `ip` prints `permaddr` only when it differs from the
 * current address, so a device still on type 0 has its current address as permanent one.
 */
function permanentAddress(iface: Pick<Interface, 'permaddr' | 'addrAssignType' | 'mac'>): string | null {
  if (iface.permaddr) return iface.permaddr;
  if (iface.addrAssignType === 0 && iface.mac && iface.mac !== '00:00:00:00:00:00') return iface.mac;
  return null;
}

function baseProperties(name: string, ifindex: number | null, devtype: string | null, devpath: string): Record<string, string> {
  const props: Record<string, string> = { ACTION: 'add', SUBSYSTEM: 'net', INTERFACE: name, DEVPATH: devpath };
  if (ifindex !== null) props.IFINDEX = String(ifindex);
  if (devtype) props.DEVTYPE = devtype;
  return props;
}

export function linkDeviceFromInterface(host: Host, iface: Interface): LinkDevice {
  const notes: string[] = [];
  const db = iface.udev ?? {};
  let driver = db.ID_NET_DRIVER ?? iface.driver ?? null;
  if (driver === null && iface.kind !== null) {
    driver = ethtoolDriverForKind(iface.kind);
    if (driver === null) notes.push(`the ethtool driver of kind ${iface.kind} is not known to hostnet; Driver= is treated as not matching`);
  }
  const devpath = iface.devicePath
    ? `${iface.devicePath.replace(/^\/sys/, '')}/net/${iface.name}`
    : `/devices/virtual/net/${iface.name}`;
  const properties = baseProperties(iface.name, iface.index, iface.devtype, devpath);
  for (const [k, v] of Object.entries(db)) if (!SET_BY_NET_SETUP_LINK.has(k)) properties[k] = v;
  const loopback = iface.flags.includes('LOOPBACK') || iface.arphrdType === ARPHRD_LOOPBACK;
  const busyMacs: string[] = [];
  if ((iface.kind === 'macvlan' || iface.kind === 'macvtap') && iface.link && !iface.linkNetns) {
    const lower = host.interface(iface.link);
    if (lower?.mac) busyMacs.push(lower.mac);
    for (const sibling of host.children(iface.link)) {
      if (sibling.name !== iface.name && (sibling.kind === 'macvlan' || sibling.kind === 'macvtap') && sibling.mac) busyMacs.push(sibling.mac);
    }
  }
  return {
    name: iface.name,
    ifindex: iface.index,
    kind: iface.kind,
    driver,
    arphrdType: iface.arphrdType,
    devtype: iface.devtype,
    mac: iface.mac,
    permanentMac: permanentAddress(iface),
    addrAssignType: iface.addrAssignType,
    nameAssignType: iface.nameAssignType ?? null,
    loopback,
    properties: withDriver(properties, driver),
    busyMacs,
    notes,
  };
}

const ADDR_ASSIGN: Record<string, number> = { perm: 0, permanent: 0, random: 1, stolen: 2, set: 3 };
const NAME_ASSIGN: Record<string, number> = { unknown: 0, enum: 1, predictable: 2, user: 3, renamed: 4 };
const ARPHRD_BY_NAME: Record<string, number> = { ether: 1, infiniband: 32, none: 65534, loopback: 772 };

export class DeviceSpecError extends Error {}

/**
 * A device that does not exist yet, from `name=ens2f0,driver=tun,kind=tun,addrAssignType=random`.
 * Keys: name (required), driver, kind, type (ether, none, infiniband or a number), devtype, mac,
 * permaddr, addrAssignType (perm, random, stolen, set or 0-3), nameAssignType (unknown, enum,
 * predictable, user, renamed or 0-4), and upper-case udev properties (ID_NET_NAME_PATH=enp3s0, ...).
 */
export function linkDeviceFromSpec(spec: string): LinkDevice {
  const fields: Record<string, string> = {};
  const properties: Record<string, string> = {};
  for (const part of spec.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new DeviceSpecError(`expected KEY=VALUE, got ${JSON.stringify(part)}`);
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (/^[A-Z_][A-Z0-9_]*$/.test(key)) properties[key] = value;
    else fields[key] = value;
  }
  const known = new Set(['name', 'driver', 'kind', 'type', 'devtype', 'mac', 'permaddr', 'addrAssignType', 'nameAssignType', 'ifindex']);
  for (const k of Object.keys(fields)) {
    if (!known.has(k)) throw new DeviceSpecError(`unknown key ${JSON.stringify(k)}; known: ${[...known].join(', ')} and upper-case udev properties`);
  }
  if (!fields.name) throw new DeviceSpecError('name= is required');
  if (fields.ifindex !== undefined && !/^\d+$/.test(fields.ifindex)) throw new DeviceSpecError(`ifindex=${fields.ifindex}: expected a number`);
  return newLinkDevice({ ...fields, name: fields.name, ifindex: fields.ifindex === undefined ? undefined : Number(fields.ifindex), properties });
}

/** A device that does not exist yet, described field by field (see linkDeviceFromSpec for the keys). */
export interface NewLinkDevice {
  name: string;
  driver?: string;
  kind?: string;
  /** ARPHRD number or ether, none, infiniband, loopback (default ether). */
  type?: number | string;
  devtype?: string;
  mac?: string;
  permaddr?: string;
  /** 0-3 or perm, random, stolen, set. */
  addrAssignType?: number | string;
  /** 0-4 or unknown, enum, predictable, user, renamed. */
  nameAssignType?: number | string;
  ifindex?: number;
  /** udev properties (ID_NET_NAME_PATH, ID_PATH, ...). */
  properties?: Record<string, string>;
}

export function newLinkDevice(d: NewLinkDevice): LinkDevice {
  const num = (key: string, v: number | string | undefined, table: Record<string, number>): number | null => {
    if (v === undefined) return null;
    if (typeof v === 'number') return v;
    if (/^\d+$/.test(v)) return Number(v);
    const n = table[v.toLowerCase()];
    if (n === undefined) throw new DeviceSpecError(`${key}=${v}: expected a number or one of ${Object.keys(table).join(', ')}`);
    return n;
  };
  const mac = (key: string, v: string | undefined): string | null => {
    if (v === undefined) return null;
    const parsed = parseHwAddr(v);
    if (parsed === null) throw new DeviceSpecError(`${key}=${v}: not a hardware address`);
    return parsed;
  };
  const kind = d.kind ?? null;
  const arphrdType = num('type', d.type, ARPHRD_BY_NAME) ?? ARPHRD_ETHER;
  const driver = d.driver ?? (kind !== null ? ethtoolDriverForKind(kind) : null);
  const devtype = d.devtype ?? (kind === 'bridge' || kind === 'vxlan' ? kind : null);
  const ifindex = d.ifindex ?? null;
  const current = mac('mac', d.mac);
  const addrAssignType = num('addrAssignType', d.addrAssignType, ADDR_ASSIGN);
  return {
    name: d.name,
    ifindex,
    kind,
    driver,
    arphrdType,
    devtype,
    mac: current,
    permanentMac: mac('permaddr', d.permaddr) ?? (addrAssignType === 0 ? current : null),
    addrAssignType,
    nameAssignType: num('nameAssignType', d.nameAssignType, NAME_ASSIGN),
    loopback: arphrdType === ARPHRD_LOOPBACK,
    properties: withDriver({ ...baseProperties(d.name, ifindex, devtype, `/devices/virtual/net/${d.name}`), ...d.properties }, driver),
    busyMacs: [],
    notes: [],
  };
}

/** Type= compares with DEVTYPE when the device has one, else the ARPHRD name. */
export function deviceTypeString(device: LinkDevice): string | null {
  if (device.devtype) return device.devtype;
  if (device.arphrdType === null) return null;
  return arphrdName(device.arphrdType) ?? String(device.arphrdType);
}

/**
 * What the containernetworking macvlan and ipvlan plugins do with a configuration on a given node:
 * how they read the JSON (Go's encoding/json: keys match case-insensitively, a wrong type fails the
 * whole load), which master they pick when none is named (the interface of the first default route of
 * the main table), which modes they accept, the MTU bounds, and whether the interface is L2-only.
 * Pure: the node is the host model.
 */
import type { Host } from '../host.js';
import type { Interface, Route } from '../../snapshot/schema.js';

/** The modes the macvlan plugin accepts ("" means bridge). The kernel's `source` mode is not among them. */
export const MACVLAN_PLUGIN_MODES = ['bridge', 'private', 'vepa', 'passthru'] as const;
export type MacvlanMode = (typeof MACVLAN_PLUGIN_MODES)[number];
/** The modes the ipvlan plugin accepts ("" means l2). */
export const IPVLAN_PLUGIN_MODES = ['l2', 'l3', 'l3s'] as const;
export type IpvlanMode = (typeof IPVLAN_PLUGIN_MODES)[number];

/** CNI spec versions a current plugin build accepts in `cniVersion`. */
export const KNOWN_CNI_VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;

/** The plugin types whose interfaces hang off a `master` on the node and share its pitfalls. */
export type StackedType = 'macvlan' | 'ipvlan';

export interface StackedConf {
  type: StackedType;
  /** As written; undefined or "" when omitted (the plugin then picks the default-route interface). */
  master: string | undefined;
  /** The mode as the plugin will use it, or undefined when the string is one it rejects. */
  mode: MacvlanMode | IpvlanMode | undefined;
  modeText: string;
  /** 0 means "inherit the master's MTU". */
  mtu: number;
  /** `ipam.type` non-empty: the plugin asks IPAM for addresses. Otherwise the link is only brought up (L2). */
  layer3: boolean;
  ipamType: string;
  /** linkInContainer: the master is looked up in the pod's namespace, not the node's. */
  linkInContainer: boolean;
  /** Problems that make the plugin fail before it touches the node, in the plugin's own terms. */
  loadErrors: string[];
}

/**
 * Reads one plugin object the way the Go plugin unmarshals it. Go's encoding/json matches a key to a
 * struct field exactly or, failing that, case-insensitively, and the last matching key wins.
 */
export function readStackedConf(type: StackedType, conf: Record<string, unknown>): StackedConf {
  const { loadErrors, field, str, int } = goReader(conf);
  const master = str('master');
  const modeText = str('mode');
  const mtu = int('mtu');
  const linkRaw = field('linkInContainer');
  if (linkRaw !== undefined && linkRaw !== null && typeof linkRaw !== 'boolean') {
    loadErrors.push(`failed to load netconf: json: cannot unmarshal ${goTypeName(linkRaw)} into field linkInContainer of type bool`);
  }
  const ipam = field('ipam');
  let ipamType = '';
  if (ipam !== undefined && ipam !== null) {
    if (typeof ipam !== 'object' || Array.isArray(ipam)) {
      loadErrors.push(`failed to load netconf: json: cannot unmarshal ${goTypeName(ipam)} into field ipam of type types.IPAM`);
    } else {
      let t: unknown;
      for (const [k, v] of Object.entries(ipam as Record<string, unknown>)) if (k.toLowerCase() === 'type') t = v;
      if (t !== undefined && t !== null && typeof t !== 'string') loadErrors.push(`failed to load netconf: json: cannot unmarshal ${goTypeName(t)} into field ipam.type of type string`);
      else ipamType = t ?? '';
    }
  }
  return {
    type,
    master: master === '' ? undefined : master,
    mode: pluginMode(type, modeText),
    modeText,
    mtu,
    layer3: ipamType !== '',
    ipamType,
    linkInContainer: linkRaw === true,
    loadErrors,
  };
}

/**
 * Fields of a plugin object read as Go's encoding/json fills a struct: a key matches a field exactly or
 * case-insensitively (the last matching key wins), and a value of the wrong type fails the whole load.
 */
function goReader(conf: Record<string, unknown>): {
  loadErrors: string[]; field: (name: string) => unknown; str: (name: string) => string; int: (name: string) => number;
} {
  const loadErrors: string[] = [];
  const field = (name: string): unknown => {
    let value: unknown;
    for (const [k, v] of Object.entries(conf)) if (k === name || k.toLowerCase() === name.toLowerCase()) value = v;
    return value;
  };
  const str = (name: string): string => {
    const v = field(name);
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') {
      loadErrors.push(`failed to load netconf: json: cannot unmarshal ${goTypeName(v)} into field ${name} of type string`);
      return '';
    }
    return v;
  };
  const int = (name: string): number => {
    const v = field(name);
    if (v === undefined || v === null) return 0;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      loadErrors.push(`failed to load netconf: json: cannot unmarshal ${typeof v === 'number' ? 'number ' + String(v) : goTypeName(v)} into field ${name} of type int`);
      return 0;
    }
    return v;
  };
  return { loadErrors, field, str, int };
}

/** The vlan plugin's configuration: a VLAN sub-interface of `master` moved into the pod. */
export interface VlanConf {
  type: 'vlan';
  /** Required: unlike macvlan, the vlan plugin picks no default. */
  master: string | undefined;
  vlanId: number;
  /** 0 means "inherit the master's MTU". */
  mtu: number;
  linkInContainer: boolean;
  /** What makes loadConf fail before it looks at the node, in the plugin's own words. */
  loadErrors: string[];
}

/**
 * Reads a vlan plugin object as its loadConf does: `master` is required, `vlanId` must be 0..4094 (the
 * plugin's message says 4095 inclusive, its test does not), `mtu` an integer.
 */
export function readVlanConf(conf: Record<string, unknown>): VlanConf {
  const { loadErrors, field, str, int } = goReader(conf);
  const master = str('master');
  const vlanId = int('vlanId');
  const mtu = int('mtu');
  const linkRaw = field('linkInContainer');
  if (linkRaw !== undefined && linkRaw !== null && typeof linkRaw !== 'boolean') {
    loadErrors.push(`failed to load netconf: json: cannot unmarshal ${goTypeName(linkRaw)} into field linkInContainer of type bool`);
  }
  if (loadErrors.length === 0 && master === '') loadErrors.push('"master" field is required. It specifies the host interface name to create the VLAN for');
  if (loadErrors.length === 0 && (vlanId < 0 || vlanId > 4094)) loadErrors.push(`invalid VLAN ID ${vlanId} (must be between 0 and 4095 inclusive)`);
  return { type: 'vlan', master: master === '' ? undefined : master, vlanId, mtu, linkInContainer: linkRaw === true, loadErrors };
}

/** The mode the plugin maps a string to; undefined where it answers "unknown ... mode". Case matters. */
export function pluginMode(type: StackedType, text: string): MacvlanMode | IpvlanMode | undefined {
  if (text === '') return type === 'macvlan' ? 'bridge' : 'l2';
  const allowed: readonly string[] = type === 'macvlan' ? MACVLAN_PLUGIN_MODES : IPVLAN_PLUGIN_MODES;
  return allowed.includes(text) ? (text as MacvlanMode | IpvlanMode) : undefined;
}

function goTypeName(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

/**
 * The interface the plugin picks when `master` is omitted: it lists the main table's routes of every
 * family (IPv4 first, as the kernel dumps them) and takes the first without a destination.
 * A default route with no device (multipath, blackhole) makes the lookup fail.
 */
export function defaultRouteInterface(routes: readonly Route[]): { name: string } | { error: string } {
  const ordered = [...routes.filter((r) => r.family === 'inet'), ...routes.filter((r) => r.family === 'inet6')];
  const route = ordered.find((r) => r.table === 'main' && r.dst === 'default');
  if (!route) return { error: 'no default route interface found' };
  if (!route.dev) return { error: `the first default route (${route.family}, type ${route.type}) has no single device, so the plugin cannot name a master` };
  return { name: route.dev };
}

export type MasterResolution =
  | { ok: true; name: string; iface: Interface; defaulted: boolean }
  | { ok: false; name: string | undefined; defaulted: boolean; reason: string };

/** The master the plugin would use on this node, and whether it exists there. */
export function resolveMaster(conf: Pick<StackedConf, 'master'>, host: Host): MasterResolution {
  if (conf.master !== undefined) {
    const iface = host.interface(conf.master);
    return iface
      ? { ok: true, name: conf.master, iface, defaulted: false }
      : { ok: false, name: conf.master, defaulted: false, reason: `failed to lookup master ${JSON.stringify(conf.master)}: Link not found` };
  }
  const def = defaultRouteInterface(host.routes);
  if ('error' in def) return { ok: false, name: undefined, defaulted: true, reason: def.error };
  const iface = host.interface(def.name);
  return iface
    ? { ok: true, name: def.name, iface, defaulted: true }
    : { ok: false, name: def.name, defaulted: true, reason: `the default route names ${def.name}, which is not among the node's interfaces` };
}

/** Ethernet's minimum MTU: the kernel refuses a macvlan below it ("mtu less than device minimum"). */
export const ETH_MIN_MTU = 68;

/**
 * Why a macvlan with this `mtu` is not created on a master of `masterMtu`: the plugin refuses anything
 * outside [0, master MTU]; 0 is not sent to the kernel (the child inherits the master's MTU); the kernel
 * refuses 1 to 67.
 */
export function mtuProblem(mtu: number, masterMtu: number): string | undefined {
  if (mtu < 0 || mtu > masterMtu) return `invalid MTU ${mtu}, must be [0, master MTU(${masterMtu})]`;
  if (mtu > 0 && mtu < ETH_MIN_MTU) return `failed to create macvlan: mtu ${mtu} less than device minimum (${ETH_MIN_MTU})`;
  return undefined;
}

/**
 * Why the kernel refuses to stack a macvlan or ipvlan on this interface, if it does. A bridge port or
 * bond slave already has a receive handler, so creating the child fails with EBUSY; a macvlan's own
 * macvlan children go to its lower device, so stacking there is fine.
 */
export function stackingProblem(iface: Interface): string | undefined {
  if (iface.master !== null) {
    const what = iface.slaveKind === 'bond' ? 'a bond slave' : iface.slaveKind === 'bridge' ? 'a bridge port' : `enslaved to ${iface.master}`;
    return `${iface.name} is ${what} (master ${iface.master}): the kernel refuses to create a macvlan or ipvlan on it (Device or resource busy)`;
  }
  if (iface.flags.includes('LOOPBACK') || iface.linkType === 'loopback') return `${iface.name} is the loopback device: macvlan needs an Ethernet device`;
  if (iface.linkType !== null && iface.linkType !== 'ether') return `${iface.name} is not an Ethernet device (link type ${iface.linkType}): macvlan needs one`;
  return undefined;
}

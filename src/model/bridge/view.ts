/**
 * One bridge as the frame model needs it, built from the host model. The snapshot's interfaces give the
 * masks, the STP state and the port states; where the snapshot also holds the raw `ip -d -j link show`
 * and `bridge -j vlan show` outputs (recorded by `hostnet trace frame` on a live host), the port flags,
 * the VLAN protocol and the VLAN tables come from them. What is not known is listed as an assumption.
 */
import type { Host } from '../host.js';
import type { Interface } from '../../snapshot/schema.js';
import { bridgeKernel, parseKernelRelease, type BridgeKernel } from './kernel.js';

/** Raw outputs the view reads from `snapshot.commands` when they are there. */
export const LINK_DETAILS_ARGV = ['ip', '-d', '-j', 'link', 'show'];
export const VLAN_TABLE_ARGV = ['bridge', '-j', 'vlan', 'show'];

export type PortState = 'disabled' | 'listening' | 'learning' | 'forwarding' | 'blocking';

export interface PortFlags {
  learning: boolean;
  flood: boolean;
  mcastFlood: boolean;
  bcastFlood: boolean;
  hairpin: boolean;
  isolated: boolean;
  proxyArp: boolean;
}

/** The kernel's defaults for a new port. */
export const DEFAULT_PORT_FLAGS: PortFlags = {
  learning: true, flood: true, mcastFlood: true, bcastFlood: true, hairpin: false, isolated: false, proxyArp: false,
};

export interface VlanEntry {
  vid: number;
  pvid: boolean;
  untagged: boolean;
}

export interface PortView {
  name: string;
  mac: string | null;
  up: boolean;
  /** null: the kernel predates per-port masks, or the snapshot does not say. */
  groupFwdMask: number | null;
  state: PortState | 'unknown';
  flags: PortFlags;
  /** null when the snapshot has no VLAN table. */
  vlans: VlanEntry[] | null;
}

export interface BridgeView {
  name: string;
  mac: string | null;
  groupFwdMask: number;
  /** 0 off, 1 kernel STP, 2 user-space STP. */
  stpState: number;
  vlanFiltering: boolean;
  /** null when the snapshot does not say (then 802.1Q, the default, is assumed). */
  vlanProtocol: '802.1Q' | '802.1ad' | null;
  /** The STP group address; the last byte changes which 802.1ad address stays local. */
  groupAddr: string;
  promisc: boolean;
  /** VLANs of the bridge device itself ("self"), for frames passed up to the host. */
  selfVlans: VlanEntry[] | null;
  ports: PortView[];
  kernel: BridgeKernel;
  /** What the view had to assume because the snapshot does not record it. */
  assumptions: string[];
}

type Json = Record<string, unknown>;

const PORT_STATES: readonly string[] = ['disabled', 'listening', 'learning', 'forwarding', 'blocking'];

/** The bridge `name` of `host`; undefined when there is no such bridge. */
export function bridgeView(host: Host, name: string): BridgeView | undefined {
  const br = host.interface(name);
  if (!br?.bridge) return undefined;
  const details = linkDetails(host);
  const vlanTable = vlanTables(host);
  const assumptions: string[] = [];
  const brInfo = details?.get(name)?.info_data as Json | undefined;
  const kernel = bridgeKernel(parseKernelRelease(host.snapshot.host.kernelRelease));
  if (kernel.version === null) assumptions.push('the kernel version is unknown: current mainline behaviour is assumed');
  const portsHaveFlags = host.ports(name).every((p) => p.bridgePort?.flags);
  if (!details && !portsHaveFlags) assumptions.push('port flags (flood, mcast_flood, bcast_flood, hairpin, isolated) are not recorded: the kernel defaults are assumed');
  if (br.bridge.vlanFiltering && !vlanTable) assumptions.push('vlan_filtering is on but no VLAN table is recorded: every port is assumed to carry the frame\'s VLAN');
  const protocolText = typeof brInfo?.vlan_protocol === 'string' ? brInfo.vlan_protocol : br.bridge.vlanProtocol ?? null;
  const vlanProtocol = protocolText !== null ? (protocolText === '802.1ad' ? '802.1ad' : '802.1Q') : null;
  if (br.bridge.vlanFiltering && vlanProtocol === null) assumptions.push('the VLAN protocol is not recorded: 802.1Q is assumed');

  const ports = host.ports(name).filter((p) => p.bridgePort !== null).map((p) => portView(p, details?.get(p.name), vlanTable));
  return {
    name,
    mac: br.mac,
    groupFwdMask: br.bridge.groupFwdMask,
    stpState: br.bridge.stpState,
    vlanFiltering: br.bridge.vlanFiltering,
    vlanProtocol,
    groupAddr: (typeof brInfo?.group_addr === 'string' ? brInfo.group_addr : br.bridge.groupAddr ?? '01:80:c2:00:00:00').toLowerCase(),
    promisc: br.flags.includes('PROMISC'),
    selfVlans: vlanTable ? vlanTable.get(name) ?? [] : null,
    ports,
    kernel,
    assumptions,
  };
}

function portView(p: Interface, detail: Json | undefined, vlanTable: Map<string, VlanEntry[]> | null): PortView {
  // Live details (trace frame on a host) first, then what the snapshot recorded, then the defaults.
  const slave = (detail?.info_slave_data ?? p.bridgePort?.flags ?? undefined) as Json | undefined;
  const flag = (key: string, fallback: boolean): boolean => (typeof slave?.[key] === 'boolean' ? (slave[key] as boolean) : fallback);
  const state = p.bridgePort!.state;
  return {
    name: p.name,
    mac: p.mac,
    up: p.flags.includes('UP') && p.operstate !== 'DOWN',
    groupFwdMask: p.bridgePort!.groupFwdMask,
    state: PORT_STATES.includes(state) ? (state as PortState) : 'unknown',
    flags: {
      learning: flag('learning', DEFAULT_PORT_FLAGS.learning),
      flood: flag('flood', DEFAULT_PORT_FLAGS.flood),
      mcastFlood: flag('mcast_flood', DEFAULT_PORT_FLAGS.mcastFlood),
      bcastFlood: flag('bcast_flood', DEFAULT_PORT_FLAGS.bcastFlood),
      hairpin: flag('hairpin', DEFAULT_PORT_FLAGS.hairpin),
      isolated: flag('isolated', DEFAULT_PORT_FLAGS.isolated),
      proxyArp: flag('proxy_arp', DEFAULT_PORT_FLAGS.proxyArp),
    },
    vlans: vlanTable ? vlanTable.get(p.name) ?? [] : null,
  };
}

function commandOutput(host: Host, argv: readonly string[]): string | undefined {
  return host.snapshot.commands.find((c) => c.exitCode === 0 && c.argv.join(' ') === argv.join(' '))?.stdout;
}

/** `ip -d -j link show` by interface name: the linkinfo of each. */
function linkDetails(host: Host): Map<string, Json> | undefined {
  const text = commandOutput(host, LINK_DETAILS_ARGV);
  if (text === undefined) return undefined;
  const map = new Map<string, Json>();
  try {
    const list = JSON.parse(text) as Json[];
    for (const l of Array.isArray(list) ? list : []) {
      if (typeof l?.ifname === 'string') map.set(l.ifname, (l.linkinfo ?? {}) as Json);
    }
  } catch {
    return undefined;
  }
  return map;
}

/** `bridge -j vlan show`: [{ifname, vlans: [{vlan, vlanEnd?, flags: ["PVID", "Egress Untagged"]}]}]. */
function vlanTables(host: Host): Map<string, VlanEntry[]> | null {
  const text = commandOutput(host, VLAN_TABLE_ARGV);
  if (text === undefined) return null;
  const map = new Map<string, VlanEntry[]>();
  try {
    const list = JSON.parse(text.trim() === '' ? '[]' : text) as Json[];
    for (const entry of Array.isArray(list) ? list : []) {
      if (typeof entry?.ifname !== 'string' || !Array.isArray(entry.vlans)) continue;
      const vlans: VlanEntry[] = [];
      for (const v of entry.vlans as Json[]) {
        const flags = Array.isArray(v.flags) ? (v.flags as unknown[]) : [];
        const first = Number(v.vlan);
        const last = typeof v.vlanEnd === 'number' ? v.vlanEnd : first;
        for (let vid = first; vid <= last; vid++) {
          vlans.push({ vid, pvid: flags.includes('PVID'), untagged: flags.includes('Egress Untagged') });
        }
      }
      map.set(entry.ifname, vlans);
    }
  } catch {
    return null;
  }
  return map;
}

/**
 * What Calico/VPP does to a host when VPP takes the uplink over (seed 002, host-networking-facts §4,
 * projectcalico/vpp-dataplane vpp-manager/vpp_runner.go, vpp-manager/uplink/*.go,
 * calico-vpp-agent/watchers/uplink_route_watcher.go):
 *
 * - The uplink leaves the root namespace: moved into VPP's namespace (af_packet, af_xdp, rdma, and
 *   the default driver), or unbound from its kernel driver (dpdk, virtio, vmxnet3, avf).
 * - VPP configures its own uplink interface with the Linux addresses, at the uplink MTU (the spec's
 *   `mtu`, else the Linux MTU).
 * - VPP creates a tap in the root namespace with the uplink's name, its MAC and that MTU; the Linux
 *   side gets the uplink's addresses and routes back.
 * - Routes to the service CIDRs and IP pools go through the tap: via a "fake" next hop (the default
 *   gateway of the uplink, else an address derived from its subnet), proto static, MTU = the lowest
 *   uplink MTU − 60 (DefaultEncapSize).
 * - In VPP the tap is `tap0`, unnumbered on the uplink, with the VPP-side MAC 02:ca:11:c0:fd:<index>,
 *   MTU 9216, and it is the punt path: punted traffic goes to 169.254.0.1 (CALICOVPP_TAP0_ADDR) on tap0.
 *
 * Pure: everything comes from the pre-deployment snapshot and the configuration.
 */
import type { Address, Interface, Route } from '../../snapshot/schema.js';
import { familyOf, subnetHop } from '../../net/ip.js';
import type { CalicoVppConfig, UplinkInterfaceSpec } from '../../sources/calico-vpp-config.js';


/** config.DefaultEncapSize: what Calico/VPP takes off the uplink MTU for the routes to the cluster. */
export const DEFAULT_ENCAP_SIZE = 60;
/** vpplink.CalicoVppMaxMTu: the MTU of the VPP side of the tap. */
export const CALICO_VPP_MAX_MTU = 9216;
/** config.BaseVppSideHardwareAddress: the VPP side of uplink N's tap is 02:ca:11:c0:fd:N. */
export const VPP_SIDE_MAC_BASE = '02:ca:11:c0:fd';
/** af_xdp cannot run above this MTU; vpp-manager lowers the uplink MTU to it (uplink/af_xdp.go). */
export const AF_XDP_MAX_MTU = 3072;

export type UplinkFate = 'moved-to-vpp-netns' | 'unbound-from-kernel';

export interface DriverEffect {
  /** The driver VPP uses; `default` when none is configured (several are tried in turn). */
  driver: string;
  fate: UplinkFate;
  /** What happens to the Linux netdev, in a sentence. */
  explanation: string;
  /** The name the uplink has in VPP, when VPP's naming for this driver is known and the PCI address is. */
  vppName: string | null;
}

/** A PCI address from a sysfs device path (…/0000:d8:0a.0). */
export function pciAddress(iface: Pick<Interface, 'devicePath'>): { domain: number; bus: number; slot: number; func: number } | null {
  const last = iface.devicePath?.split('/').filter(Boolean).pop() ?? '';
  const m = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/i.exec(last);
  return m ? { domain: parseInt(m[1]!, 16), bus: parseInt(m[2]!, 16), slot: parseInt(m[3]!, 16), func: parseInt(m[4]!, 16) } : null;
}

function pciName(prefix: string, iface: Interface): string | null {
  const pci = pciAddress(iface);
  return pci ? `${prefix}-${pci.domain.toString(16)}/${pci.bus.toString(16)}/${pci.slot.toString(16)}/${pci.func.toString(16)}` : null;
}

/** What the chosen driver does to the Linux netdev, and VPP's name for the uplink where it is known. */
export function driverEffect(uplink: UplinkInterfaceSpec, iface: Interface): DriverEffect {
  const d = uplink.vppDriver ?? 'default';
  switch (d) {
    case 'af_packet':
      return { driver: d, fate: 'moved-to-vpp-netns', explanation: `${iface.name} is moved into VPP's network namespace (promiscuous) and read with AF_PACKET`, vppName: `host-${iface.name}` };
    case 'af_xdp':
      return { driver: d, fate: 'moved-to-vpp-netns', explanation: `${iface.name} is moved into VPP's network namespace and read with AF_XDP (MTU at most ${AF_XDP_MAX_MTU})`, vppName: null };
    case 'rdma':
      return { driver: d, fate: 'moved-to-vpp-netns', explanation: `${iface.name} loses its addresses and routes, goes down and is moved into VPP's network namespace (mlx5 RDMA)`, vppName: null };
    case 'dpdk':
      return { driver: d, fate: 'unbound-from-kernel', explanation: `${iface.name} loses its addresses and routes and ${uplink.newDriver ? `is rebound to ${uplink.newDriver}` : 'is taken by DPDK'}; the netdev disappears from Linux`, vppName: null };
    case 'virtio':
      return { driver: d, fate: 'unbound-from-kernel', explanation: `${iface.name} is unbound from ${iface.driver ?? 'its driver'} and bound to ${uplink.newDriver ?? 'vfio-pci'}; the netdev disappears from Linux`, vppName: pciName('virtio', iface) };
    case 'vmxnet3':
      return { driver: d, fate: 'unbound-from-kernel', explanation: `${iface.name} is unbound from vmxnet3 and bound to vfio-pci; the netdev disappears from Linux`, vppName: pciName('vmxnet3', iface) };
    case 'avf':
      return { driver: d, fate: 'unbound-from-kernel', explanation: `${iface.name}'s PCI function is handed to VPP's avf plugin (Calico/VPP up to v3.31); the netdev disappears from Linux`, vppName: pciName('avf', iface) };
    default:
      return { driver: d, fate: 'moved-to-vpp-netns', explanation: `${iface.name} is moved into VPP's network namespace${uplink.newDriver ? ` after its driver is swapped to ${uplink.newDriver}` : ''} (default driver${uplink.vppDriver === null ? ': vpp-manager tries virtio, rdma, vmxnet3, af_xdp, af_packet in turn' : ''})`, vppName: null };
  }
}

/** The uplink MTU Calico/VPP uses: the spec's `mtu`, else the Linux MTU; af_xdp caps it. */
export function uplinkMtu(uplink: UplinkInterfaceSpec, iface: Interface): number {
  const mtu = uplink.mtu ?? iface.mtu;
  return uplink.vppDriver === 'af_xdp' ? Math.min(mtu, AF_XDP_MAX_MTU) : mtu;
}

/** The MTU of the routes to the service CIDRs and pools: the lowest uplink MTU minus the encapsulation. */
export function clusterRouteMtu(uplinkMtus: readonly number[]): number {
  return Math.min(CALICO_VPP_MAX_MTU, ...uplinkMtus) - DEFAULT_ENCAP_SIZE;
}

/**
 * The "fake" next hop of the cluster routes (vpp_runner.go pickNextHopIP): the uplink's default
 * gateway; else, from its subnet, the address before broadcast (or after the network address when
 * that is the uplink's own; IPv4 and IPv6 alike, link-local addresses skipped); else the destination of a directly connected /32 (/128); else 0.0.0.0 / ::.
 */
export function fakeNextHop(family: 'inet' | 'inet6', addresses: readonly Address[], routes: readonly Route[]): string {
  const gw = routes.find((r) => r.family === family && r.dst === 'default' && r.gateway && (r.table === 'main' || r.table === '254'));
  if (gw?.gateway) return gw.gateway;
  for (const a of addresses) {
    if (a.family !== family || a.scope === 'link') continue;
    const nh = subnetHop(a.local, a.prefixlen);
    if (nh) return nh;
  }
  const host = routes.find((r) => r.family === family && !r.gateway && r.dst.endsWith(family === 'inet' ? '/32' : '/128'));
  if (host) return host.dst.replace(/\/\d+$/, '');
  return family === 'inet' ? '0.0.0.0' : '::';
}

export interface ClusterRoute {
  dst: string;
  gateway: string;
  mtu: number;
  /** Why the route exists: the service CIDR or the IP pool it is for. */
  reason: string;
}

/** The routes the agent adds through the main uplink's tap (metric 0, proto static). */
export function clusterRoutes(config: CalicoVppConfig, mtu: number, nextHops: { inet: string; inet6: string }): ClusterRoute[] {
  const out: ClusterRoute[] = [];
  for (const cidr of config.serviceCidrs) out.push({ dst: cidr, gateway: nextHops[familyOf(cidr.split('/')[0]!) ?? 'inet'], mtu, reason: 'service CIDR (SERVICE_PREFIX)' });
  for (const pool of config.ipPools) {
    const fam = familyOf(pool.cidr.split('/')[0]!);
    if (fam === null) continue;
    out.push({ dst: pool.cidr, gateway: nextHops[fam], mtu, reason: `IP pool${pool.name ? ` ${pool.name}` : ''}` });
  }
  return out;
}

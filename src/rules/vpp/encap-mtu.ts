/**
 * vpp/encap-mtu: the MTU Calico/VPP derives leaves too little room for the encapsulation. The host's
 * routes to the services and pools get the lowest uplink MTU minus 60 bytes (config.DefaultEncapSize);
 * the pods' overlay must fit in that. Findings:
 * - an uplink `mtu` in CALICOVPP_INTERFACES larger than the NIC's MTU (VPP and the tap send frames the
 *   link was not set up for);
 * - an IP pool whose encapsulation over this uplink's address family needs more than 60 bytes
 *   (VXLAN over IPv6: 70);
 * - cluster routes whose MTU falls below IPv4's 576 or IPv6's 1280 minimum.
 */
import type { Host } from '../../model/host.js';
import { clusterRouteMtu, DEFAULT_ENCAP_SIZE, uplinkMtu } from '../../model/vpp/takeover.js';
import { calicoVppView } from '../../model/vpp/view.js';
import type { Evidence, Finding, Rule } from '../types.js';

const ID = 'vpp/encap-mtu';

/** Header bytes each overlay adds, by outer address family (outer IP + its own headers + inner Ethernet for VXLAN). */
const OVERHEAD: Record<string, { inet: number; inet6: number }> = {
  IPIP: { inet: 20, inet6: 40 },
  VXLAN: { inet: 50, inet6: 70 },
};

export const encapMtu: Rule = {
  meta: {
    id: ID,
    title: 'The Calico/VPP MTU leaves too little room for the encapsulation',
    severity: 'error',
    references: [
      'projectcalico/vpp-dataplane config/config.go DefaultEncapSize = 60; calico-vpp-agent/watchers/uplink_route_watcher.go GetUplinkMtu()',
      'anchors.md §1.2 (tap MTU mismatches: vpp-dataplane PR #92, PR #114, FD.io VPP-1699)',
      'RFC 7348 (VXLAN: 50 bytes over IPv4)',
    ],
  },
  check(host: Host): Finding[] {
    const view = calicoVppView(host);
    const config = view.inputs.config;
    if (!config || !view.uplinkName) return [];
    const findings: Finding[] = [];
    const mtus: number[] = [];
    for (const u of config.value.uplinkInterfaces) {
      const iface = host.interface(u.interfaceName);
      if (!iface) continue;
      const isTapNow = iface.kind === 'tun';
      mtus.push(isTapNow ? iface.mtu : uplinkMtu(u, iface));
      if (!isTapNow && u.mtu !== null && u.mtu > iface.mtu) {
        findings.push({
          ruleId: ID, severity: 'warning', interface: u.interfaceName,
          message: `uplink ${u.interfaceName} is configured with mtu ${u.mtu} but the NIC runs at ${iface.mtu}: VPP and the tap will send frames up to ${u.mtu} bytes on a link set up for ${iface.mtu}`,
          evidence: [
            { message: `"mtu": ${u.mtu}`, file: config.source, ...(u.line ? { line: u.line } : {}) },
            { message: `${u.interfaceName} mtu ${iface.mtu}`, interface: u.interfaceName, field: 'mtu', value: String(iface.mtu) },
          ],
          fixes: [{ title: `Set "mtu": ${iface.mtu} (or raise the network's MTU first)`, files: [], commands: [] }],
        });
      }
    }
    if (mtus.length === 0) return findings;
    const routeMtu = clusterRouteMtu(mtus);
    const main = host.interface(view.uplinkName);
    const families = new Set((main?.addresses ?? []).filter((a) => a.scope !== 'link').map((a) => a.family));
    const outer: 'inet' | 'inet6' = families.has('inet') ? 'inet' : 'inet6';
    for (const pool of config.value.ipPools) {
      const kind = pool.encapsulation?.match(/^(IPIP|VXLAN)/i)?.[1]?.toUpperCase();
      const need = kind ? OVERHEAD[kind]?.[outer] : undefined;
      if (need === undefined || need <= DEFAULT_ENCAP_SIZE) continue;
      findings.push({
        ruleId: ID, severity: 'error', interface: view.uplinkName,
        message: `IP pool ${pool.cidr} uses ${kind} over IPv${outer === 'inet' ? 4 : 6} (${need} bytes of headers) but Calico/VPP reserves ${DEFAULT_ENCAP_SIZE}: full-size packets (${routeMtu} bytes on the cluster routes) do not fit in the uplink MTU ${Math.min(...mtus)}`,
        evidence: [
          { message: `pool ${pool.cidr} encapsulation ${pool.encapsulation}`, file: config.source, ...(pool.line ? { line: pool.line } : {}) },
          { message: `cluster route MTU ${Math.min(...mtus)} - ${DEFAULT_ENCAP_SIZE} = ${routeMtu}` },
        ],
        fixes: [{ title: `Raise the uplink MTU by ${need - DEFAULT_ENCAP_SIZE} bytes, or use an encapsulation that fits in ${DEFAULT_ENCAP_SIZE} bytes`, files: [], commands: [] }],
      });
    }
    const minimum = [...config.value.serviceCidrs, ...config.value.ipPools.map((p) => p.cidr)].some((c) => c.includes(':')) ? 1280 : 576;
    if (routeMtu < minimum) {
      const evidence: Evidence[] = [{ message: `lowest uplink MTU ${Math.min(...mtus)} - ${DEFAULT_ENCAP_SIZE} = ${routeMtu}` }];
      findings.push({
        ruleId: ID, severity: 'error', interface: view.uplinkName,
        message: `the routes to the services and pools would get MTU ${routeMtu}, below the IPv${minimum === 1280 ? 6 : 4} minimum of ${minimum}`,
        evidence,
        fixes: [{ title: `Give the uplinks an MTU of at least ${minimum + DEFAULT_ENCAP_SIZE}`, files: [], commands: [] }],
      });
    }
    return findings;
  },
};

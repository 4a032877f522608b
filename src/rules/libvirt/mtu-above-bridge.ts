/**
 * libvirt/mtu-above-bridge: a guest NIC's <mtu size> is larger than the MTU of the bridge or virtual
 * network it is plugged into. The guest sends frames the bridge (or the network's other ports) cannot
 * carry: large packets vanish while pings and small ones pass.
 */
import { buildLab, type LabNic } from '../../model/bridge/lab.js';
import type { Host } from '../../model/host.js';
import { LIBVIRT_NETWORK_DIRS, parseNetworkXml, type VirtualNetwork } from '../../sources/libvirt.js';
import type { Evidence, Finding, Rule } from '../types.js';

export const mtuAboveBridge: Rule = {
  meta: {
    id: 'libvirt/mtu-above-bridge',
    title: 'A guest NIC\'s MTU is larger than its bridge\'s or network\'s',
    severity: 'error',
    references: [
      'libvirt formatdomain "MTU configuration" (<mtu size>) and formatnetwork (<mtu size>)',
      'net/bridge/br_forward.c: a frame larger than the outgoing port\'s MTU is dropped',
    ],
  },
  check(host: Host): Finding[] {
    const networks = virtualNetworks(host);
    const findings: Finding[] = [];
    for (const n of buildLab(host).nics) {
      if (n.nic.mtu === null) continue;
      const limit = limitFor(host, n, networks);
      if (!limit || n.nic.mtu <= limit.mtu) continue;
      findings.push({
        ruleId: 'libvirt/mtu-above-bridge',
        severity: 'error',
        interface: n.tap?.name,
        message: `${n.domain.name} ${n.nic.mac ?? ''}: the guest NIC has MTU ${n.nic.mtu} but ${limit.what} has MTU ${limit.mtu}: frames above ${limit.mtu} bytes are dropped on the way`,
        evidence: [
          { message: `<mtu size='${n.nic.mtu}'/> on the NIC`, file: n.domain.path, line: n.nic.line, field: 'mtu', value: String(n.nic.mtu) },
          limit.evidence,
        ],
        fixes: [{
          title: `Make them agree: raise ${limit.what}'s MTU to ${n.nic.mtu} (and every other port's on it), or lower the NIC's <mtu> to ${limit.mtu}`,
          files: [],
          commands: limit.command ? [limit.command, `# or: virsh edit ${n.domain.name}   # <mtu size='${limit.mtu}'/>`] : [`virsh edit ${n.domain.name}   # <mtu size='${limit.mtu}'/>`],
        }],
      });
    }
    return findings;
  },
};

function virtualNetworks(host: Host): Map<string, VirtualNetwork> {
  const out = new Map<string, VirtualNetwork>();
  // The live status first: it is what runs.
  for (const dir of LIBVIRT_NETWORK_DIRS) {
    for (const f of host.filesUnder(dir)) {
      const net = f.content === null ? null : parseNetworkXml(f.content, f.path);
      if (net && !out.has(net.name)) out.set(net.name, net);
    }
  }
  return out;
}

function limitFor(host: Host, n: LabNic, networks: Map<string, VirtualNetwork>): { mtu: number; what: string; evidence: Evidence; command: string | null } | null {
  const net = n.nic.type === 'network' && n.nic.sourceNetwork ? networks.get(n.nic.sourceNetwork) : undefined;
  if (net?.mtu) {
    return { mtu: net.mtu, what: `network ${net.name}`, evidence: { message: `network ${net.name}: <mtu size='${net.mtu}'/>`, file: net.path }, command: `virsh net-edit ${net.name}   # <mtu size='${n.nic.mtu}'/>, then restart the network and its guests` };
  }
  const bridgeName = n.bridge ?? net?.bridge ?? null;
  const bridge = bridgeName ? host.interface(bridgeName) : undefined;
  if (!bridge?.bridge) return null;
  return { mtu: bridge.mtu, what: `bridge ${bridge.name}`, evidence: { message: `bridge ${bridge.name} has MTU ${bridge.mtu}`, interface: bridge.name, field: 'mtu', value: String(bridge.mtu) }, command: `ip link set ${bridge.name} mtu ${n.nic.mtu}   # and every port of ${bridge.name} (ip link set PORT mtu ${n.nic.mtu})` };
}

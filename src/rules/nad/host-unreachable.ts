/**
 * nad/host-unreachable: the node cannot talk to its own macvlan (or ipvlan) pods through the master.
 * The kernel hands frames the master's stack sends straight to the wire, and an ordinary switch never
 * sends them back; this is by design (multus #226, #1426). The usual remedy is a host-side shim: a
 * bridge-mode macvlan of the same master in the node's namespace, with an address and a route to the
 * pods. The verdict comes from the macvlan model, which is checked against the kernel.
 */
import { nodeMacvlanChildren, nodeReachesPod, resolveMaster, type MacvlanMode } from '../../model/macvlan/index.js';
import type { Host } from '../../model/host.js';
import type { Finding, Fix, Rule } from '../types.js';
import { hasNode, nadEvidence, onNode, stackedAttachments, type StackedAttachment } from './inputs.js';
import { inPrefix, isCidr } from '../../net/ip.js';

export const hostUnreachable: Rule = {
  meta: {
    id: 'nad/host-unreachable',
    title: 'The node cannot reach its own macvlan/ipvlan pods through the master',
    severity: 'warning',
    references: ['k8snetworkplumbingwg/multus-cni #226, #671, #1426', 'moby/libnetwork #1915', 'Docker docs: macvlan and ipvlan network drivers', 'docs/nad.md (reachability table measured on the kernel)'],
  },
  check(host) {
    const out: Finding[] = [];
    const node = hasNode(host);
    const reachCache = new Map<string, ReturnType<typeof nodeReachesPod>>();
    const reachOf = (master: string, mode: MacvlanMode) => {
      const key = `${master}\u0000${mode}`;
      let r = reachCache.get(key);
      if (!r) {
        r = nodeReachesPod(host, master, mode);
        reachCache.set(key, r);
      }
      return r;
    };
    for (const a of stackedAttachments(host)) {
      if (a.conf.loadErrors.length > 0 || a.conf.mode === undefined || a.conf.linkInContainer) continue;
      const m = node ? resolveMaster(a.conf, host) : undefined;
      if (m && !m.ok) continue; // nad/master-missing says why
      const master = m?.name ?? a.conf.master ?? '<master>';
      const label = a.nad.name ?? '(unnamed)';
      // A warning where the node evidently means to talk to the pods: it has an address in the subnet
      // the network's IPAM hands out. Otherwise (L2-only pods, seed 003's F5SPKVlan) it is advice.
      const nodeInSubnet = node ? nodeAddressInSubnets(host, ipamSubnets(a.plugin.conf.ipam)) : undefined;
      const severity = nodeInSubnet ? 'warning' : 'note';
      const evidence = [nadEvidence(a.nad, `${a.conf.type} on ${master}, mode ${a.conf.mode}`),
        ...(nodeInSubnet ? [{ message: `the node has ${nodeInSubnet.address} on ${nodeInSubnet.iface}, in the network's subnet ${nodeInSubnet.subnet}`, interface: nodeInSubnet.iface }] : [])];
      if (a.conf.type === 'ipvlan') {
        out.push({ ruleId: this.meta.id, severity, interface: master, evidence, fixes: [shimFix(a, master, 'ipvlan')],
          message: `${label}: the node${node ? onNode(host).replace(' on node', '') : ''} cannot reach pods on this ipvlan network through ${master}: ipvlan keeps the master's stack apart from its children. Add a host-side ipvlan interface of ${master} with an address in the pods' subnet` });
        continue;
      }
      const mode = a.conf.mode as MacvlanMode;
      if (mode === 'passthru') {
        const used = m?.ok ? m.iface.addresses.some((x) => x.scope !== 'link') || m.defaulted : false;
        out.push({ ruleId: this.meta.id, severity: used ? 'warning' : 'note', interface: master, evidence, fixes: [],
          message: `${label}: passthru gives ${master} to one pod: the pod takes over the master's MAC and all its traffic, so the node ${used ? `loses the use of ${master}, which it uses${onNode(host)}` : `cannot use ${master} (or reach the pod through it)${node ? onNode(host) : ''}`}; use a NIC the node does not need` });
        continue;
      }
      const reach = node ? reachOf(master, mode) : { viaMaster: false, viaShims: [] };
      if (reach.viaMaster || reach.viaShims.length > 0) continue;
      // Shims that exist but cannot help: in a mode other than bridge, down, or without an address.
      const idle = node ? nodeMacvlanChildren(host, master).filter((c) => c.iface.kind === 'macvlan') : [];
      const idleNote = idle.length > 0
        ? ` (${idle.map((c) => `${c.iface.name} is a macvlan of ${master} on the node in ${c.mode} mode${c.iface.flags.includes('UP') ? '' : ', down'}${c.iface.addresses.some((x) => x.scope !== 'link') ? '' : ', without an address'}`).join('; ')}: a shim must be in bridge mode, up, with an address)`
        : '';
      const why = mode === 'private'
        ? `in private mode no other macvlan of ${master} can reach the pod either, so a host-side shim does not help; use bridge mode if the node must talk to the pods`
        : mode === 'vepa'
          ? `in vepa mode frames reach the pod only when the switch port sends them back (hairpin / reflective relay); use bridge mode with a host-side shim, or enable hairpin on the switch`
          : `the usual remedy is a host-side shim: a bridge-mode macvlan of ${master} in the node's namespace with an address, and a route to the pods through it`;
      out.push({
        ruleId: this.meta.id, severity, interface: master, evidence,
        message: `${label}: the node${node ? onNode(host).replace(' on node', '') : ''} cannot reach pods on this macvlan network through ${master} (the kernel sends the master's own frames straight to the wire); ${why}${idleNote}`,
        fixes: mode === 'bridge' ? [shimFix(a, master, 'macvlan')] : [],
      });
    }
    return out;
  },
};

/** Subnets (IPv4 and IPv6) an IPAM config hands out from (host-local `subnet` or `ranges`, static `addresses`). */
export function ipamSubnets(ipam: unknown): string[] {
  if (typeof ipam !== 'object' || ipam === null) return [];
  const o = ipam as Record<string, unknown>;
  const out: string[] = [];
  if (typeof o.subnet === 'string') out.push(o.subnet);
  if (Array.isArray(o.ranges)) {
    for (const set of o.ranges) if (Array.isArray(set)) for (const r of set) if (r && typeof (r as Record<string, unknown>).subnet === 'string') out.push((r as Record<string, string>).subnet!);
  }
  if (Array.isArray(o.addresses)) for (const a of o.addresses) if (a && typeof (a as Record<string, unknown>).address === 'string') out.push((a as Record<string, string>).address!);
  return out.filter(isCidr);
}

function nodeAddressInSubnets(host: Host, subnets: string[]): { address: string; iface: string; subnet: string } | undefined {
  for (const subnet of subnets) {
    for (const i of host.interfaces) {
      for (const a of i.addresses) {
        if (inPrefix(a.local, subnet)) return { address: a.local, iface: i.name, subnet };
      }
    }
  }
  return undefined;
}

function shimFix(a: StackedAttachment, master: string, kind: 'macvlan' | 'ipvlan'): Fix {
  const shim = `${kind === 'macvlan' ? 'mvl' : 'ipv'}-${master}`.slice(0, 15);
  const subnet = ipamSubnets(a.plugin.conf.ipam)[0] ?? '<pod-subnet>';
  return {
    title: `add a host-side ${kind} shim ${shim} on ${master} and route the pods' subnet through it (persist it in the node's network configuration)`,
    files: [],
    commands: [
      `ip link add ${shim} link ${master} type ${kind} mode ${kind === 'macvlan' ? 'bridge' : 'l2'}`,
      `ip addr add <unused-address-in-${subnet === '<pod-subnet>' ? 'pod-subnet' : subnet}>/32 dev ${shim}`,
      `ip link set ${shim} up`,
      `ip route add ${subnet} dev ${shim}`,
    ],
  };
}

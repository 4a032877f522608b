/**
 * Which interfaces have a MAC address that a data plane owns: it creates the device and then sets
 * (or publishes) its MAC, so a later rewrite by udevd breaks forwarding. The Calico/VPP host tap is
 * found from the Calico/VPP configuration, including the tap that does not exist yet because VPP has
 * not taken the uplink over; other CNIs' and runtimes' devices are known by name or kind (anchors.md 1.1; field-traps.md 2).
 */
import type { Interface, TunHolder } from '../snapshot/schema.js';
import { SYSTEMD_NETWORK_DIRS } from '../snapshot/systemd.js';
import { parseUnitFile } from '../sources/unitfile.js';
import type { Host } from './host.js';
import { describeHolder, ownerOfProcess, setsTapMac, tunHoldersOf } from './tun-owners.js';
import { calicoVppInputs } from './vpp/inputs.js';
import { loadNmConfig } from './networkmanager/config.js';
import { nmDecision } from './networkmanager/manage.js';

export interface WellKnownDevice {
  /** Exact name, or a prefix when it ends in `*`; absent when any name will do. */
  name?: string;
  /** The rtnetlink kind the device must have (ip -d link: veth, openvswitch, netkit, ...). */
  kind?: string;
  owner: string;
  /** Why a changed MAC hurts, and where that was seen. */
  why: string;
}

export const WELL_KNOWN_DEVICES: readonly WellKnownDevice[] = [
  { name: 'flannel.1', owner: 'flannel', why: 'peers hold this VTEP MAC in their FDB and neighbour tables (flannel-io/flannel#1155)' },
  { name: 'flannel-v6.1', owner: 'flannel', why: 'peers hold this VTEP MAC in their FDB and neighbour tables (k3s-io/k3s#9957)' },
  { name: 'vxlan.calico', owner: 'Calico', why: 'Calico publishes the VTEP MAC to the other nodes, which program it into their FDB' },
  { name: 'vxlan-v6.calico', owner: 'Calico', why: 'Calico publishes the VTEP MAC to the other nodes, which program it into their FDB' },
  { name: 'calico_tmp_*', owner: 'Calico', why: 'udevd fails to generate a MAC for the temporary veth and the pod gets no ARP reply for a while (projectcalico/calico#8689)' },
  { name: 'cilium_host', owner: 'Cilium', why: 'Cilium programs this MAC into its BPF datapath as the router MAC' },
  { name: 'cilium_net', owner: 'Cilium', why: 'Cilium programs this MAC into its BPF datapath' },
  { name: 'cilium_vxlan', owner: 'Cilium', why: 'Cilium\'s tunnel device; its MAC is used by the BPF datapath' },
  { name: 'cilium_geneve', owner: 'Cilium', why: 'Cilium\'s tunnel device; its MAC is used by the BPF datapath' },
  { name: 'docker0', owner: 'Docker', why: 'Docker sets the bridge MAC itself and races udevd for it (moby/libnetwork#2380, #2495)' },
  { name: 'cni0', owner: 'the CNI bridge plugin', why: 'pods learn the gateway MAC of this bridge; a rewrite leaves stale neighbour entries' },
  { name: 'antrea-gw0', owner: 'Antrea', why: 'Antrea programs the gateway MAC into OVS flows; a rewritten MAC is dropped by its spoofguard flows (antrea-io/antrea#4426)' },
  { name: 'genev_sys_6081', owner: 'OVN-Kubernetes', why: 'the Geneve tunnel port of OVS; its MAC is used in flows' },
  { name: 'ovn-k8s-mp0', owner: 'OVN-Kubernetes', why: 'the management port\'s MAC is written into the node annotation and the logical switch port; a new MAC breaks node-to-pod traffic (ovn-kubernetes/ovn-kubernetes#88, #950)' },
  { name: 'ovn0', owner: 'Kube-OVN', why: 'kube-ovn-controller assigns ovn0\'s MAC to its logical switch port; a different MAC on the device drops traffic (kubeovn/kube-ovn#5748)' },
  { name: 'eni*', kind: 'veth', owner: 'the AWS VPC CNI', why: 'the CNI writes a static ARP entry for the host veth\'s MAC in the pod; a later MAC change leaves it wrong (aws/amazon-vpc-cni-k8s#2103, fixed by setting the MAC at creation)' },
  { kind: 'openvswitch', owner: 'Open vSwitch', why: 'OVS internal ports and bridges are re-created at boot; a MAC from udev changes the DHCP lease and the MAC in flows each time (openshift/okd#540, fixed by a Driver=openvswitch .link in openshift/okd-machine-os#110)' },
  { kind: 'netkit', owner: 'Cilium (netkit)', why: 'udevd replaces the MAC Cilium gave the netkit pair in L2 mode and health checks fail (cilium/cilium#37265, fixed in #37812)' },
];

export type OwnedState = 'existing' | 'planned';

/** What makes the Calico/VPP race likely (seeds 000, 001): several VPP workers, a multi-queue NIC. */
export interface RaceConditions {
  /** VPP worker threads, with where that was read; null when no startup.conf was given. */
  vppWorkers: { count: number; source: string; line: number | null } | null;
  /** The uplink NIC's driver and queue count as Linux or VPP saw it; null when unknown. */
  uplinkNic: { driver: string | null; queues: number | null; source: string } | null;
}

export interface MacOwned {
  /** The interface name, now or once the data plane creates it. */
  name: string;
  owner: string;
  why: string;
  state: OwnedState;
  /** The interface as it is today (for a planned tap: the uplink it will replace). */
  current: Interface | null;
  /** The MAC the data plane gives it, when known (the uplink's MAC for a Calico/VPP tap). */
  expectedMac: string | null;
  /** Where the data plane says it owns this device: a config file and line, or a well-known name. */
  evidence: { message: string; file?: string; line?: number };
  /** Only for the Calico/VPP tap: what makes the race likely. */
  conditions: RaceConditions | null;
  /**
   * configured: a configuration or a well-known name says the owner sets this MAC. suspected: only a
   * process holding the tap (or the node's address on it) says it is in use; reported as a warning.
   */
  certainty: 'configured' | 'suspected';
  /** The processes holding the tun/tap open, when collection could see them. */
  holders: TunHolder[];
}

export function matchesWellKnown(iface: Pick<Interface, 'name' | 'kind'>): WellKnownDevice | undefined {
  return WELL_KNOWN_DEVICES.find((d) => (d.kind === undefined || d.kind === iface.kind) && (d.name === undefined ||
    (d.name.endsWith('*') ? iface.name.startsWith(d.name.slice(0, -1)) : d.name === iface.name)));
}

/** Every data-plane-owned interface of the host, existing or planned. */
export function macOwned(host: Host): MacOwned[] {
  const vpp = calicoVppOwned(host);
  const names = new Set(vpp.map((o) => o.name));
  const known = [...vpp, ...wellKnownOwned(host).filter((o) => !names.has(o.name))];
  for (const o of known) names.add(o.name);
  known.push(...nmMastersOwned(host).filter((o) => !names.has(o.name)));
  for (const o of known) names.add(o.name);
  return [...known, ...suspectedTaps(host).filter((o) => !names.has(o.name))];
}

/** Evidence lines naming the holders of a device. */
export function holderEvidence(o: Pick<MacOwned, 'name' | 'holders'>): { message: string; interface: string; field: string; value: string }[] {
  return o.holders.map((h) => {
    const owner = ownerOfProcess(h.comm, h.cmdline);
    return {
      message: `${describeHolder(h)} holds ${o.name} open${owner ? ` (${owner})` : ''}${h.cmdline?.length ? `: ${h.cmdline.join(' ').slice(0, 200)}` : ''} (/proc/${h.pid}/fdinfo)`,
      interface: o.name, field: 'holder', value: String(h.pid),
    };
  });
}

/**
 * tun/tap devices no configuration names, but in use: a process holds them open, or they carry the
 * node's address or default route (a data plane's host tap after it took the uplink over).
 */
export function suspectedTaps(host: Host): MacOwned[] {
  const out: MacOwned[] = [];
  for (const iface of host.interfaces) {
    if (iface.kind !== 'tun' || iface.mac === null) continue;
    const holders = tunHoldersOf(host, iface.name);
    const carries = carriesNodeTraffic(host, iface);
    if (holders.length === 0 && carries === null) continue;
    const named = holders.map((h) => ownerOfProcess(h.comm, h.cmdline)).find((x) => x !== null) ?? null;
    const owner = named ?? (holders[0] ? describeHolder(holders[0]) : 'an unknown owner');
    out.push({
      name: iface.name,
      owner,
      why: holders.some((h) => setsTapMac(ownerOfProcess(h.comm, h.cmdline)))
        ? `${owner} sets the MAC of the taps it creates; a tap with another MAC may get no traffic`
        : 'whoever set up this device may rely on its MAC (neighbours cache it)',
      state: 'existing',
      current: iface,
      expectedMac: null,
      evidence: holders.length > 0
        ? { message: `${iface.name} is held open by ${holders.map(describeHolder).join(', ')}${named ? `, which is ${named}` : ''}` }
        : { message: `${iface.name} ${carries}, but no process holding it was seen` },
      conditions: null,
      certainty: 'suspected',
      holders,
    });
  }
  return out;
}

/** "carries the node's address 10.0.0.5/24" or "carries the default route", or null. */
function carriesNodeTraffic(host: Host, iface: Interface): string | null {
  const global = iface.addresses.find((a) => a.scope === 'global');
  if (global) return `carries the address ${global.local}/${global.prefixlen}`;
  const route = host.routes.find((r) => r.dst === 'default' && r.dev === iface.name && (r.table === 'main' || r.table === '254'));
  return route ? `carries the ${route.family === 'inet6' ? 'IPv6 ' : ''}default route` : null;
}

/** Devices of other CNIs and runtimes present on the host. */
export function wellKnownOwned(host: Host): MacOwned[] {
  const out: MacOwned[] = [];
  for (const iface of host.interfaces) {
    const known = matchesWellKnown(iface);
    if (!known || iface.mac === null) continue;
    out.push({
      name: iface.name,
      owner: known.owner,
      why: known.why,
      state: 'existing',
      current: iface,
      expectedMac: null,
      evidence: { message: `${iface.name} is a device ${known.owner} creates and gives its MAC` },
      conditions: null,
      certainty: 'configured',
      holders: tunHoldersOf(host, iface.name),
    });
  }
  return out;
}

const NM_MASTER_WHY = 'the bond or bridge takes its first port\'s MAC only while its own is random: a MAC from udevd stays, so DHCP reservations and switch port security keyed to the NIC\'s MAC fail, and machines cloned with one machine-id share it (systemd/systemd#13712; RHsyseng/rhcos-slb#94: NetworkManager reapplies the link and the node gets a new DHCP lease; Fedora 38 set MACAddressPolicy=none for bond, bridge and team for this)';

/** Whether a systemd-networkd .netdev file creates this device ([NetDev] Name=). */
function netdevCreates(host: Host, name: string): boolean {
  return SYSTEMD_NETWORK_DIRS.some((dir) => host.filesUnder(dir).some((f) => f.path.endsWith('.netdev') && f.content !== null &&
    parseUnitFile(f.path, f.content).assignments.some((a) => a.section === 'NetDev' && a.key === 'Name' && a.value.trim() === name)));
}

/**
 * Bonds, teams and host bridges (a bridge with a hardware port: libvirt's, Docker's and the CNI's have
 * only virtual ones) NetworkManager manages and no .netdev file creates: NetworkManager creates them
 * from its profiles at boot.
 */
export function nmMastersOwned(host: Host): MacOwned[] {
  const hostBridge = (i: Interface) => i.kind === 'bridge' && host.ports(i.name).some((p) => p.kind === null);
  const masters = host.interfaces.filter((i) => (i.kind === 'bond' || i.kind === 'team' || hostBridge(i)) && i.mac !== null && !netdevCreates(host, i.name));
  if (masters.length === 0) return [];
  const config = loadNmConfig(host);
  if (config.files.length === 0 || config.refused) return [];
  return masters.flatMap((iface) => {
    const decision = nmDecision(host, config, iface);
    if (!decision.managed) return [];
    return [{
      name: iface.name,
      owner: 'NetworkManager',
      why: NM_MASTER_WHY,
      state: 'existing' as const,
      current: iface,
      expectedMac: null,
      evidence: { message: `${iface.name} is a ${iface.kind} NetworkManager manages (${decision.reason})`, ...(decision.origin ?? { file: config.files[0]! }) },
      conditions: null,
      certainty: 'configured' as const,
      holders: [],
    }];
  });
}

/** VPP's own devices in `show hardware-interfaces`, which are not an uplink. */
const VPP_INTERNAL = /^(tap|tun|local|loop|memif|ipip|vxlan|gre|wg|bond|pg|host-tap)/;

/**
 * The host taps Calico/VPP creates, one per uplink in its configuration: existing when a tap by the
 * uplink's name is there, planned when the uplink is still a Linux NIC (VPP has not taken it over).
 */
export function calicoVppOwned(host: Host): MacOwned[] {
  const inputs = calicoVppInputs(host);
  const config = inputs.config;
  if (!config) return [];
  const workers = inputs.startup
    ? { count: inputs.startup.value.workers ?? 0, source: inputs.startup.source.replace(/ \(.*\)$/, ''), line: inputs.startup.value.workersSetting.line }
    : null;
  const hardware = inputs.vppctl.hardwareInterfaces?.value.filter((h) => !VPP_INTERNAL.test(h.name) && h.mac) ?? [];
  return config.value.uplinkInterfaces.map((uplink) => {
    const iface = host.interface(uplink.interfaceName) ?? null;
    const isTap = iface?.kind === 'tun' && iface.kindData.type === 'tap';
    const nicInLinux = iface !== null && !isTap && iface.kind === null;
    // The uplink's MAC in VPP: from vppctl when VPP runs, else the NIC's own MAC before the takeover.
    const inVpp = hardware.length === 1 && config.value.uplinkInterfaces.length === 1 ? hardware[0]! : undefined;
    const expectedMac = inVpp?.mac ?? (nicInLinux ? iface.permaddr ?? iface.mac : null);
    const nicFromVpp = inVpp ? nicFacts(inVpp.details, inputs.vppctl.hardwareInterfaces!.source) : null;
    return {
      name: uplink.interfaceName,
      owner: 'Calico/VPP',
      why: 'VPP programs the uplink\'s MAC on its side of the tap; a tap with another MAC gets no traffic',
      state: isTap ? 'existing' : 'planned',
      current: iface,
      expectedMac,
      evidence: { message: `uplink ${uplink.interfaceName} in the Calico/VPP configuration`, file: config.source, ...(uplink.line ? { line: uplink.line } : {}) },
      conditions: {
        vppWorkers: workers,
        uplinkNic: nicInLinux
          ? { driver: iface.driver, queues: iface.numRxQueues, source: `sysfs of ${iface.name}` }
          : nicFromVpp,
      },
      certainty: 'configured',
      holders: tunHoldersOf(host, uplink.interfaceName),
    } satisfies MacOwned;
  });
}

/** Driver and queue count of a NIC from the detail lines of `show hardware-interfaces`. */
function nicFacts(details: string[], source: string): RaceConditions['uplinkNic'] {
  const text = details.join('\n');
  const driver = /\bE810\b|\bice\b/i.test(text) ? 'ice' : (/^\s*(?:driver|carrier)?\s*(?:name\s+)?(net_\w+|avf|rdma|mlx5|ixgbe|i40e)\b/im.exec(text)?.[1] ?? null);
  const q = /num-queue-pairs (\d+)|rx(?: queues)? (\d+)(?: queues)?/i.exec(text);
  const queues = q ? Number(q[1] ?? q[2]) : null;
  return driver === null && queues === null ? null : { driver, queues, source };
}

/** The seeds' conditions: several VPP workers and a multi-queue NIC such as Intel E810 (ice). */
export function seedConditionsHold(c: RaceConditions | null): boolean {
  if (!c?.vppWorkers || c.vppWorkers.count < 2 || !c.uplinkNic) return false;
  return c.uplinkNic.driver === 'ice' || (c.uplinkNic.queues ?? 0) > 1;
}

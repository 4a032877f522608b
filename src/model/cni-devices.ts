/**
 * The devices CNIs, kube-proxy and container runtimes create on a node: one table that every rule
 * asking "did a CNI make this interface?" reads (systemd-networkd and NetworkManager taking them over,
 * firewalld reloads and nm-cloud-setup on a CNI node).
 *
 * Globs are an exact name or a prefix followed by `*`, so they read the same as networkd's Name= and
 * NetworkManager's interface-name: (both fnmatch), and each project's group is the exclusion its docs
 * give for NetworkManager (Calico's "Configure NetworkManager", RKE2's known issues; the others in
 * the same form, from the names each project creates).
 */

export interface CniDevice {
  /** An exact name, or a prefix ending in `*`. */
  glob: string;
  /** What the device is, for messages. */
  role: string;
}

export interface CniProject {
  project: string;
  devices: readonly CniDevice[];
  /**
   * Docker's bridge and the runtimes' veths: not a CNI's, so they do not make a node a CNI node, and
   * NetworkManager leaves them alone by itself (veths through its 85-nm-unmanaged.rules, docker0 as
   * an external device it only assumes).
   */
  runtime?: true;
}

export const CNI_PROJECTS: readonly CniProject[] = [
  {
    project: 'Calico',
    devices: [
      { glob: 'cali*', role: 'workload veths' },
      { glob: 'tunl*', role: 'IPIP; tunl0 is the kernel\'s ipip fallback device' },
      { glob: 'vxlan.calico', role: 'VXLAN' },
      { glob: 'vxlan-v6.calico', role: 'VXLAN, IPv6' },
      { glob: 'wireguard.cali', role: 'WireGuard' },
      { glob: 'wg-v6.cali', role: 'WireGuard, IPv6' },
    ],
  },
  { project: 'flannel', devices: [{ glob: 'flannel*', role: 'VXLAN or WireGuard' }, { glob: 'cni0', role: 'the CNI bridge plugin\'s bridge' }] },
  { project: 'Cilium', devices: [{ glob: 'cilium_*', role: 'host, net and tunnel devices' }, { glob: 'lxc*', role: 'endpoint veths' }] },
  { project: 'Weave Net', devices: [{ glob: 'weave', role: 'bridge' }, { glob: 'vxlan-6784', role: 'fast-datapath VXLAN' }, { glob: 'datapath', role: 'Open vSwitch datapath' }] },
  { project: 'Antrea', devices: [{ glob: 'antrea-*', role: 'gateway, tunnel and egress devices' }] },
  { project: 'OVN-Kubernetes', devices: [{ glob: 'ovn-k8s-*', role: 'management port' }, { glob: 'genev_sys_*', role: 'Geneve' }] },
  { project: 'Kube-OVN', devices: [{ glob: 'ovn0', role: 'node switch port' }] },
  { project: 'the AWS VPC CNI', devices: [{ glob: 'eni*', role: 'pod veths' }] },
  { project: 'kube-router', devices: [{ glob: 'kube-bridge', role: 'pod bridge' }] },
  { project: 'kube-proxy (IPVS)', devices: [{ glob: 'kube-ipvs0', role: 'Service addresses' }] },
  { project: 'NodeLocal DNSCache', devices: [{ glob: 'nodelocaldns', role: 'DNS cache address' }] },
  {
    project: 'a container runtime',
    runtime: true,
    devices: [{ glob: 'docker0', role: 'Docker\'s bridge' }, { glob: 'veth*', role: 'container veths, also the CNI bridge plugin\'s' }],
  },
];

export interface CniDeviceMatch {
  project: CniProject;
  device: CniDevice;
}

export function globMatches(glob: string, name: string): boolean {
  return glob.endsWith('*') ? name.startsWith(glob.slice(0, -1)) : name === glob;
}

/** The project and device a name belongs to, runtimes' devices included; null for any other name. */
export function hostDeviceOf(name: string): CniDeviceMatch | null {
  for (const project of CNI_PROJECTS) {
    const device = project.devices.find((d) => globMatches(d.glob, name));
    if (device) return { project, device };
  }
  return null;
}

/** Like hostDeviceOf, but only a CNI's (or kube-proxy's) devices: the ones that make a node a CNI node. */
export function cniDeviceOf(name: string): CniDeviceMatch | null {
  const match = hostDeviceOf(name);
  return match && !match.project.runtime ? match : null;
}

/** "Calico (workload veths)": who made the device, for messages. */
export function describeOwner(match: CniDeviceMatch): string {
  return `${match.project.project} (${match.device.role})`;
}

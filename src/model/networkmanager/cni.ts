/**
 * The devices CNIs and kube-proxy create on a node, grouped by who creates them, with the
 * unmanaged-devices specs their projects document for NetworkManager (Calico's "Configure
 * NetworkManager" page, RKE2's known issues; the others in the same form, from the names each creates).
 */
import { globMatch } from './spec.js';

export interface CniFamily {
  owner: string;
  /** Interface-name globs, as NetworkManager matches them. */
  names: string[];
}

export const CNI_FAMILIES: readonly CniFamily[] = [
  { owner: 'Calico', names: ['cali*', 'tunl*', 'vxlan.calico', 'vxlan-v6.calico', 'wireguard.cali', 'wg-v6.cali'] },
  { owner: 'flannel', names: ['flannel*', 'cni0'] },
  { owner: 'Cilium', names: ['cilium_*', 'lxc*'] },
  { owner: 'Weave Net', names: ['weave', 'vxlan-6784', 'datapath'] },
  { owner: 'Antrea', names: ['antrea-*'] },
  { owner: 'OVN-Kubernetes', names: ['ovn-k8s-*', 'genev_sys_*'] },
  { owner: 'Kube-OVN', names: ['ovn0'] },
  { owner: 'the AWS VPC CNI', names: ['eni*'] },
  { owner: 'kube-proxy (IPVS)', names: ['kube-ipvs0'] },
  { owner: 'NodeLocal DNSCache', names: ['nodelocaldns'] },
];

export function cniFamilyOf(name: string): CniFamily | undefined {
  return CNI_FAMILIES.find((f) => f.names.some((g) => globMatch(g, name)));
}

/** The documented form: `interface-name:GLOB` for each name of each family. */
export function familySpecs(families: readonly CniFamily[]): string[] {
  return families.flatMap((f) => f.names.map((n) => `interface-name:${n}`));
}

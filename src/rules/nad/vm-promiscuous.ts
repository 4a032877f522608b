/**
 * nad/vm-promiscuous: each macvlan pod sends and receives with a MAC address of its own. On a virtual
 * machine the hypervisor's virtual switch forwards only the virtual NIC's own MAC unless it is told
 * otherwise (promiscuous mode, forged transmits, MAC changes, port security), so pods on a VM master
 * see nothing. Seed 003 lists it as a prerequisite; public clouds generally do not allow it at all.
 */
import { resolveMaster } from '../../model/macvlan/index.js';
import type { Finding, Rule } from '../types.js';
import { hasNode, nadEvidence, onNode, stackedAttachments } from './inputs.js';

/** What to check, per `systemd-detect-virt` answer. */
export const HYPERVISOR_ADVICE: Record<string, string> = {
  vmware: 'VMware vSphere: on the port group of this NIC (standard or distributed switch) set Security to Promiscuous mode Accept, MAC address changes Accept and Forged transmits Accept; on a distributed switch 6.7 or later, MAC learning is the lighter alternative',
  kvm: 'KVM/libvirt: a Linux bridge or Open vSwitch host port forwards any MAC; with a macvtap (type=direct) NIC set trustGuestRxFilters=\'yes\' on the <interface>; on OpenStack, Neutron port security drops unknown MACs: add allowed-address-pairs for the pods\' MACs/IPs or disable port security on the port',
  qemu: 'QEMU/libvirt: a Linux bridge or Open vSwitch host port forwards any MAC; with a macvtap (type=direct) NIC set trustGuestRxFilters=\'yes\' on the <interface>; on OpenStack, use allowed-address-pairs or disable port security on the port',
  microsoft: 'Hyper-V: Set-VMNetworkAdapter -VMName <vm> -MacAddressSpoofing On for this adapter; Azure does not deliver frames for extra MACs at all: use ipvlan (one MAC) instead',
  oracle: 'VirtualBox: set the adapter\'s Promiscuous Mode to "Allow All"',
  xen: 'Xen: the vif\'s bridge must accept the pods\' MACs (no MAC anti-spoofing rules on the vif)',
  amazon: 'AWS: an ENI delivers only its own MAC, so macvlan pods get no traffic; use ipvlan (one MAC) or secondary ENIs, and disable the source/destination check where pods route',
  google: 'Google Cloud: the VPC delivers only the NIC\'s own MAC, so macvlan pods get no traffic; use ipvlan (one MAC) or alias IP ranges',
};

const GENERIC = 'the hypervisor\'s virtual switch must accept frames from and to MACs other than the virtual NIC\'s (promiscuous mode, forged transmits, MAC changes, port security)';

/** systemd-detect-virt answers that are containers, not virtual machines. */
const CONTAINERS = new Set(['none', 'docker', 'podman', 'lxc', 'lxc-libvirt', 'systemd-nspawn', 'openvz', 'rkt', 'wsl', 'proot', 'pouch', 'container-other']);

export const vmPromiscuous: Rule = {
  meta: {
    id: 'nad/vm-promiscuous',
    title: 'macvlan on a virtual machine needs the hypervisor to accept extra MACs',
    severity: 'warning',
    references: ['seeds/003 (promiscuous mode on VM networks)', 'Docker docs: "Most cloud providers block macvlan networking"'],
  },
  check(host) {
    if (!hasNode(host)) return [];
    const virt = host.snapshot.host.virtualization;
    if (virt === null || CONTAINERS.has(virt)) return [];
    const out: Finding[] = [];
    const masters = new Map<string, string[]>();
    const evidence = new Map<string, Finding['evidence']>();
    for (const a of stackedAttachments(host, ['macvlan'])) {
      const m = resolveMaster(a.conf, host);
      if (!m.ok) continue;
      if (!masters.has(m.name)) {
        masters.set(m.name, []);
        evidence.set(m.name, []);
      }
      masters.get(m.name)!.push(a.nad.name ?? '(unnamed)');
      evidence.get(m.name)!.push(nadEvidence(a.nad, `macvlan on ${m.name}`));
    }
    for (const [master, nads] of masters) {
      const advice = HYPERVISOR_ADVICE[virt] ?? GENERIC;
      out.push({
        ruleId: this.meta.id, severity: 'warning', interface: master,
        message: `${[...new Set(nads)].join(', ')}: ${master} is a virtual NIC (virtualization ${virt})${onNode(host)}; macvlan pods use MACs of their own, which ${virt} drops unless allowed. ${advice}`,
        evidence: [...evidence.get(master)!, { message: `systemd-detect-virt: ${virt}`, field: 'host.virtualization', value: virt }],
        fixes: [],
      });
    }
    return out;
  },
};

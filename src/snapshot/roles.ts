/**
 * Roles of input files a user hands to an analysis (`--input ROLE=FILE`) when hostnet cannot collect
 * them itself or they live somewhere unusual. The role says which parser reads the file; the snapshot
 * records it beside the file's text. One line per role.
 */
export const INPUT_ROLES: Record<string, string> = {
  'link-file': 'a systemd .link file (or a .network file) to treat as installed at its own path',
  'calico-vpp-config': 'the Calico/VPP configuration: the calico-vpp-config ConfigMap YAML, an environment file (KEY=VALUE) or the CALICOVPP_INTERFACES JSON',
  'vpp-startup': "VPP's startup.conf (when not at /etc/vpp/startup.conf)",
  'vppctl-show-interface-address': 'the output of `vppctl show interface address` (`sh int addr`)',
  'vppctl-show-hardware-interfaces': 'the output of `vppctl show hardware-interfaces` (`sh hard`)',
  'vppctl-show-ip-punt-redirect': 'the output of `vppctl show ip punt redirect` (or `show ip6 punt redirect`)',
  'vppctl-show-ip-fib': 'the output of `vppctl show ip fib` (or `show ip6 fib`)',
  'vppctl-show-errors': 'the output of `vppctl show errors` (`sh err`): the error counters per graph node',
  'vppctl-show-runtime': 'the output of `vppctl show runtime` (`sh run`): threads, their graph nodes and vector rates',
  'calico-vpp-plan': 'a plan written by `npx hostnet plan calico-vpp --format json`, to verify a deployed node against',
  'libvirt-domain': 'a libvirt domain XML (virsh dumpxml NAME), when not under /etc/libvirt/qemu or /run/libvirt/qemu',
  'proc-net-bonding': 'a copy of /proc/net/bonding/BOND, e.g. from inside a VM; the bond is named after the file (bond0, bond0.txt)',
  'lab-intent': 'a lab intent YAML: which virtual wires carry LACP/LLDP/STP and which guest NICs form a bond (docs/labs.md)',
  'network-attachment-definition': 'NetworkAttachmentDefinitions (YAML or JSON, several documents, List kinds) to check against the node (docs/nad.md)',
  provisioning: 'a Butane or Ignition config, an OpenShift MachineConfig or cloud-init user data (#cloud-config): the .link/.network files (and other files hostnet reads) it installs count as installed at their paths',
  'kubernetes-node': 'Kubernetes Node objects (kubectl get nodes -o yaml, one node or a List): the SR-IOV resources they advertise are compared with the NADs\' resourceName (docs/nad.md)',
  'nft-ruleset': 'the output of `nft -j list ruleset` saved on the host (iptables-nft rules included), when it cannot be collected live (docs/host-paths.md)',
  'iptables-save': 'the output of `iptables-save` (or iptables-legacy-save); the backend is read from its header line: "(nf_tables)" or legacy',
  'ip6tables-save': 'the output of `ip6tables-save` (or ip6tables-legacy-save); the backend is read from its header line',
  'helm-values': 'a Helm values file whose tmm.cniNetworks, customEnvVars and resources are checked with the NADs (docs/nad.md)',
};

/** Every rule hostnet knows, in the order reports list them. One line per rule. */
import type { Rule } from './types.js';
import { macPolicyRace } from './link/mac-policy-race.js';
import { macRewrittenByUdev } from './link/mac-rewritten-by-udev.js';
import { policyInNetworkFile } from './link/policy-in-network-file.js';
import { l2ControlBlocked } from './bridge/l2-control-blocked.js';
import { netfilterDropsBridged } from './bridge/netfilter-drops-bridged.js';
import { forwardingIgnoresRa } from './ipv6/forwarding-ignores-ra.js';
import { noLacpPartner } from './bond/no-lacp-partner.js';
import { speedDuplexUnknown } from './bond/speed-duplex-unknown.js';
import { noActiveAggregator } from './bond/no-active-aggregator.js';
import { slaveDown } from './bond/slave-down.js';
import { splitAggregators } from './bond/split-aggregators.js';
import { virtioInLacpBond } from './libvirt/virtio-in-lacp-bond.js';
import { duplicateMac } from './libvirt/duplicate-mac.js';
import { nicModelDefault } from './libvirt/nic-model-default.js';
import { mtuAboveBridge } from './libvirt/mtu-above-bridge.js';
import { configInvalid } from './nad/config-invalid.js';
import { hostUnreachable } from './nad/host-unreachable.js';
import { masterDown } from './nad/master-down.js';
import { masterEnslaved } from './nad/master-enslaved.js';
import { masterMissing } from './nad/master-missing.js';
import { modeInvalid } from './nad/mode-invalid.js';
import { ipvlanL3Dhcp } from './nad/ipvlan-l3-dhcp.js';
import { mtuInvalid } from './nad/mtu-invalid.js';
import { nameInvalid } from './nad/name-invalid.js';
import { sharedMaster } from './nad/shared-master.js';
import { sriovVfPolicy } from './nad/sriov-vf-policy.js';
import { sriovResourceUnadvertised } from './nad/sriov-resource-unadvertised.js';
import { valuesCniNetworks } from './nad/values-cni-networks.js';
import { valuesResources } from './nad/values-resources.js';
import { valuesTmmMacvlan } from './nad/values-tmm-macvlan.js';
import { vmPromiscuous } from './nad/vm-promiscuous.js';
import { tapMac } from './vpp/tap-mac.js';
import { l3MacMismatch } from './vpp/l3-mac-mismatch.js';
import { tapMirror } from './vpp/tap-mirror.js';
import { clusterRoutesRule } from './vpp/cluster-routes.js';
import { puntRedirect } from './vpp/punt-redirect.js';
import { networkdPermanentMac } from './vpp/networkd-permanent-mac.js';
import { networkManagerTap } from './vpp/networkmanager-tap.js';
import { encapMtu } from './vpp/encap-mtu.js';
import { apiserverAddressRule } from './vpp/apiserver-address.js';
import { managesCni } from './nm/manages-cni.js';
import { cloudSetup } from './nm/cloud-setup.js';
import { reloadFlushesCni } from './firewalld/reload-flushes-cni.js';
import { blackHole } from './mtu/black-hole.js';
import { tunnelOverhead } from './mtu/tunnel-overhead.js';
import { strictAsymmetric } from './rpfilter/strict-asymmetric.js';
import { arpFlux } from './arp/flux.js';
import { ipvsWithoutStrictArp } from './arp/ipvs-without-strict-arp.js';
import { unnumberedUnanswered } from './arp/unnumbered-unanswered.js';
import { managesCniLink } from './networkd/manages-cni-link.js';
import { dropsForeignRoutes } from './networkd/drops-foreign-routes.js';

export const ALL_RULES: readonly Rule[] = [
  macRewrittenByUdev,
  macPolicyRace,
  policyInNetworkFile,
  nameInvalid,
  configInvalid,
  modeInvalid,
  ipvlanL3Dhcp,
  masterMissing,
  masterDown,
  masterEnslaved,
  mtuInvalid,
  sharedMaster,
  hostUnreachable,
  vmPromiscuous,
  sriovVfPolicy,
  sriovResourceUnadvertised,
  valuesCniNetworks,
  valuesTmmMacvlan,
  valuesResources,
  l2ControlBlocked,
  netfilterDropsBridged,
  forwardingIgnoresRa,
  speedDuplexUnknown,
  noLacpPartner,
  noActiveAggregator,
  splitAggregators,
  slaveDown,
  virtioInLacpBond,
  duplicateMac,
  mtuAboveBridge,
  nicModelDefault,
  tapMac,
  l3MacMismatch,
  tapMirror,
  clusterRoutesRule,
  puntRedirect,
  networkdPermanentMac,
  networkManagerTap,
  encapMtu,
  blackHole,
  tunnelOverhead,
  strictAsymmetric,
  arpFlux,
  ipvsWithoutStrictArp,
  unnumberedUnanswered,
  apiserverAddressRule,
  managesCni,
  cloudSetup,
  reloadFlushesCni,
  managesCniLink,
  dropsForeignRoutes,
];

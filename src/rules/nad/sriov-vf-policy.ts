/**
 * nad/sriov-vf-policy: an SR-IOV network needs a VF allocated by the device plugin (Multus passes its
 * PCI address as `deviceID` when the NAD carries the `k8s.v1.cni.cncf.io/resourceName` annotation), and
 * a pod that sets its own MAC or addresses, as F5 SPK's TMM does, needs the VF's spoof check off and
 * trust on, with the mac and ips capabilities: the SR-IOV side of the promiscuous-mode pitfall.
 */
import type { Finding, Rule } from '../types.js';
import { nadEvidence, nadInputs, valuesInputs } from './inputs.js';
import { CNI_NETWORKS_PATH, splitNetworkList } from './values-cni-networks.js';

const RESOURCE_ANNOTATION = 'k8s.v1.cni.cncf.io/resourceName';

export const sriovVfPolicy: Rule = {
  meta: {
    id: 'nad/sriov-vf-policy',
    title: 'SR-IOV network without a device-plugin resource, or with a VF policy that drops the pod\'s own MACs',
    severity: 'error',
    references: ['k8snetworkplumbingwg/sriov-cni README (spoofchk, trust, deviceID)', 'anchors 1.5: F5 SPK requires spoofChk off, trust on, capabilities mac and ips', 'k8snetworkplumbingwg/network-resources-injector (resourceName)'],
  },
  check(host) {
    const out: Finding[] = [];
    const tmmNetworks = new Set(valuesInputs(host).flatMap((v) => {
      const at = v.at(CNI_NETWORKS_PATH);
      return typeof at?.value === 'string' ? splitNetworkList(at.value).map((e) => e.name) : [];
    }));
    for (const nad of nadInputs(host).nads) {
      const label = nad.name ?? '(unnamed)';
      for (const p of nad.config?.plugins ?? []) {
        if (p.type !== 'sriov') continue;
        const c = p.conf;
        const add = (severity: Finding['severity'], message: string): void => {
          out.push({ ruleId: this.meta.id, severity, message: `${label}: ${message}`, evidence: [nadEvidence(nad, 'sriov plugin')], fixes: [] });
        };
        if (!nad.annotations[RESOURCE_ANNOTATION] && typeof c.deviceID !== 'string') {
          add('error', `no ${RESOURCE_ANNOTATION} annotation (and no deviceID): no VF is allocated to the pod, so sriov-cni has no VF PCI address and fails`);
        }
        for (const key of ['spoofchk', 'trust'] as const) {
          const v = c[key];
          if (v !== undefined && v !== 'on' && v !== 'off') add('error', `"${key}": ${JSON.stringify(v)} must be "on" or "off"`);
        }
        if (!tmmNetworks.has(label)) continue;
        // TMM moves its own MACs and addresses onto the VF (seed 003's F5SPKVlan objects).
        if (c.spoofchk !== 'off') add('warning', `TMM uses this network (tmm.cniNetworks): the VF's spoof check drops frames from MACs TMM sets; add "spoofchk": "off"`);
        if (c.trust !== 'on') add('warning', `TMM uses this network (tmm.cniNetworks): an untrusted VF refuses MAC changes and promiscuous mode; add "trust": "on"`);
        const caps = (typeof c.capabilities === 'object' && c.capabilities !== null ? c.capabilities : {}) as Record<string, unknown>;
        const missing = ['mac', 'ips'].filter((k) => caps[k] !== true);
        if (missing.length) add('warning', `TMM uses this network (tmm.cniNetworks): "capabilities" lacks ${missing.map((k) => `"${k}": true`).join(' and ')}, so the MAC and addresses TMM asks for are not passed to the plugin`);
      }
    }
    return out;
  },
};

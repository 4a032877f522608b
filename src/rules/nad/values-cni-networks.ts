/**
 * nad/values-cni-networks: the chart's `tmm.cniNetworks` (comma-separated, `namespace/name` or `name`)
 * must name NetworkAttachmentDefinitions that exist, or the TMM pod stays in ContainerCreating with
 * Multus unable to find the network. A NAD without metadata.namespace counts for any namespace: it
 * lands wherever it is applied (`oc apply -n default` in seed 003).
 */
import type { Finding, Rule } from '../types.js';
import { nadInputs, valuesInputs } from './inputs.js';
import { isDns1123Label } from '../../sources/k8s-names.js';

export const CNI_NETWORKS_PATH = ['tmm', 'cniNetworks'] as const;

/** The entries of a cniNetworks string, as Multus splits a comma-separated network list. */
export function splitNetworkList(text: string): { namespace: string | undefined; name: string; raw: string }[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '').map((raw) => {
    const slash = raw.indexOf('/');
    return slash >= 0 ? { namespace: raw.slice(0, slash), name: raw.slice(slash + 1), raw } : { namespace: undefined, name: raw, raw };
  });
}

export const valuesCniNetworks: Rule = {
  meta: {
    id: 'nad/values-cni-networks',
    title: 'tmm.cniNetworks names a NetworkAttachmentDefinition that does not exist',
    severity: 'error',
    references: ['seeds/003 (tmm.cniNetworks: default/macvlan-internal,default/macvlan-external)', 'k8snetworkplumbingwg/multi-net-spec v1.0 (network selection annotation)'],
  },
  check(host) {
    const out: Finding[] = [];
    const nads = nadInputs(host).nads;
    for (const values of valuesInputs(host)) {
      const at = values.at(CNI_NETWORKS_PATH);
      if (!at) continue;
      const evidence = (message: string) => [{ message, file: values.file, line: at.line }];
      if (typeof at.value !== 'string') {
        out.push({ ruleId: this.meta.id, severity: 'error', message: `tmm.cniNetworks must be a comma-separated string of namespace/name entries, found ${JSON.stringify(at.value)}`, evidence: evidence('tmm.cniNetworks'), fixes: [] });
        continue;
      }
      for (const entry of splitNetworkList(at.value)) {
        if ((entry.namespace !== undefined && !isDns1123Label(entry.namespace)) || entry.name === '' || entry.name.includes('/')) {
          out.push({ ruleId: this.meta.id, severity: 'error', message: `tmm.cniNetworks entry ${JSON.stringify(entry.raw)} is not namespace/name`, evidence: evidence(`tmm.cniNetworks: ${at.value}`), fixes: [] });
          continue;
        }
        const sameName = nads.filter((n) => n.name === entry.name);
        const match = sameName.filter((n) => entry.namespace === undefined || n.namespace === undefined || n.namespace === entry.namespace);
        if (match.length > 0) continue;
        const elsewhere = sameName.map((n) => n.namespace).filter((n): n is string => n !== undefined);
        out.push({
          ruleId: this.meta.id, severity: 'error',
          message: elsewhere.length > 0
            ? `tmm.cniNetworks names ${entry.raw}, but ${entry.name} is defined in namespace ${elsewhere.join(', ')}, not ${entry.namespace}`
            : `tmm.cniNetworks names ${entry.raw}, but no NetworkAttachmentDefinition ${entry.name} was given (known: ${nads.map((n) => n.name).filter(Boolean).join(', ') || 'none'}); the pod will wait in ContainerCreating`,
          evidence: evidence(`tmm.cniNetworks: ${at.value}`),
          fixes: [],
        });
      }
    }
    return out;
  },
};

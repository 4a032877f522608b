/**
 * nad/name-invalid: the object's name and namespace must be names the API server accepts and pods can
 * refer to. The API server takes a DNS-1123 subdomain as a custom resource's name and a DNS-1123 label
 * as a namespace; the multi-net spec recommends a label (63 characters at most) for the name, because
 * pods refer to it as `namespace/name` and CNI uses it as the network name.
 */
import { isDns1123Label, isDns1123Subdomain } from '../../sources/k8s-names.js';
import type { Finding, Rule } from '../types.js';
import { nadEvidence, nadInputs } from './inputs.js';

export const nameInvalid: Rule = {
  meta: {
    id: 'nad/name-invalid',
    title: 'NetworkAttachmentDefinition name or namespace is not a valid DNS-1123 name',
    severity: 'error',
    references: ['k8snetworkplumbingwg/multi-net-spec v1.0 (object naming)', 'Kubernetes API conventions: DNS-1123 label and subdomain names'],
  },
  check(host) {
    const out: Finding[] = [];
    for (const nad of nadInputs(host).nads) {
      if (nad.bare) continue; // no Kubernetes object: its config's name is checked by nad/config-invalid
      if (nad.name === undefined || nad.name === '') {
        out.push({ ruleId: this.meta.id, severity: 'error', message: 'the NetworkAttachmentDefinition has no metadata.name; the API server rejects it', evidence: [nadEvidence(nad, 'metadata.name is missing', nad.place.line)], fixes: [] });
      } else if (!isDns1123Subdomain(nad.name)) {
        out.push({
          ruleId: this.meta.id, severity: 'error',
          message: `name ${JSON.stringify(nad.name)} is not a DNS-1123 name (lower-case letters, digits and '-', starting and ending with a letter or digit); the API server rejects it`,
          evidence: [nadEvidence(nad, `metadata.name: ${JSON.stringify(nad.name)}`, nad.nameLine)], fixes: [],
        });
      } else if (!isDns1123Label(nad.name)) {
        out.push({
          ruleId: this.meta.id, severity: 'warning',
          message: `name ${JSON.stringify(nad.name)} is accepted by the API server but is not a DNS-1123 label (no dots, 63 characters at most), as the multi-net spec recommends for network names`,
          evidence: [nadEvidence(nad, `metadata.name: ${JSON.stringify(nad.name)}`, nad.nameLine)], fixes: [],
        });
      }
      if (nad.namespace !== undefined && !isDns1123Label(nad.namespace)) {
        out.push({
          ruleId: this.meta.id, severity: 'error',
          message: `namespace ${JSON.stringify(nad.namespace)} is not a DNS-1123 label; no such namespace can exist`,
          evidence: [nadEvidence(nad, `metadata.namespace: ${JSON.stringify(nad.namespace)}`, nad.namespaceLine)], fixes: [],
        });
      }
    }
    return out;
  },
};

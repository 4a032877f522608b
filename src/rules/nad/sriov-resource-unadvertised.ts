/**
 * nad/sriov-resource-unadvertised: a NAD's `k8s.v1.cni.cncf.io/resourceName` must be a resource the
 * SR-IOV device plugin advertises on the nodes (status.allocatable). Multus asks the kubelet for the
 * device allocated to the pod under that name; the scheduler places a pod requesting it only on nodes
 * that have it free. A name no node advertises (a typo, the wrong prefix, a policy that selected no NIC)
 * leaves every such pod Pending. Needs Node objects: `nad check --nodes FILE` or `--kubeconfig`.
 */
import { deviceCount, type K8sNode } from '../../sources/k8s-node.js';
import type { Evidence, Finding, Rule } from '../types.js';
import { nadEvidence, nadInputs, nodeInputs } from './inputs.js';

export const RESOURCE_ANNOTATION = 'k8s.v1.cni.cncf.io/resourceName';

export const sriovResourceUnadvertised: Rule = {
  meta: {
    id: 'nad/sriov-resource-unadvertised',
    title: 'The SR-IOV resource a NAD names is not advertised by the nodes',
    severity: 'error',
    references: ['k8snetworkplumbingwg/multus-cni pkg/k8sclient/k8sclient.go (getKubernetesDelegate: resourceName)', 'k8snetworkplumbingwg/sriov-network-device-plugin README (resourceName, resourcePrefix)', 'Kubernetes: extended resources in node status.allocatable'],
  },
  check(host) {
    const nodes = nodeInputs(host).nodes;
    if (nodes.length === 0) return [];
    const out: Finding[] = [];
    for (const nad of nadInputs(host).nads) {
      const resource = nad.annotations[RESOURCE_ANNOTATION];
      if (resource === undefined) continue;
      const label = nad.name ?? '(unnamed)';
      const having = nodes.filter((n) => deviceCount(n.allocatable[resource]) > 0);
      const from = describeSources(nodes);
      const evidence: Evidence[] = [nadEvidence(nad, `${RESOURCE_ANNOTATION}: ${resource}`, nad.place.line), ...nodes.slice(0, 8).map((n) => nodeEvidence(n, resource))];
      if (having.length === 0) {
        const near = similar(resource, nodes);
        out.push({
          ruleId: this.meta.id, severity: 'error', evidence, fixes: [],
          message: `${label}: resource ${resource} is allocatable on none of the ${nodes.length} node${nodes.length === 1 ? '' : 's'} (${from}); pods requesting it stay Pending ("Insufficient ${resource}")` +
            (near.length ? `; the nodes advertise ${near.join(', ')}: is that the name meant?` : '; check the SR-IOV device plugin\'s resource list (or SriovNetworkNodePolicy) and whether it selected any NIC'),
        });
      } else if (having.length < nodes.length) {
        out.push({
          ruleId: this.meta.id, severity: 'note', evidence, fixes: [],
          message: `${label}: resource ${resource} is allocatable only on ${having.map((n) => n.name).join(', ')} of the ${nodes.length} nodes (${from}); pods using this network can run only there`,
        });
      }
    }
    return out;
  },
};

function nodeEvidence(node: K8sNode, resource: string): Evidence {
  const what = !node.hasStatus ? 'has no status (allocatable unknown)'
    : `allocatable ${node.allocatable[resource] ?? 'none'}, capacity ${node.capacity[resource] ?? 'none'}`;
  return { message: `node ${node.name}: ${resource} ${what}`, file: node.file, line: node.line };
}

/** Where the Node objects came from, for the message: the files or the cluster. */
function describeSources(nodes: readonly K8sNode[]): string {
  const files = [...new Set(nodes.map((n) => n.file))];
  const cluster = files.filter((f) => f.startsWith('cluster:'));
  const local = files.filter((f) => !f.startsWith('cluster:'));
  return [cluster.length ? 'Node objects from the cluster' : '', local.length ? `Node objects from ${local.join(', ')}` : ''].filter(Boolean).join(' and ');
}

/** Advertised resources with the same name after the prefix (intel.com/x for openshift.io/x), or a prefix-less match. */
function similar(resource: string, nodes: readonly K8sNode[]): string[] {
  const base = resource.slice(resource.indexOf('/') + 1);
  const names = new Set(nodes.flatMap((n) => Object.keys(n.allocatable)));
  return [...names].filter((r) => r !== resource && r.includes('/') && r.slice(r.indexOf('/') + 1) === base).sort();
}

/**
 * `hostnet nad check --kubeconfig`: the cluster's NetworkAttachmentDefinitions. Named imports (not the
 * client's whole namespace) let the bundler leave out the thousands of API classes nobody calls here.
 */
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { stringifyK8sYaml as stringifyYaml } from '../sources/k8s-yaml.js';
import { InputError } from '../errors.js';
import { NAD_ROLE, NODE_ROLE } from '../rules/nad/inputs.js';
import type { FileRecord } from '../snapshot/schema.js';

const CLUSTER_TIMEOUT_MS = 15_000;

/**
 * The cluster's NADs through the official client (it handles tokens, certificates and exec plugins).
 * Each becomes an input of its own, `cluster:NAMESPACE/NAME`, as YAML the way `oc get -o yaml` shows it,
 * so findings point at a line of that.
 */
export async function readNadsFromCluster(kubeconfig: string, namespace: string | undefined, progress: (m: string) => void): Promise<FileRecord[]> {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(kubeconfig);
  } catch (err) {
    throw new InputError(`cannot load the kubeconfig: ${(err as Error).message}`, kubeconfig);
  }
  if (!kc.getCurrentCluster()) throw new InputError('the kubeconfig names no current cluster', kubeconfig, 'check its current-context');
  const api = kc.makeApiClient(CustomObjectsApi);
  const what = { group: 'k8s.cni.cncf.io', version: 'v1', plural: 'network-attachment-definitions' };
  progress(`reading NetworkAttachmentDefinitions from ${kc.getCurrentCluster()!.server}`);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CLUSTER_TIMEOUT_MS / 1000} s`)), CLUSTER_TIMEOUT_MS);
  });
  let list: { items?: Record<string, unknown>[] };
  try {
    list = (await Promise.race([namespace ? api.listNamespacedCustomObject({ ...what, namespace }) : api.listClusterCustomObject(what), timeout])) as typeof list;
  } catch (err) {
    const e = err as { code?: number; body?: unknown; message?: string };
    const status = typeof e.code === 'number' ? `HTTP ${e.code}` : undefined;
    const reason = typeof e.body === 'string' ? (/"message":\s*"([^"]*)"/.exec(e.body)?.[1] ?? e.body.slice(0, 200)) : e.message;
    throw new InputError(`cannot list NetworkAttachmentDefinitions${namespace ? ` in namespace ${namespace}` : ''} from ${kc.getCurrentCluster()!.server}: ${[status, reason].filter(Boolean).join(': ')}`, kubeconfig,
      e.code === 404 ? 'the NetworkAttachmentDefinition CRD is not installed (Multus is not deployed?)' : e.code === 401 || e.code === 403 ? 'the kubeconfig\'s user may not list network-attachment-definitions' : undefined);
  } finally {
    clearTimeout(timer);
  }
  return (list.items ?? []).map((item) => {
    const meta = (item.metadata ?? {}) as { name?: string; namespace?: string };
    const full = { apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition', ...item };
    return { path: `cluster:${meta.namespace ?? ''}/${meta.name ?? ''}`, content: stringifyYaml(full), mask: null, role: NAD_ROLE };
  });
}

/**
 * The cluster's Node objects, for the SR-IOV resources they advertise; each an input `cluster:node/NAME`.
 * A user who may list NADs but not nodes still gets the rest of the check: the problem is returned, not thrown.
 */
export async function readNodesFromCluster(kubeconfig: string, progress: (m: string) => void): Promise<{ nodes: FileRecord[] } | { problem: string }> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig); // already loaded once for the NADs
  progress(`reading Nodes from ${kc.getCurrentCluster()?.server ?? 'the cluster'}`);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CLUSTER_TIMEOUT_MS / 1000} s`)), CLUSTER_TIMEOUT_MS);
  });
  try {
    const list = await Promise.race([kc.makeApiClient(CoreV1Api).listNode(), timeout]);
    return {
      nodes: list.items.map((node) => ({
        path: `cluster:node/${node.metadata?.name ?? ''}`,
        content: stringifyYaml({ apiVersion: 'v1', kind: 'Node', metadata: { name: node.metadata?.name }, status: { allocatable: node.status?.allocatable ?? {}, capacity: node.status?.capacity ?? {} } }),
        mask: null, role: NODE_ROLE,
      })),
    };
  } catch (err) {
    const e = err as { code?: number; message?: string };
    return { problem: `cannot list Nodes: ${typeof e.code === 'number' ? `HTTP ${e.code}` : e.message ?? String(err)}` };
  } finally {
    clearTimeout(timer);
  }
}

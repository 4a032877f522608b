/**
 * The Calico/VPP configuration as the cluster holds it, for a node that has none on disk: the
 * ConfigMap wherever that release kept it, the calico-vpp-node DaemonSet's container environment
 * (what vpp-manager really gets; valueFrom and envFrom are resolved by the parser against the
 * ConfigMaps read here), and whether a calico-vpp-node pod runs on this node. Each call has a short
 * deadline and they run together, so an unreachable cluster costs one timeout; a 403 or a timeout is
 * a gap, never a failure. The objects are recorded, trimmed to what matters, as one YAML input with
 * the role calico-vpp-config, so the rules, the race explorer and the planner read them like a file.
 */
import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { stringifyK8sYaml } from '../sources/k8s-yaml.js';
import { classify, deadline, type KubeCallError } from '../agent/kube.js';
import type { FileRecord, Gap } from '../snapshot/schema.js';

/** Where each Calico/VPP release kept its configuration (projectcalico/vpp-dataplane yaml/generated). */
export const CALICO_VPP_CONFIGMAPS = [
  { namespace: 'calico-vpp-dataplane', name: 'calico-vpp-config' }, // v0.15 and later
  { namespace: 'kube-system', name: 'calico-config' }, // v0.7 to v0.13, shared with Calico itself
] as const;
export const CALICO_VPP_DAEMONSETS = [
  { namespace: 'calico-vpp-dataplane', name: 'calico-vpp-node' },
  { namespace: 'kube-system', name: 'calico-vpp-node' },
] as const;
export const CALICO_VPP_POD_LABEL = 'k8s-app=calico-vpp-node';

export interface ClusterConfigRead {
  /** The objects read, as one calico-vpp-config input; null when the cluster has no Calico/VPP. */
  file: FileRecord | null;
  gaps: Gap[];
  /** One line saying what was read. */
  note: string;
}

type Outcome<T> = { ok: true; value: T | null } | { ok: false; error: KubeCallError };

export async function readCalicoVppFromCluster(kc: KubeConfig, nodeName: string, timeoutMs: number): Promise<ClusterConfigRead> {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const call = async <T>(operation: string, send: (mw: { middleware: ReturnType<typeof deadline>[]; middlewareMergeStrategy: 'append' }) => Promise<T>): Promise<Outcome<T>> => {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      return { ok: true, value: await send({ middleware: [deadline(signal)], middlewareMergeStrategy: 'append' }) };
    } catch (err) {
      const error = classify(operation, err, signal, timeoutMs);
      return error.code === 404 ? { ok: true, value: null } : { ok: false, error };
    }
  };
  const [configMaps, daemonSets] = await Promise.all([
    Promise.all(CALICO_VPP_CONFIGMAPS.map((r) => call(`get configmap ${r.namespace}/${r.name}`, (o) => core.readNamespacedConfigMap(r, o)))),
    Promise.all(CALICO_VPP_DAEMONSETS.map((r) => call(`get daemonset ${r.namespace}/${r.name}`, (o) => apps.readNamespacedDaemonSet(r, o)))),
  ]);
  const gaps: Gap[] = [];
  const docs: unknown[] = [];
  const read: string[] = [];
  const failed = (o: Outcome<unknown>): o is { ok: false; error: KubeCallError } => !o.ok;
  for (const o of [...configMaps, ...daemonSets]) if (failed(o)) gaps.push(gapOf(o.error));

  configMaps.forEach((o, i) => {
    const data = o.ok ? o.value?.data : undefined;
    // calico-config is Calico's own too: only the v0.7-era one with vpp_* keys is Calico/VPP's.
    if (!data || (CALICO_VPP_CONFIGMAPS[i]!.name === 'calico-config' && !Object.keys(data).some((k) => k.startsWith('vpp_')))) return;
    const { namespace, name } = CALICO_VPP_CONFIGMAPS[i]!;
    docs.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });
    read.push(`ConfigMap ${namespace}/${name}`);
  });
  let podNamespace: string | null = null;
  daemonSets.forEach((o, i) => {
    const ds = o.ok ? o.value : null;
    if (!ds) return;
    const { namespace, name } = CALICO_VPP_DAEMONSETS[i]!;
    podNamespace ??= namespace;
    const containers = (ds.spec?.template.spec?.containers ?? []).map((c) => ({ name: c.name, ...(c.env ? { env: c.env } : {}), ...(c.envFrom ? { envFrom: c.envFrom } : {}) }));
    docs.push({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name, namespace }, spec: { template: { spec: { containers } } } });
    read.push(`DaemonSet ${namespace}/${name} (container environment)`);
  });
  if (podNamespace !== null) {
    const ns: string = podNamespace;
    const pods = await call(`list pods in ${ns} on node ${nodeName}`, (o) => core.listNamespacedPod({ namespace: ns, fieldSelector: `spec.nodeName=${nodeName}`, labelSelector: CALICO_VPP_POD_LABEL }, o));
    if (failed(pods)) gaps.push(gapOf(pods.error));
    else {
      const pod = pods.value?.items[0];
      read.push(pod ? `pod ${ns}/${pod.metadata?.name} on ${nodeName} (${pod.status?.phase ?? 'phase unknown'})` : `no calico-vpp-node pod on ${nodeName}`);
      if (pod) docs.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: pod.metadata?.name, namespace: ns }, spec: { nodeName }, status: { phase: pod.status?.phase } });
    }
  }
  const server = kc.getCurrentCluster()?.server ?? 'the cluster';
  const hasConfig = docs.some((d) => (d as { kind: string }).kind !== 'Pod');
  const note = hasConfig
    ? `Calico/VPP configuration read from ${server}: ${read.join(', ')}`
    : gaps.length > 0 ? `could not read the Calico/VPP configuration from ${server}: ${gaps.map((g) => g.detail).join('; ')}`
    : `no Calico/VPP configuration in ${server} (looked for ${[...CALICO_VPP_CONFIGMAPS, ...CALICO_VPP_DAEMONSETS].map((r) => `${r.namespace}/${r.name}`).join(', ')})`;
  const file: FileRecord | null = hasConfig
    ? { path: `kubernetes:${server}`, content: docs.map((d) => stringifyK8sYaml(d)).join('---\n'), mask: null, role: 'calico-vpp-config' }
    : null;
  return { file, gaps, note };
}

function gapOf(e: KubeCallError): Gap {
  const reason = e.code === 401 || e.code === 403 ? 'permission-denied' : e.code === 'timeout' ? 'timeout' : 'failed';
  return { source: `kubernetes: ${e.operation}`, reason, detail: e.message };
}

/**
 * `kubectl hostnet report`: every agent's latest snapshot (GET /snapshot, through the pod proxy),
 * made into the fleet report by the same code as `hostnet report`.
 */
import { InputError } from '../errors.js';
import type { Severity } from '../rules/types.js';
import { buildReport } from '../cli/report.js';
import { emit } from '../cli/output.js';
import { checkRuleIds } from '../cli/options.js';
import { agentPods, type Cluster } from './cluster.js';
import { fetchSnapshot } from './check.js';

/** Snapshots fetched at once; each is one request through the API server. */
const PARALLEL = 8;

export async function fleetReport(cluster: Cluster, namespace: string, opts: { selector?: string; output?: string; format: 'html' | 'junit'; failOn: Severity; ignore: string[]; title?: string }): Promise<number> {
  checkRuleIds(opts.ignore, '--ignore');
  const query = opts.selector ? `?${new URLSearchParams({ labelSelector: opts.selector })}` : '';
  const [nodes, pods] = await Promise.all([
    cluster.getJson<{ items: { metadata?: { name?: string } }[] }>(`/api/v1/nodes${query}`, 'list nodes'),
    agentPods(cluster, namespace),
  ]);
  const names = nodes.items.map((n) => n.metadata?.name ?? '').filter(Boolean).sort();
  if (names.length === 0) throw new InputError(`no nodes${opts.selector ? ` match -l ${opts.selector}` : ''}`);
  const texts = await mapLimited(names, PARALLEL, async (node) => {
    const pod = pods.find((p) => p.node === node && p.phase === 'Running');
    if (!pod) return new InputError(`no running hostnet agent on this node in namespace ${namespace}`, `${node}.json`);
    return fetchSnapshot(cluster, pod).catch((err: unknown) => {
      if (err instanceof InputError) return new InputError(err.message, `${node}.json`, err.hint);
      throw err;
    });
  });
  const entries = names.map((node, i) => ({
    source: `${node}.json`,
    maybeOther: false,
    read: () => {
      const t = texts[i]!;
      if (t instanceof InputError) throw t;
      return t;
    },
  }));
  const built = buildReport(entries, opts);
  emit(built.text, opts.output);
  for (const u of built.unreadable) process.stderr.write(`kubectl hostnet: ${u.error}\n`);
  return built.exitCode;
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

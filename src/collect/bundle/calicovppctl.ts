/**
 * The archive `calicovppctl export` / `exportnode` writes for Calico/VPP bug reports: one flat directory
 * of files named PREFIX-NAME, PREFIX the export's time (20060102-150405-); cluster-wide files
 * (calico-vpp-config.configmap.yaml, ...) and per node NODE.hardware-interfaces, NODE.show-run, ...,
 * each the output of a vppctl command, with "[calicovppctl] command failed: ..." appended when it failed.
 * It holds VPP's view only: the node's Linux side is a gap.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../errors.js';
import type { CommandRecord, FileRecord, Gap, Snapshot } from '../../snapshot/schema.js';
import { SNAPSHOT_SCHEMA } from '../../snapshot/version.js';
import { VERSION } from '../../version.js';

const PREFIXED = /^(\d{8}-\d{6})-(.+)$/;

/**
 * The vppctl command behind each per-node file hostnet reads. The export runs `show err`, `show run`,
 * `show int`; vppctl takes any unique prefix, so they are `show errors`, `show runtime`,
 * `show interface`, recorded under their full names as the live collector records commands.
 */
const VPPCTL_FILES: Record<string, string[]> = {
  'hardware-interfaces': ['show', 'hardware-interfaces'],
  'show-run': ['show', 'runtime'],
  'show-err': ['show', 'errors'],
  'show-int': ['show', 'interface'],
};

const FAILED = /\n?\[calicovppctl\] command failed: (.*)\n?$/;

export function isCalicoVppExport(dir: string): boolean {
  return readdirSync(dir).some((n) => PREFIXED.test(n) && /(\.hardware-interfaces|-calico-vpp-config\.configmap\.yaml)$/.test(n));
}

export function snapshotFromCalicoVppExport(dir: string, source: string, node: string | undefined): Snapshot {
  const names = readdirSync(dir).filter((n) => PREFIXED.test(n)).sort();
  const nodes = [...new Set(names.map((n) => PREFIXED.exec(n)![2]!).filter((n) => n.endsWith('.hardware-interfaces')).map((n) => n.slice(0, -'.hardware-interfaces'.length)))];
  const chosen = chooseNode(nodes, node, source);
  const gaps: Gap[] = [{
    source: 'ip -d address', reason: 'not-found',
    detail: 'a calicovppctl export records VPP only: the node\'s Linux interfaces, routes and .link files are not in it (collect them on the node with hostnet collect, or from its sosreport)',
  }];
  const commands: CommandRecord[] = [];
  const files: FileRecord[] = [];
  for (const name of names) {
    const rest = PREFIXED.exec(name)![2]!;
    const text = readFileSync(join(dir, name), 'utf8');
    if (rest === 'calico-vpp-config.configmap.yaml') {
      files.push({ path: `${source}/${name}`, content: text, mask: null, role: 'calico-vpp-config' });
      continue;
    }
    if (chosen === null || !rest.startsWith(`${chosen}.`)) continue;
    const words = VPPCTL_FILES[rest.slice(chosen.length + 1)];
    if (!words) continue;
    const failed = FAILED.exec(text);
    if (failed) gaps.push({ source: `vppctl ${words.join(' ')}`, reason: 'failed', detail: failed[1]! });
    else commands.push({ argv: ['vppctl', ...words], exitCode: 0, stdout: text });
  }
  for (const words of [['show', 'interface', 'address'], ['show', 'ip', 'punt', 'redirect'], ['show', 'ip', 'fib']]) {
    gaps.push({ source: `vppctl ${words.join(' ')}`, reason: 'not-found', detail: 'calicovppctl export does not run it' });
  }
  return {
    schema: SNAPSHOT_SCHEMA,
    collectedAt: statSync(dir).mtime.toISOString(),
    collector: { name: 'hostnet', version: VERSION },
    scope: { netns: null, root: source, redacted: false },
    host: { hostname: chosen, kernelRelease: null, architecture: null, kernelCommandLine: null, os: { id: null, versionId: null, prettyName: null }, systemdVersion: null, virtualization: null, machineId: null },
    interfaces: [],
    routes: [],
    files,
    commands,
    gaps,
  };
}

/** `export` covers every node: one must be named unless there is only one (`exportnode`). */
function chooseNode(nodes: string[], node: string | undefined, source: string): string | null {
  if (node !== undefined) {
    if (!nodes.includes(node)) throw new InputError(`no node ${JSON.stringify(node)} in this calicovppctl export; it holds ${nodes.join(', ') || 'no node'}`, source);
    return node;
  }
  if (nodes.length > 1) throw new InputError(`this calicovppctl export holds ${nodes.length} nodes (${nodes.join(', ')}): say which with --node NAME`, source);
  return nodes[0] ?? null;
}

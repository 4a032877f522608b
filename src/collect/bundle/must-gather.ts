/**
 * An OpenShift must-gather: `oc adm inspect` output below an image-named directory, objects at
 * cluster-scoped-resources/GROUP/RESOURCE/NAME.yaml and namespaces/NS/GROUP/RESOURCE/NAME.yaml (the
 * core group as `core`). It holds the cluster's objects, not a node's kernel state: for one node it
 * gives the host facts the Node object reports (kernel, OS, machine-id) and the files its current
 * rendered MachineConfig installs (.link/.network files among them). Its NetworkAttachmentDefinitions
 * are not added: checked against a node whose interfaces are unknown they would all look broken.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { InputError } from '../../errors.js';
import type { FileRecord, Gap, HostFacts, Snapshot } from '../../snapshot/schema.js';
import { SNAPSHOT_SCHEMA } from '../../snapshot/version.js';
import { parseProvisioning } from '../../sources/provisioning.js';
import { VERSION } from '../../version.js';
import { isCollectedPath } from '../files.js';

const CLUSTER = 'cluster-scoped-resources';
const CURRENT_CONFIG = 'machineconfiguration.openshift.io/currentConfig';

/** The directory holding cluster-scoped-resources/: the bundle itself or one of its directories. */
export function findMustGather(dir: string): string | null {
  if (existsSync(join(dir, CLUSTER))) return dir;
  for (const name of readdirSync(dir)) {
    const sub = join(dir, name);
    if (statSync(sub).isDirectory() && existsSync(join(sub, CLUSTER))) return sub;
  }
  return null;
}

export function snapshotFromMustGather(dir: string, source: string, node: string | undefined, redact = false): Snapshot {
  const gaps: Gap[] = [{
    source: 'ip -d address', reason: 'not-found',
    detail: 'a must-gather holds the cluster\'s objects, not a node\'s interfaces and routes: capture them with `oc debug node/NODE -- chroot /host sos report` and read that with collect --from',
  }];
  const nodes = yamlFiles(join(dir, CLUSTER, 'core', 'nodes'));
  const chosen = chooseNode(nodes.map((n) => n.name), node, source);
  const nodeObject = chosen === null ? null : record(nodes.find((n) => n.name === chosen)!.object);
  const files: FileRecord[] = [];
  const rendered = str(record(record(nodeObject?.metadata).annotations)[CURRENT_CONFIG]);
  if (rendered === null) {
    gaps.push({ source: 'MachineConfig', reason: 'not-found', detail: `the Node object of ${chosen ?? 'the node'} names no ${CURRENT_CONFIG}` });
  } else {
    const mcPath = join(dir, CLUSTER, 'machineconfiguration.openshift.io', 'machineconfigs', `${rendered}.yaml`);
    if (!existsSync(mcPath)) gaps.push({ source: `machineconfigs/${rendered}`, reason: 'not-found', detail: 'the must-gather holds no copy of the node\'s current MachineConfig: its .link/.network files are not seen' });
    else files.push(...installedBy(mcPath, `${source}/${mcPath.slice(dir.length + 1)}`, gaps));
  }
  gaps.push({ source: '/usr/lib/systemd/network', reason: 'not-found', detail: 'the .link files the OS image ships (99-default.link) are not in a must-gather' });
  return {
    schema: SNAPSHOT_SCHEMA,
    collectedAt: collectedAt(dir),
    collector: { name: 'hostnet', version: VERSION },
    scope: { netns: null, root: source, redacted: redact },
    host: { ...hostFacts(chosen, nodeObject), ...(redact ? { machineId: null } : {}) },
    interfaces: [],
    routes: [],
    files,
    commands: [],
    gaps,
  };
}

/** The files of the rendered MachineConfig hostnet reads, pointing back into it. */
function installedBy(path: string, shownAs: string, gaps: Gap[]): FileRecord[] {
  const parsed = parseProvisioning(readFileSync(path, 'utf8'));
  if ('error' in parsed) {
    gaps.push({ source: `${shownAs}:${parsed.error.line}`, reason: 'failed', detail: parsed.error.message });
    return [];
  }
  for (const p of parsed.problems) gaps.push({ source: `${shownAs}:${p.line}`, reason: 'unsupported', detail: p.message });
  return parsed.files.filter((f) => isCollectedPath(f.path)).map((f) => ({
    path: f.path, content: f.content === '' ? null : f.content, mask: f.mask ?? (f.content === '' ? 'empty' : null), role: null,
    origin: { path: shownAs, line: f.line, contentLine: f.contentLine },
  }));
}

function chooseNode(nodes: string[], node: string | undefined, source: string): string | null {
  if (node !== undefined) {
    if (!nodes.includes(node)) throw new InputError(`no node ${JSON.stringify(node)} in this must-gather; it holds ${nodes.join(', ') || 'no Node objects'}`, source);
    return node;
  }
  if (nodes.length > 1) throw new InputError(`this must-gather holds ${nodes.length} nodes (${nodes.join(', ')}): say which with --node NAME`, source);
  return nodes[0] ?? null;
}

const ARCH: Record<string, string> = { amd64: 'x86_64', arm64: 'aarch64', ppc64le: 'ppc64le', s390x: 's390x' };

/** What the Node object's status.nodeInfo reports of the host. */
function hostFacts(name: string | null, node: Record<string, unknown> | null): HostFacts {
  const info = record(record(node?.status).nodeInfo);
  const machineId = str(info.machineID);
  const arch = str(info.architecture);
  return {
    hostname: name, kernelRelease: str(info.kernelVersion), architecture: arch === null ? null : ARCH[arch] ?? arch,
    kernelCommandLine: null, os: { id: null, versionId: null, prettyName: str(info.osImage) }, systemdVersion: null,
    virtualization: null, machineId: machineId !== null && /^[0-9a-f]{32}$/.test(machineId) ? machineId : null,
  };
}

function yamlFiles(dir: string): { name: string; object: unknown }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort().map((n) => {
    try {
      return { name: n.slice(0, -'.yaml'.length), object: parse(readFileSync(join(dir, n), 'utf8')) as unknown };
    } catch (err) {
      throw new InputError(`not valid YAML: ${(err as Error).message.split('\n')[0]}`, join(dir, n));
    }
  });
}

/** The time the objects were written (oc keeps the archive's times). */
function collectedAt(dir: string): string {
  return statSync(dir).mtime.toISOString();
}

function record(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/**
 * What the nad/* rules read: NetworkAttachmentDefinitions and chart values handed in as input files
 * (roles network-attachment-definition and helm-values), parsed once per snapshot, and the evidence
 * that points back into them. Not a rule.
 */
import type { Host } from '../../model/host.js';
import { readStackedConf, readVlanConf, type StackedConf, type StackedType, type VlanConf } from '../../model/macvlan/index.js';
import type { FileRecord } from '../../snapshot/schema.js';
import { parseHelmValues, type HelmValues } from '../../sources/helm-values.js';
import { parseK8sNodes, type K8sNodeFile } from '../../sources/k8s-node.js';
import { parseNadFiles, topLevelKeyLine, type CniPlugin, type Nad, type NadFile } from '../../sources/nad.js';
import type { Evidence } from '../types.js';

export const NAD_ROLE = 'network-attachment-definition';
export const VALUES_ROLE = 'helm-values';
export const NODE_ROLE = 'kubernetes-node';

// Parsed once per input file record: a check over many nodes hands the same records to each node.
const nadCache = new WeakMap<FileRecord, NadFile>();
const valuesCache = new WeakMap<FileRecord, HelmValues>();

/** The NADs of every input file with the NAD role, with their parse diagnostics. */
export function nadInputs(host: Host): NadFile {
  const out: NadFile = { nads: [], diagnostics: [], documents: 0 };
  for (const f of host.snapshot.files) {
    if (f.role !== NAD_ROLE || f.content === null) continue;
    let parsed = nadCache.get(f);
    if (!parsed) {
      parsed = parseNadFiles([{ path: f.path, content: f.content }]);
      nadCache.set(f, parsed);
    }
    out.nads.push(...parsed.nads);
    out.diagnostics.push(...parsed.diagnostics);
    out.documents += parsed.documents;
  }
  return out;
}

const nodeCache = new WeakMap<FileRecord, K8sNodeFile>();

/** The Kubernetes Node objects of every input file with the kubernetes-node role. */
export function nodeInputs(host: Host): K8sNodeFile {
  const out: K8sNodeFile = { nodes: [], diagnostics: [] };
  for (const f of host.snapshot.files) {
    if (f.role !== NODE_ROLE || f.content === null) continue;
    let parsed = nodeCache.get(f);
    if (!parsed) {
      parsed = parseK8sNodes(f.path, f.content);
      nodeCache.set(f, parsed);
    }
    out.nodes.push(...parsed.nodes);
    out.diagnostics.push(...parsed.diagnostics);
  }
  return out;
}

export function valuesInputs(host: Host): HelmValues[] {
  return host.snapshot.files.filter((f) => f.role === VALUES_ROLE && f.content !== null).map((f) => {
    let parsed = valuesCache.get(f);
    if (!parsed) {
      parsed = parseHelmValues(f.path, f.content!);
      valuesCache.set(f, parsed);
    }
    return parsed;
  });
}

export interface StackedAttachment {
  nad: Nad;
  plugin: CniPlugin;
  conf: StackedConf;
}

const attachmentCache = new WeakMap<Host, StackedAttachment[]>();

/** Every macvlan or ipvlan plugin of every readable NAD, as the plugin would read it (once per host). */
export function stackedAttachments(host: Host, types: readonly StackedType[] = ['macvlan', 'ipvlan']): StackedAttachment[] {
  let all = attachmentCache.get(host);
  if (!all) {
    all = [];
    for (const nad of nadInputs(host).nads) {
      for (const plugin of nad.config?.plugins ?? []) {
        if (plugin.type === 'macvlan' || plugin.type === 'ipvlan') all.push({ nad, plugin, conf: readStackedConf(plugin.type, plugin.conf) });
      }
    }
    attachmentCache.set(host, all);
  }
  return types.length === 2 ? all : all.filter((a) => types.includes(a.conf.type));
}

export interface VlanAttachment {
  nad: Nad;
  plugin: CniPlugin;
  conf: VlanConf;
}

/** A plugin that creates the pod's interface on a master of the node: macvlan, ipvlan or vlan. */
export type MasterAttachment = StackedAttachment | VlanAttachment;

const vlanCache = new WeakMap<Host, VlanAttachment[]>();

/** Every vlan plugin of every readable NAD, as the plugin would read it (once per host). */
export function vlanAttachments(host: Host): VlanAttachment[] {
  let all = vlanCache.get(host);
  if (!all) {
    all = nadInputs(host).nads.flatMap((nad) => (nad.config?.plugins ?? []).filter((p) => p.type === 'vlan').map((plugin) => ({ nad, plugin, conf: readVlanConf(plugin.conf) })));
    vlanCache.set(host, all);
  }
  return all;
}

/** The attachments whose master the master-* rules check: macvlan, ipvlan and vlan. */
export function masterAttachments(host: Host): MasterAttachment[] {
  return [...stackedAttachments(host), ...vlanAttachments(host)];
}

/** Node-dependent rules need a node: a snapshot with no interfaces at all means none was given. */
export function hasNode(host: Host): boolean {
  return host.interfaces.length > 0;
}

/** "on node worker-1" for messages, when the snapshot names its host. */
export function onNode(host: Host): string {
  return host.snapshot.host.hostname ? ` on node ${host.snapshot.host.hostname}` : ' on this node';
}

/** namespace/name as a pod annotation would write it. */
export function nadRef(nad: Nad): string {
  return `${nad.namespace ?? '(namespace it is applied to)'}/${nad.name ?? '(unnamed)'}`;
}

/** Evidence pointing into the NAD's file: line, document and (for List items) item. */
export function nadEvidence(nad: Nad, message: string, line = nad.configLine): Evidence {
  if (nad.bare) return { message, file: nad.place.file, line: line === 1 ? bareKeyLine(nad, message) : line };
  const where = `document ${nad.place.document}${nad.place.item !== undefined ? `, item ${nad.place.item}` : ''}`;
  return { message: `${message} (${where})`, file: nad.place.file, line };
}

/**
 * In a bare single-plugin config the field an evidence message quotes (`"master": ...`) is a top-level
 * key of the file, so its own line can be named; otherwise the config's first line.
 */
function bareKeyLine(nad: Nad, message: string): number {
  const key = /^"([^"]+)"/.exec(message)?.[1];
  if (key === undefined || nad.configText === undefined || nad.config?.isList !== false) return 1;
  return topLevelKeyLine(nad.configText, key) ?? 1;
}

export function pluginLabel(a: MasterAttachment): string {
  return a.nad.config?.isList ? `${a.conf.type} (plugin ${a.plugin.index} of the list)` : a.conf.type;
}

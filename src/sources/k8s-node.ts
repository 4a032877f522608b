/**
 * Kubernetes Node objects (`kubectl get node NAME -o yaml`, `kubectl get nodes -o json`, a must-gather's
 * node YAML): the extended resources each node advertises in status.allocatable and status.capacity,
 * which SR-IOV device plugins fill (`openshift.io/<resourceName>`, `intel.com/<resourceName>`). Read as
 * kubectl reads YAML; other kinds are skipped with a diagnostic, and a broken document never stops the
 * others from being read.
 */
import { isMap, isScalar, isSeq, LineCounter, type Node as YamlNode, type YAMLMap } from 'yaml';
import { parseK8sYamlDocuments } from './k8s-yaml.js';

export interface K8sNode {
  name: string;
  /** Where the object is: `file:line`. */
  file: string;
  line: number;
  /** Resource name -> quantity as written ("4", "0"); empty when the object has no status. */
  allocatable: Record<string, string>;
  capacity: Record<string, string>;
  /** The object carries a status at all (a node YAML trimmed to its spec has none). */
  hasStatus: boolean;
}

export interface K8sNodeFile {
  nodes: K8sNode[];
  diagnostics: { where: string; message: string }[];
}

export function parseK8sNodes(file: string, text: string): K8sNodeFile {
  const lineCounter = new LineCounter();
  const lineOf = (offset: number | undefined): number => (offset === undefined ? 1 : lineCounter.linePos(offset).line);
  const out: K8sNodeFile = { nodes: [], diagnostics: [] };
  for (const doc of parseK8sYamlDocuments(text, lineCounter)) {
    const start = lineOf(doc.contents?.range?.[0] ?? doc.range[0]);
    if (doc.errors.length > 0) {
      out.diagnostics.push({ where: `${file}:${lineOf(doc.errors[0]!.pos[0])}`, message: `not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}; this document is skipped` });
      continue;
    }
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) continue;
    readObject(file, doc.contents as YamlNode, start, lineOf, out);
  }
  return out;
}

function readObject(file: string, node: YamlNode, line: number, lineOf: (o: number | undefined) => number, out: K8sNodeFile): void {
  if (!isMap(node)) {
    out.diagnostics.push({ where: `${file}:${line}`, message: 'not a Kubernetes object (a mapping with kind); skipped' });
    return;
  }
  const kind = scalar(node, 'kind');
  if (kind === 'List' || kind === 'NodeList') {
    const items = node.get('items', true);
    if (isSeq(items)) for (const item of items.items) readObject(file, item as YamlNode, lineOf((item as YamlNode).range?.[0]), lineOf, out);
    return;
  }
  if (kind !== 'Node') {
    out.diagnostics.push({ where: `${file}:${line}`, message: `${kind === undefined ? 'no kind' : `kind ${JSON.stringify(kind)}`} is not a Node; skipped` });
    return;
  }
  const metadata = node.get('metadata', true);
  const name = isMap(metadata) ? scalar(metadata, 'name') : undefined;
  const status = node.get('status', true);
  out.nodes.push({
    name: name === undefined || name === null ? '(unnamed node)' : String(name),
    file, line,
    allocatable: isMap(status) ? quantities(status.get('allocatable', true)) : {},
    capacity: isMap(status) ? quantities(status.get('capacity', true)) : {},
    hasStatus: isMap(status),
  });
}

function quantities(node: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isMap(node)) return out;
  for (const pair of node.items) {
    if (isScalar(pair.key) && isScalar(pair.value) && pair.value.value !== null) out[String(pair.key.value)] = String(pair.value.value);
  }
  return out;
}

function scalar(map: YAMLMap, key: string): unknown {
  const n = map.get(key, true);
  return isScalar(n) ? n.value : undefined;
}

/** A quantity as a count of devices: "4" -> 4, "0" -> 0; a device count is a plain integer. */
export function deviceCount(quantity: string | undefined): number {
  if (quantity === undefined) return 0;
  const n = Number(quantity);
  return Number.isFinite(n) ? n : 0;
}

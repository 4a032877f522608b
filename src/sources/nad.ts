/**
 * NetworkAttachmentDefinitions (k8s.cni.cncf.io/v1) from YAML or JSON text: one or more documents,
 * `List` kinds with `items`, and the CNI configuration held as a JSON string in `spec.config` (a single
 * plugin or a conflist). Every problem keeps its place (file, 1-based document number, item, line) so a
 * report can point at it; a broken document never stops the others from being read.
 */
import { isMap, isScalar, isSeq, LineCounter, Scalar, type Node as YamlNode, type YAMLMap } from 'yaml';
import { parseK8sYamlDocuments } from './k8s-yaml.js';
import { resolveAliases, UNRESOLVED_ALIAS } from './yaml-aliases.js';
import { locateJsonError } from '../json-errors.js';

export const NAD_API_GROUP = 'k8s.cni.cncf.io';
export const NAD_KIND = 'NetworkAttachmentDefinition';

/** Where something is in an input file. `document` and `item` count from 1, as people do. */
export interface Place {
  file: string;
  document: number;
  /** The position in a `List`'s items, when the object came from one. */
  item?: number;
  line: number;
}

/** An input problem that did not stop the others from being read (the shape of a check Diagnostic). */
export interface NadDiagnostic {
  where: string;
  message: string;
  place: Place;
  /** Nothing of this document could be read (a syntax error): the check is incomplete. */
  fatal: boolean;
}

/** One plugin of the CNI configuration, as the runtime hands it to the plugin binary. */
export interface CniPlugin {
  /** `type` when it is a string; the runtime looks the binary up by this name. */
  type: string | undefined;
  /** The plugin's JSON object, with the list's cniVersion and name filled in as libcni does. */
  conf: Record<string, unknown>;
  /** Position in a conflist's `plugins`, from 0; 0 for a single-plugin config. */
  index: number;
}

export interface CniConfig {
  /** A conflist has `plugins`; a single plugin config does not. */
  isList: boolean;
  cniVersion: unknown;
  name: unknown;
  plugins: CniPlugin[];
}

export interface Nad {
  place: Place;
  /**
   * A bare CNI config or conflist file (what OpenShift's rawCNIConfig or a file in /etc/cni/net.d holds),
   * read as a NAD whose config is the whole file: it has no metadata, and `name` is the config's name.
   */
  bare: boolean;
  apiVersion: unknown;
  name: string | undefined;
  /** undefined when the object does not say: the namespace it is applied to (`-n`) decides. */
  namespace: string | undefined;
  nameLine: number;
  namespaceLine: number;
  annotations: Record<string, string>;
  /** The raw `spec.config` text; undefined when absent (an on-disk config with the same name is then used). */
  configText: string | undefined;
  configLine: number;
  config: CniConfig | undefined;
  /** Why `spec.config` could not be read as a CNI configuration. */
  configProblem: { message: string; line: number } | undefined;
}

export interface NadFile {
  nads: Nad[];
  diagnostics: NadDiagnostic[];
  /** Documents that were read (empty ones included), for summaries. */
  documents: number;
}

/** `where` text for a place: `file:line (document 2, item 1)`. */
export function describePlace(place: Place): string {
  return `${place.file}:${place.line} (document ${place.document}${place.item !== undefined ? `, item ${place.item}` : ''})`;
}

export function parseNadFile(file: string, text: string): NadFile {
  const bare = readBareCniConfig(file, text);
  if (bare) return bare;
  const lineCounter = new LineCounter();
  const docs = parseK8sYamlDocuments(text, lineCounter);
  const lineOf = (offset: number | undefined): number => (offset === undefined ? 1 : lineCounter.linePos(offset).line);
  const out: NadFile = { nads: [], diagnostics: [], documents: 0 };
  docs.forEach((doc, i) => {
    const document = i + 1;
    out.documents++;
    const startLine = lineOf(doc.contents?.range?.[0] ?? doc.range[0]);
    const diag = (line: number, message: string, fatal: boolean, item?: number): void => {
      const place: Place = { file, document, item, line };
      out.diagnostics.push({ place, where: describePlace(place), message, fatal });
    };
    if (doc.errors.length > 0) {
      const err = doc.errors[0]!;
      diag(lineOf(err.pos[0]), `not valid YAML: ${firstLine(err.message)}; this document is skipped`, true);
      return;
    }
    const alias = resolveAliases(doc);
    if (alias !== null) {
      diag(lineOf(alias), `${UNRESOLVED_ALIAS}; this document is skipped`, true);
      return;
    }
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return; // an empty document, e.g. after a trailing ---
    readObject(file, doc.contents as YamlNode, document, undefined, startLine, lineOf, out, diag);
  });
  return out;
}

function readObject(
  file: string, node: YamlNode, document: number, item: number | undefined, line: number,
  lineOf: (offset: number | undefined) => number, out: NadFile,
  diag: (line: number, message: string, fatal: boolean, item?: number) => void,
): void {
  if (!isMap(node)) {
    diag(line, `expected a Kubernetes object (a mapping with apiVersion and kind), found ${describeNode(node)}; skipped`, true, item);
    return;
  }
  const kind = scalarAt(node, 'kind');
  const apiVersion = scalarAt(node, 'apiVersion');
  if (kind === 'List' || (typeof kind === 'string' && kind.endsWith('List') && item === undefined)) {
    const items = node.get('items', true);
    if (!isSeq(items)) {
      diag(line, `${kind} without an items list; skipped`, false, item);
      return;
    }
    items.items.forEach((child, j) => {
      const childNode = child as YamlNode;
      readObject(file, childNode, document, j + 1, lineOf(childNode.range?.[0]), lineOf, out, diag);
    });
    return;
  }
  if (kind === 'Network' && typeof apiVersion === 'string' && apiVersion.startsWith('kubernetes.cni.cncf.io/')) {
    diag(line, `kind Network (${apiVersion}) is the obsolete multus CRD: multus 3.0 and later read only ${NAD_KIND} (${NAD_API_GROUP}/v1), ` +
      'so no pod gets this network; write it as a NetworkAttachmentDefinition with the same config in spec.config; skipped', false, item);
    return;
  }
  if (kind !== NAD_KIND) {
    const k = kind === undefined ? 'no kind' : `kind ${JSON.stringify(kind)}`;
    diag(line, `${k}${apiVersion !== undefined ? ` (apiVersion ${JSON.stringify(apiVersion)})` : ''} is not a ${NAD_KIND}; skipped`, false, item);
    return;
  }
  const place: Place = { file, document, item, line };
  const metadata = node.get('metadata', true);
  const metaMap = isMap(metadata) ? metadata : undefined;
  const nameNode = metaMap?.get('name', true) as YamlNode | undefined;
  const nsNode = metaMap?.get('namespace', true) as YamlNode | undefined;
  const spec = node.get('spec', true);
  const specMap = isMap(spec) ? spec : undefined;
  const configNode = specMap?.get('config', true) as YamlNode | undefined;
  const annotations: Record<string, string> = {};
  const ann = metaMap?.get('annotations', true);
  if (isMap(ann)) {
    for (const pair of ann.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : undefined;
      const v = isScalar(pair.value) ? pair.value.value : undefined;
      if (k !== undefined && v !== undefined && v !== null) annotations[k] = String(v);
    }
  }
  const nameValue = isScalar(nameNode) ? nameNode.value : undefined;
  const nsValue = isScalar(nsNode) ? nsNode.value : undefined;
  const nad: Nad = {
    place,
    bare: false,
    apiVersion,
    name: nameValue === undefined || nameValue === null ? undefined : String(nameValue),
    namespace: nsValue === undefined || nsValue === null ? undefined : String(nsValue),
    nameLine: nameNode ? lineOf(nameNode.range?.[0]) : line,
    namespaceLine: nsNode ? lineOf(nsNode.range?.[0]) : line,
    annotations,
    configText: undefined,
    configLine: configNode ? lineOf(configNode.range?.[0]) : lineOf((spec as YamlNode | null)?.range?.[0] ?? undefined) || line,
    config: undefined,
    configProblem: undefined,
  };
  if (configNode !== undefined && configNode !== null) {
    if (!isScalar(configNode) || typeof configNode.value !== 'string') {
      nad.configProblem = { message: `spec.config must be a string holding JSON, found ${describeNode(configNode)}`, line: nad.configLine };
    } else {
      nad.configText = configNode.value;
      // A block scalar (`config: |`) keeps its lines, so a JSON error maps to a file line; quoted
      // scalars are folded by YAML and only the start of the value can be named.
      const blockOffset = configNode.type === Scalar.BLOCK_LITERAL ? 1 : undefined;
      const read = readCniConfig(configNode.value);
      if ('problem' in read) {
        nad.configProblem = {
          message: read.problem,
          line: blockOffset !== undefined && read.line !== undefined ? nad.configLine + blockOffset + read.line - 1 : nad.configLine,
        };
      } else {
        nad.config = read.config;
      }
    }
  }
  out.nads.push(nad);
}

/**
 * `spec.config` as the CNI runtime reads it: JSON, either one plugin or a list (`plugins`), with the
 * list's cniVersion and name given to each plugin.
 */
export function readCniConfig(text: string, what = 'spec.config'): { config: CniConfig } | { problem: string; line?: number; column?: number } {
  const read = readCniJson(text);
  return 'problem' in read ? { ...read, problem: read.problem.replace(/^spec\.config/, what) } : read;
}

function readCniJson(text: string): { config: CniConfig } | { problem: string; line?: number; column?: number } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    if (text.trim() === '') return { problem: 'spec.config is empty; it must hold a JSON CNI configuration' };
    const located = locateJsonError(text);
    return located
      ? { problem: `spec.config is not valid JSON: ${located.problem} at line ${located.line}, column ${located.column} of the config`, line: located.line, column: located.column }
      : { problem: `spec.config is not valid JSON: ${(err as Error).message}` };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { problem: `spec.config must be a JSON object, found ${Array.isArray(data) ? 'an array' : data === null ? 'null' : typeof data}` };
  }
  const obj = data as Record<string, unknown>;
  if ('plugins' in obj) {
    if (!Array.isArray(obj.plugins)) return { problem: 'spec.config "plugins" must be an array of plugin objects' };
    const plugins: CniPlugin[] = [];
    for (const [index, p] of obj.plugins.entries()) {
      if (typeof p !== 'object' || p === null || Array.isArray(p)) return { problem: `spec.config plugins[${index}] must be a JSON object` };
      const conf: Record<string, unknown> = { ...(p as Record<string, unknown>), cniVersion: obj.cniVersion, name: obj.name };
      plugins.push({ type: typeof conf.type === 'string' ? conf.type : undefined, conf, index });
    }
    return { config: { isList: true, cniVersion: obj.cniVersion, name: obj.name, plugins } };
  }
  return { config: { isList: false, cniVersion: obj.cniVersion, name: obj.name, plugins: [{ type: typeof obj.type === 'string' ? obj.type : undefined, conf: obj, index: 0 }] } };
}

/**
 * A file that is a CNI config itself rather than a Kubernetes object: JSON whose top level is an object
 * without `kind` or `apiVersion`. Anything else (YAML, a Kubernetes object in JSON) is left to the YAML
 * reader. A JSON error is reported at the file's own line, since the config is the whole file.
 */
function readBareCniConfig(file: string, text: string): NadFile | undefined {
  if (!/^\s*\{/.test(text)) return undefined;
  try {
    const data: unknown = JSON.parse(text);
    if (typeof data === 'object' && data !== null && ('kind' in data || 'apiVersion' in data)) return undefined;
  } catch {
    if (/"(kind|apiVersion)"\s*:/.test(text)) return undefined;
  }
  const place: Place = { file, document: 1, line: 1 };
  const read = readCniConfig(text, 'the CNI config');
  const config = 'config' in read ? read.config : undefined;
  const nad: Nad = {
    place, bare: true, apiVersion: undefined,
    name: typeof config?.name === 'string' && config.name !== '' ? config.name : undefined,
    namespace: undefined,
    nameLine: topLevelKeyLine(text, 'name') ?? 1,
    namespaceLine: 1, annotations: {},
    configText: text, configLine: 1, config,
    configProblem: 'problem' in read ? { message: read.problem, line: read.line ?? 1 } : undefined,
  };
  return { nads: [nad], diagnostics: [], documents: 1 };
}

/** The 1-based line of a key of the outermost JSON object (not of a nested one), if it is there. */
export function topLevelKeyLine(text: string, key: string): number | undefined {
  let depth = 0;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === '"') {
      const end = stringEnd(text, i);
      if (depth === 1 && text.slice(i + 1, end) === key && /^\s*:/.test(text.slice(end + 1))) return line;
      for (let j = i; j < end; j++) if (text[j] === '\n') line++;
      i = end;
    }
  }
  return undefined;
}

/** The index of the quote that closes the JSON string opening at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return text.length;
}

function scalarAt(map: YAMLMap, key: string): unknown {
  const n = map.get(key, true);
  return isScalar(n) ? n.value : undefined;
}

function describeNode(node: unknown): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return node.value === null ? 'null' : `the ${typeof node.value} ${JSON.stringify(node.value)}`;
  return 'nothing';
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/:$/, '');
}

/** Every NAD of several files, with their diagnostics, in file order. */
export function parseNadFiles(files: readonly { path: string; content: string }[]): NadFile {
  const out: NadFile = { nads: [], diagnostics: [], documents: 0 };
  for (const f of files) {
    const one = parseNadFile(f.path, f.content);
    out.nads.push(...one.nads);
    out.diagnostics.push(...one.diagnostics);
    out.documents += one.documents;
  }
  return out;
}

/**
 * The Calico/VPP configuration, as the `calico-vpp-config` ConfigMap (YAML, possibly inside a whole
 * manifest with IPPool or Installation resources), as an environment file (`KEY=VALUE` lines, what the
 * vpp-manager container sees), or as the CALICOVPP_INTERFACES JSON alone.
 *
 * The rules follow projectcalico/vpp-dataplane (config/config.go, config/config_parse.go,
 * vpp-manager/startup/startup.go): CALICOVPP_INTERFACES is decoded like Go's encoding/json (field
 * names match case-insensitively, unknown fields are ignored); the deprecated CALICOVPP_INTERFACE /
 * CALICOVPP_NATIVE_DRIVER / CALICOVPP_SWAP_DRIVER become the first uplink, before the listed ones;
 * with no uplink marked isMain the first one is main, and more than one main stops vpp-manager; a
 * secondary uplink needs a vppDriver; SERVICE_PREFIX is split on commas with no trimming.
 */
import { parseTree, printParseErrorCode, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import { isMap, isScalar, isSeq, LineCounter, type Document, type Node as YamlNode } from 'yaml';
import { parseK8sYamlDocuments } from './k8s-yaml.js';
import { isKernelIfname } from './ifname.js';
import { resolveAliases, UNRESOLVED_ALIAS } from './yaml-aliases.js';
import { parsePrefix } from '../net/ip.js';
import { DiagnosticSink, splitLines, type Diagnostic } from './vpp-common.js';

/** The name Calico/VPP's host tap has in VPP for the main uplink. */
export const VPP_TAP_NAME = 'tap0';
/** CALICOVPP_TAP0_ADDR's default: the VPP side of the host tap, where punted traffic goes (vpp_runner.go fakeVppNextHopIP4). */
export const VPP_TAP0_ADDRESS = '169.254.0.1';

/** The uplink drivers vpp-manager knows (vpp-manager/uplink/common.go); `avf` existed up to v3.31. */
export const KNOWN_VPP_DRIVERS = ['none', 'af_packet', 'af_xdp', 'virtio', 'dpdk', 'rdma', 'vmxnet3'] as const;
export const REMOVED_VPP_DRIVERS: Record<string, string> = { avf: 'removed in Calico/VPP v3.32.0 (present up to v3.31)' };

/**
 * The ConfigMap keys of Calico/VPP v0.7 to v3.24 (yaml/generated/calico-vpp.yaml of those releases),
 * and the variable the calico-vpp-node DaemonSet passed each one as (valueFrom.configMapKeyRef).
 */
export const LEGACY_KEYS: Record<string, string> = {
  vpp_dataplane_interface: 'CALICOVPP_INTERFACE',
  vpp_uplink_driver: 'CALICOVPP_NATIVE_DRIVER',
  vpp_config_template: 'CALICOVPP_CONFIG_TEMPLATE',
  service_prefix: 'SERVICE_PREFIX',
  default_ipv4_pool_cidr: 'CALICO_IPV4POOL_CIDR',
};
/** Calico's own keys in the v0.7-era shared calico-config ConfigMap: known, not Calico/VPP's. */
const CALICO_CONFIG_KEYS = new Set(['cni_network_config', 'typha_service_name', 'veth_mtu', 'calico_backend', 'etcd_endpoints', 'etcd_ca', 'etcd_cert', 'etcd_key']);
/** Variables besides CALICOVPP_* that vpp-manager or the agent read. */
const OTHER_VARIABLES = new Set(['SERVICE_PREFIX', 'CALICO_IPV4POOL_CIDR', 'CALICO_IPV6POOL_CIDR', 'NODENAME', 'DATASTORE_TYPE', 'WAIT_FOR_DATASTORE', 'CLUSTER_TYPE', 'IP', 'IP6']);

/**
 * A value left for a later step to fill in: `${VAR}` or `$VAR` (envsubst, as vpp-dataplane's dev
 * overlays write it), or `__NAME__` (vpp-manager's own placeholders: __PCI_DEVICE_ID__,
 * __VPP_DATAPLANE_IF__, __CPUSET_CPUS_FIRST__, __NODE_ANNOTATION:x__).
 */
export function isPlaceholder(value: string): boolean {
  return /^\$\{\w+\}$|^\$\w+$|^__[A-Z][A-Z0-9_]*(:[^_\s]+)?__$/.test(value.trim());
}

export interface UplinkInterfaceSpec {
  /** Position in the final list (the deprecated variable, when set, is 0). */
  index: number;
  interfaceName: string;
  /** null when empty: vpp-manager then tries virtio, rdma, vmxnet3, af_xdp, af_packet in turn. */
  vppDriver: string | null;
  newDriver: string | null;
  /** The user's MTU for the uplink and the tap; null (0 in Go) keeps the Linux MTU. */
  mtu: number | null;
  /** After the rule that makes the first uplink main when none is marked. */
  isMain: boolean;
  isMainExplicit: boolean;
  physicalNetworkName: string | null;
  ipFamilies: string | null;
  annotations: Record<string, string>;
  /** The InterfaceSpec part (rx, tx, rxqsz, txqsz, isl3, rxMode) as given. */
  queues: Record<string, unknown>;
  origin: 'CALICOVPP_INTERFACES' | 'CALICOVPP_INTERFACE';
  /** Line in the file where this uplink is described. */
  line: number | null;
}

export interface IpPool {
  cidr: string;
  name: string | null;
  /** IPIP / VXLAN / None as the resource says it, when it does. */
  encapsulation: string | null;
  origin: string;
  line: number | null;
}

export interface ConfigValue {
  value: string;
  /** Line of the value's first line in the file. */
  line: number;
}

export interface CalicoVppConfig {
  format: 'configmap' | 'env' | 'interfaces-json';
  /** Every key read (ConfigMap data, environment variables), as text. */
  values: Record<string, ConfigValue>;
  uplinkInterfaces: UplinkInterfaceSpec[];
  mainUplink: UplinkInterfaceSpec | null;
  serviceCidrs: string[];
  ipPools: IpPool[];
  /** CALICOVPP_TAP0_ADDR: the VPP side of the host tap, 169.254.0.1/32 unless set. */
  tap0Address: string;
  /** CALICOVPP_CONFIG_TEMPLATE: VPP's startup.conf, with the line it starts on. */
  startupConfTemplate: ConfigValue | null;
  initialConfig: Record<string, unknown> | null;
  vppHostTapSpec: Record<string, unknown> | null;
  /** CALICOVPP_ENABLE_NETWORK_MANAGER_HOOK (default true). */
  networkManagerHook: boolean;
  /** CALICOVPP_DEBUG enableUdevNetNameRules (default true). */
  udevNetNameRules: boolean;
}

export function parseCalicoVppConfig(text: string, path: string): { config: CalicoVppConfig; diagnostics: Diagnostic[] } {
  const sink = new DiagnosticSink(path, 20);
  const values: Record<string, ConfigValue> = {};
  const ipPools: IpPool[] = [];
  let format: CalicoVppConfig['format'];
  const trimmed = text.trimStart();
  if ((trimmed.startsWith('{') || trimmed.startsWith('[')) && !looksLikeJsonManifest(trimmed)) {
    format = 'interfaces-json';
    values.CALICOVPP_INTERFACES = { value: text, line: 1 };
  } else if (looksLikeEnvFile(text)) {
    format = 'env';
    readEnvFile(text, values, sink);
  } else {
    format = 'configmap';
    readYaml(text, values, ipPools, sink);
  }
  const templated = takeTemplated(values, sink);
  if (values.CALICO_IPV4POOL_CIDR) ipPools.push(poolFromEnv(values.CALICO_IPV4POOL_CIDR, 'CALICO_IPV4POOL_CIDR', sink));
  if (values.CALICO_IPV6POOL_CIDR) ipPools.push(poolFromEnv(values.CALICO_IPV6POOL_CIDR, 'CALICO_IPV6POOL_CIDR', sink));

  const interfaces = values.CALICOVPP_INTERFACES ? readInterfacesJson(values.CALICOVPP_INTERFACES, sink) : { uplinks: [], vppHostTapSpec: null };
  const uplinks = finishUplinks(values, interfaces.uplinks, sink, templated.has('CALICOVPP_INTERFACES') || templated.has('CALICOVPP_INTERFACE'));
  const serviceCidrs = values.SERVICE_PREFIX ? readPrefixList(values.SERVICE_PREFIX, 'SERVICE_PREFIX', sink) : [];
  if (format !== 'interfaces-json' && !values.SERVICE_PREFIX && !templated.has('SERVICE_PREFIX')) {
    sink.add(null, 'SERVICE_PREFIX is not set: no routes to the service CIDRs will be added through the tap');
  }
  if (format !== 'interfaces-json' && !values.CALICOVPP_CONFIG_TEMPLATE && !templated.has('CALICOVPP_CONFIG_TEMPLATE')) {
    sink.add(null, 'CALICOVPP_CONFIG_TEMPLATE (VPP\'s startup.conf) is not set; vpp-manager requires it');
  }
  const placeholders = [...new Set(values.CALICOVPP_CONFIG_TEMPLATE?.value.match(/__[A-Z][A-Z0-9_]*(?::[^_\s]+)?__/g) ?? [])];
  if (placeholders.length > 0) {
    sink.add(values.CALICOVPP_CONFIG_TEMPLATE!.line, `note: CALICOVPP_CONFIG_TEMPLATE is templated (${placeholders.join(', ')}), resolved at run time by vpp-manager`);
  }
  const tap0 = values.CALICOVPP_TAP0_ADDR ? readTap0(values.CALICOVPP_TAP0_ADDR, sink) : `${VPP_TAP0_ADDRESS}/32`;
  const initialConfig = values.CALICOVPP_INITIAL_CONFIG ? readJsonObject(values.CALICOVPP_INITIAL_CONFIG, 'CALICOVPP_INITIAL_CONFIG', sink) : null;
  const debug = values.CALICOVPP_DEBUG ? readJsonObject(values.CALICOVPP_DEBUG, 'CALICOVPP_DEBUG', sink) : null;
  const config: CalicoVppConfig = {
    format,
    values,
    uplinkInterfaces: uplinks,
    mainUplink: uplinks.find((u) => u.isMain) ?? null,
    serviceCidrs,
    ipPools,
    tap0Address: tap0,
    startupConfTemplate: values.CALICOVPP_CONFIG_TEMPLATE ?? null,
    initialConfig,
    vppHostTapSpec: interfaces.vppHostTapSpec,
    networkManagerHook: values.CALICOVPP_ENABLE_NETWORK_MANAGER_HOOK ? readBool(values.CALICOVPP_ENABLE_NETWORK_MANAGER_HOOK, 'CALICOVPP_ENABLE_NETWORK_MANAGER_HOOK', true, sink) : true,
    udevNetNameRules: debugBool(debug, 'enableUdevNetNameRules') ?? true,
  };
  return { config, diagnostics: sink.finish() };
}

/** Whole values that are placeholders: a note each, and taken out so nothing reads them as wrong. */
function takeTemplated(values: Record<string, ConfigValue>, sink: DiagnosticSink): Set<string> {
  const out = new Set<string>();
  for (const [key, v] of Object.entries(values)) {
    if (!isPlaceholder(v.value)) continue;
    sink.add(v.line, `note: ${key} is templated (${v.value.trim()}), resolved at run time; its value is not known from this file`);
    out.add(key);
    delete values[key];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Containers: env file, YAML.

/** `kubectl get configmap -o json` (or a List): JSON, but a manifest; YAML reads it with its lines. */
function looksLikeJsonManifest(text: string): boolean {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) && ('kind' in v || 'data' in v || 'apiVersion' in v);
  } catch {
    return false;
  }
}

function looksLikeEnvFile(text: string): boolean {
  const lines = splitLines(text).filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  return lines.length > 0 && /^\s*(export\s+)?[A-Za-z_][A-Za-z0-9_]*=/.test(lines[0]!);
}

/** `KEY=VALUE`, `export KEY=VALUE`, values bare, 'single-' or "double-quoted" (quoted ones may span lines). */
function readEnvFile(text: string, values: Record<string, ConfigValue>, sink: DiagnosticSink): void {
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) {
      sink.unknown(i + 1, line, 'expected KEY=VALUE');
      continue;
    }
    const key = m[1]!;
    let rest = m[2]!;
    const start = i + 1;
    const quote = rest.startsWith('"') || rest.startsWith("'") ? rest[0]! : null;
    if (quote === null) {
      values[key] = { value: rest.replace(/\s+#.*$/, '').trim(), line: start };
      continue;
    }
    // A quoted value ends at the next unescaped matching quote, possibly lines later.
    rest = rest.slice(1);
    let value = '';
    for (;;) {
      const end = findClosingQuote(rest, quote);
      if (end >= 0) {
        value += rest.slice(0, end);
        break;
      }
      value += `${rest}\n`;
      i++;
      if (i >= lines.length) {
        sink.add(start, `${key}: the ${quote === '"' ? 'double' : 'single'} quote opened here is never closed`);
        break;
      }
      rest = lines[i]!;
    }
    if (quote === '"') value = value.replace(/\\(["\\$`])/g, '$1').replace(/\\n/g, '\n');
    // The value's text begins on the line of the key (after the quote).
    values[key] = { value, line: start };
  }
}

function findClosingQuote(s: string, quote: string): number {
  for (let j = 0; j < s.length; j++) {
    if (quote === '"' && s[j] === '\\') {
      j++;
      continue;
    }
    if (s[j] === quote) return j;
  }
  return -1;
}

function readYaml(text: string, values: Record<string, ConfigValue>, pools: IpPool[], sink: DiagnosticSink): void {
  const lineCounter = new LineCounter();
  let docs: Document.Parsed[];
  try {
    docs = parseK8sYamlDocuments(text, lineCounter);
  } catch (err) {
    sink.add(null, `not YAML: ${(err as Error).message}`);
    return;
  }
  const lineOf = (offset: number): number => lineCounter.linePos(offset).line;
  // Every ConfigMap first: a DaemonSet's valueFrom and envFrom refer to them by name.
  const allConfigMaps = docs.filter((d) => d.errors.length === 0 && isMap(d.contents) && d.get('kind') === 'ConfigMap').map((d) => {
    const data = d.get('data', true);
    return { name: String(d.getIn(['metadata', 'name']) ?? ''), namespace: d.getIn(['metadata', 'namespace']) as string | undefined, items: isMap(data) ? data.items : [] };
  });
  let configMaps = 0;
  for (const doc of docs) {
    for (const err of doc.errors) sink.add(lineOf(err.pos[0]), `YAML: ${err.message.split('\n')[0]}`);
    if (doc.errors.length > 0) continue;
    const alias = resolveAliases(doc);
    if (alias !== null) {
      sink.add(lineOf(alias), UNRESOLVED_ALIAS);
      continue;
    }
    if (!isMap(doc.contents)) continue;
    const kind = String(doc.get('kind') ?? '');
    const name = String(doc.getIn(['metadata', 'name']) ?? '');
    if (kind === 'ConfigMap') {
      const data = doc.get('data', true);
      const keys = isMap(data) ? data.items.map((p) => (isScalar(p.key) ? String(p.key.value) : '')) : [];
      // calico-vpp-config, or (v0.7 to v0.13) Calico's own calico-config carrying the vpp_* keys.
      const isCalicoVpp = name === 'calico-vpp-config' || keys.some((k) => k.startsWith('CALICOVPP_')) || (name === 'calico-config' && keys.some((k) => k in LEGACY_KEYS));
      if (!isCalicoVpp) continue;
      configMaps++;
      if (configMaps > 1) {
        sink.add(lineOf(doc.range[0]), `a second Calico/VPP ConfigMap (${name || 'unnamed'}); its keys override the first one's`);
      }
      if (isMap(data)) readDataMap(data.items, values, lineOf, sink, `ConfigMap ${name}`);
    } else if (kind === 'DaemonSet') {
      // The calico-vpp-node containers' environment: literal values, valueFrom.configMapKeyRef, envFrom.
      const containers = doc.getIn(['spec', 'template', 'spec', 'containers'], true);
      if (!isSeq(containers)) continue;
      for (const c of containers.items) {
        if (!isMap(c)) continue;
        const where = `DaemonSet ${name} container ${String(c.get('name') ?? '?')}`;
        readEnvFrom(c.get('envFrom', true), allConfigMaps, values, lineOf, sink, where);
        readContainerEnv(c.get('env', true), allConfigMaps, values, lineOf, sink, where);
      }
    } else if (kind === 'IPPool') {
      const cidr = doc.getIn(['spec', 'cidr'], true);
      if (!isScalar(cidr)) {
        sink.add(lineOf(doc.range[0]), `IPPool ${name}: spec.cidr is missing`);
        continue;
      }
      const ipip = doc.getIn(['spec', 'ipipMode']);
      const vxlan = doc.getIn(['spec', 'vxlanMode']);
      const encap = vxlan && vxlan !== 'Never' ? `VXLAN (${String(vxlan)})` : ipip && ipip !== 'Never' ? `IPIP (${String(ipip)})` : null;
      pools.push(checkedPool(String(cidr.value), name || null, encap, `IPPool ${name}`, lineOf(cidr.range![0]), sink));
    } else if (kind === 'Installation') {
      const list = doc.getIn(['spec', 'calicoNetwork', 'ipPools'], true);
      if (!isSeq(list)) continue;
      for (const p of list.items) {
        if (!isMap(p)) continue;
        const cidr = p.get('cidr', true);
        if (!isScalar(cidr)) continue;
        const encap = p.get('encapsulation');
        pools.push(checkedPool(String(cidr.value), p.get('name') ? String(p.get('name')) : null, encap ? String(encap) : null, `Installation ${name}`, lineOf(cidr.range![0]), sink));
      }
    } else if (kind === '' && isMap(doc.contents) && doc.contents.items.some((p) => isScalar(p.key) && String(p.key.value).startsWith('CALICOVPP_'))) {
      // The ConfigMap's data section on its own.
      readDataMap(doc.contents.items, values, lineOf, sink, 'ConfigMap data');
    }
  }
  if (Object.keys(values).length === 0 && docs.every((d) => d.errors.length === 0)) {
    sink.add(null, 'found no calico-vpp-config ConfigMap (nor CALICOVPP_* keys) in this YAML');
  }
}

function readDataMap(items: { key: unknown; value: unknown }[], values: Record<string, ConfigValue>, lineOf: (o: number) => number, sink: DiagnosticSink, where: string): void {
  for (const pair of items) {
    if (!isScalar(pair.key)) continue;
    const key = String(pair.key.value);
    const v = pair.value;
    const keyLine = pair.key.range ? lineOf(pair.key.range[0]) : null;
    if (!isScalar(v)) {
      sink.add(isNodeWithRange(v) ? lineOf(v.range![0]) : null, `${key}: a ConfigMap value must be a string`);
      continue;
    }
    if (typeof v.value !== 'string') sink.add(lineOf(v.range![0]), `${key}: ConfigMap data values must be strings (quote it); Kubernetes rejects ${JSON.stringify(v.value)}`);
    const variable = LEGACY_KEYS[key];
    if (variable !== undefined) {
      // The upper-case variable, where both are given, is what the newer DaemonSet passes on.
      if (!values[variable]) values[variable] = scalarValue(v, lineOf);
      continue;
    }
    if (!isKnownKey(key)) {
      const near = closestKnown(key);
      sink.add(keyLine, `${where}: unknown key ${JSON.stringify(key)}; Calico/VPP ignores it${near ? ` (a typo of ${near}?)` : ''}`);
    }
    values[key] = scalarValue(v, lineOf);
  }
}

function isKnownKey(key: string): boolean {
  return key.startsWith('CALICOVPP_') || key.startsWith('FELIX_') || OTHER_VARIABLES.has(key) || CALICO_CONFIG_KEYS.has(key);
}

/** The known key that shares a long prefix (5 characters or more) with an unknown one, as a hint. */
function closestKnown(key: string): string | null {
  const known = [...Object.keys(LEGACY_KEYS), ...OTHER_VARIABLES, 'CALICOVPP_INTERFACES', 'CALICOVPP_CONFIG_TEMPLATE'];
  const score = (k: string): number => {
    let i = 0;
    while (i < k.length && i < key.length && k[i]!.toLowerCase() === key[i]!.toLowerCase()) i++;
    return i;
  };
  const best = known.reduce((b, k) => (score(k) > score(b) ? k : b), known[0]!);
  return score(best) >= 5 ? best : null;
}

interface NamedConfigMap {
  name: string;
  namespace: string | undefined;
  items: { key: unknown; value: unknown }[];
}

function dataValue(cm: NamedConfigMap, key: string): unknown {
  return cm.items.find((p) => isScalar(p.key) && String(p.key.value) === key)?.value;
}

/** `env:` entries: a literal value, or valueFrom.configMapKeyRef resolved against this input's ConfigMaps. */
function readContainerEnv(env: unknown, cms: NamedConfigMap[], values: Record<string, ConfigValue>, lineOf: (o: number) => number, sink: DiagnosticSink, where: string): void {
  if (!isSeq(env)) return;
  for (const e of env.items) {
    if (!isMap(e)) continue;
    const key = String(e.get('name') ?? '');
    if (!(key.startsWith('CALICOVPP_') || OTHER_VARIABLES.has(key))) continue;
    const v = e.get('value', true);
    if (isScalar(v)) {
      values[key] = scalarValue(v, lineOf);
      continue;
    }
    const ref = e.getIn(['valueFrom', 'configMapKeyRef'], true);
    if (!isMap(ref)) continue; // fieldRef, secretKeyRef, ...: not configuration
    const cmName = String(ref.get('name') ?? '');
    const cmKey = String(ref.get('key') ?? '');
    const line = ref.range ? lineOf(ref.range[0]) : null;
    const cm = cms.find((c) => c.name === cmName);
    const value = cm ? dataValue(cm, cmKey) : undefined;
    if (isScalar(value)) values[key] = scalarValue(value, lineOf);
    else if (ref.get('optional') !== true) {
      sink.add(line, `${where}: env ${key} takes key ${JSON.stringify(cmKey)} of ConfigMap ${cmName}, which ${cm ? 'has no such key' : 'is not in this input'}; ` +
        `${cm ? 'the pod does not start (CreateContainerConfigError)' : 'give the ConfigMap too, or its value is unknown'}`);
    }
  }
}

/** `envFrom: [{configMapRef: {name}}]`: every key of that ConfigMap becomes a variable. */
function readEnvFrom(envFrom: unknown, cms: NamedConfigMap[], values: Record<string, ConfigValue>, lineOf: (o: number) => number, sink: DiagnosticSink, where: string): void {
  if (!isSeq(envFrom)) return;
  for (const e of envFrom.items) {
    const ref = isMap(e) ? e.get('configMapRef', true) : null;
    if (!isMap(ref)) continue;
    const cmName = String(ref.get('name') ?? '');
    const cm = cms.find((c) => c.name === cmName);
    if (!cm) {
      if (ref.get('optional') !== true) sink.add(ref.range ? lineOf(ref.range[0]) : null, `${where}: envFrom ConfigMap ${cmName} is not in this input; give it too, or its values are unknown`);
      continue;
    }
    for (const p of cm.items) {
      if (isScalar(p.key) && isScalar(p.value) && !values[String(p.key.value)]) values[String(p.key.value)] = scalarValue(p.value, lineOf);
    }
  }
}

function isNodeWithRange(v: unknown): v is YamlNode {
  return typeof v === 'object' && v !== null && 'range' in v && Array.isArray((v as YamlNode).range);
}

/** A scalar's text and the line its text starts on: a block scalar (`|`, `>`) starts below its header. */
function scalarValue(v: { value: unknown; type?: string | undefined; range?: [number, number, number] | null | undefined }, lineOf: (o: number) => number): ConfigValue {
  const start = v.range ? lineOf(v.range[0]) : 1;
  const block = v.type === 'BLOCK_LITERAL' || v.type === 'BLOCK_FOLDED';
  return { value: String(v.value ?? ''), line: block ? start + 1 : start };
}

// ---------------------------------------------------------------------------------------------
// Values.

interface JsonRead {
  uplinks: UplinkInterfaceSpec[];
  vppHostTapSpec: Record<string, unknown> | null;
}

const UPLINK_FIELDS = ['isMain', 'physicalNetworkName', 'interfaceName', 'vppDriver', 'newDriver', 'annotations', 'ipFamilies', 'mtu', 'rx', 'tx', 'rxqsz', 'txqsz', 'isl3', 'rxMode'];
const IF_SPEC_FIELDS = ['rx', 'tx', 'rxqsz', 'txqsz', 'isl3', 'rxMode'];

/** Parses JSON from a config value; every syntax error becomes a diagnostic on its own line. */
function parseJsonValue(v: ConfigValue, key: string, sink: DiagnosticSink): JsonNode | undefined {
  const errors: ParseError[] = [];
  const tree = parseTree(v.value, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const lineAt = (offset: number): number => v.line + (v.value.slice(0, offset).match(/\n/g)?.length ?? 0);
  for (const e of errors.slice(0, 5)) {
    sink.add(lineAt(e.offset), `${key}: not valid JSON (${printParseErrorCode(e.error)}); Calico/VPP cannot decode it`);
  }
  return tree;
}

function readInterfacesJson(v: ConfigValue, sink: DiagnosticSink): JsonRead {
  const tree = parseJsonValue(v, 'CALICOVPP_INTERFACES', sink);
  const lineAt = (node: JsonNode): number => v.line + (v.value.slice(0, node.offset).match(/\n/g)?.length ?? 0);
  if (!tree || tree.type !== 'object') {
    if (tree) sink.add(lineAt(tree), 'CALICOVPP_INTERFACES must be a JSON object ({"uplinkInterfaces": [...]})');
    return { uplinks: [], vppHostTapSpec: null };
  }
  const list = prop(tree, 'uplinkInterfaces');
  const uplinks: UplinkInterfaceSpec[] = [];
  if (list && list.type !== 'array') sink.add(lineAt(list), 'CALICOVPP_INTERFACES: uplinkInterfaces must be a list');
  for (const item of list?.type === 'array' ? list.children ?? [] : []) {
    if (item.type !== 'object') {
      sink.add(lineAt(item), 'CALICOVPP_INTERFACES: each uplink must be an object');
      continue;
    }
    for (const p of item.children ?? []) {
      const k = p.children?.[0]?.value as string;
      if (!UPLINK_FIELDS.some((f) => f.toLowerCase() === k.toLowerCase())) {
        sink.add(lineAt(p), `CALICOVPP_INTERFACES: unknown uplink field ${JSON.stringify(k)} is ignored (known: ${UPLINK_FIELDS.join(', ')})`);
      }
    }
    const str = (name: string): string | null => typed(item, name, 'string', lineAt, sink) as string | null;
    const num = (name: string): number | null => typed(item, name, 'number', lineAt, sink) as number | null;
    const isMain = typed(item, 'isMain', 'boolean', lineAt, sink) === true;
    const annotations: Record<string, string> = {};
    const ann = prop(item, 'annotations');
    for (const p of ann?.type === 'object' ? ann.children ?? [] : []) {
      const value = p.children?.[1];
      if (value?.type === 'string') annotations[String(p.children?.[0]?.value)] = String(value.value);
      else sink.add(lineAt(p), 'CALICOVPP_INTERFACES: annotation values must be strings');
    }
    const queues: Record<string, unknown> = {};
    for (const f of IF_SPEC_FIELDS) {
      const node = prop(item, f);
      if (node) queues[f] = node.value;
    }
    const mtu = num('mtu');
    if (mtu !== null && (!Number.isInteger(mtu) || mtu < 0)) sink.add(lineAt(prop(item, 'mtu')!), `CALICOVPP_INTERFACES: mtu ${mtu} is not a valid MTU`);
    uplinks.push({
      index: uplinks.length,
      interfaceName: str('interfaceName') ?? '',
      vppDriver: emptyToNull(str('vppDriver')),
      newDriver: emptyToNull(str('newDriver')),
      mtu: mtu === null || mtu === 0 ? null : mtu,
      isMain,
      isMainExplicit: isMain,
      physicalNetworkName: emptyToNull(str('physicalNetworkName')),
      ipFamilies: emptyToNull(str('ipFamilies')),
      annotations,
      queues,
      origin: 'CALICOVPP_INTERFACES',
      line: lineAt(item),
    });
  }
  const tapSpec = prop(tree, 'vppHostTapSpec');
  return { uplinks, vppHostTapSpec: tapSpec?.type === 'object' ? (nodeToValue(tapSpec) as Record<string, unknown>) : null };
}

/** Go's encoding/json matches field names case-insensitively when there is no exact match. */
function prop(obj: JsonNode, name: string): JsonNode | undefined {
  const props = obj.children ?? [];
  const exact = props.find((p) => p.children?.[0]?.value === name);
  const match = exact ?? props.find((p) => String(p.children?.[0]?.value).toLowerCase() === name.toLowerCase());
  return match?.children?.[1];
}

function typed(obj: JsonNode, name: string, type: 'string' | 'number' | 'boolean', lineAt: (n: JsonNode) => number, sink: DiagnosticSink): unknown {
  const node = prop(obj, name);
  if (!node || node.type === 'null') return null;
  if (node.type !== type) {
    sink.add(lineAt(node), `CALICOVPP_INTERFACES: ${name} must be a ${type}, not ${node.type} ${JSON.stringify(nodeToValue(node))}; Calico/VPP cannot decode the uplink list`);
    return null;
  }
  return node.value;
}

function nodeToValue(node: JsonNode): unknown {
  if (node.type === 'object') return Object.fromEntries((node.children ?? []).map((p) => [String(p.children?.[0]?.value), p.children?.[1] ? nodeToValue(p.children[1]) : null]));
  if (node.type === 'array') return (node.children ?? []).map(nodeToValue);
  return node.value;
}

function emptyToNull(s: string | null): string | null {
  return s === null || s === '' ? null : s;
}

function finishUplinks(values: Record<string, ConfigValue>, listed: UplinkInterfaceSpec[], sink: DiagnosticSink, templated: boolean): UplinkInterfaceSpec[] {
  const uplinks: UplinkInterfaceSpec[] = [];
  const legacy = values.CALICOVPP_INTERFACE;
  if (legacy && legacy.value !== '' && !isKernelIfname(legacy.value)) {
    sink.add(legacy.line, `CALICOVPP_INTERFACE ${JSON.stringify(legacy.value)} is not a name Linux gives an interface; it is left out`);
  } else if (legacy && legacy.value !== '') {
    sink.add(legacy.line, 'CALICOVPP_INTERFACE, CALICOVPP_NATIVE_DRIVER and CALICOVPP_SWAP_DRIVER are deprecated (use CALICOVPP_INTERFACES); the interface becomes the first uplink');
    uplinks.push({
      index: 0,
      interfaceName: legacy.value,
      vppDriver: emptyToNull((values.CALICOVPP_NATIVE_DRIVER?.value ?? '').toLowerCase()),
      newDriver: emptyToNull(values.CALICOVPP_SWAP_DRIVER?.value ?? ''),
      mtu: null,
      isMain: false,
      isMainExplicit: false,
      physicalNetworkName: null,
      ipFamilies: null,
      annotations: {},
      queues: {},
      origin: 'CALICOVPP_INTERFACE',
      line: legacy.line,
    });
  }
  for (const u of listed) {
    // Nothing downstream can stand for an interface Linux cannot have (vpp-manager finds no link for it).
    if (u.interfaceName === '') sink.add(u.line, 'an uplink has no interfaceName; it is left out');
    else if (isPlaceholder(u.interfaceName)) {
      sink.add(u.line, `note: uplink interfaceName is templated (${u.interfaceName}), resolved at run time; this uplink is not known from this file`);
      templated = true;
    } else if (!isKernelIfname(u.interfaceName)) {
      sink.add(u.line, `uplink ${JSON.stringify(u.interfaceName)} is not a name Linux gives an interface (1 to 15 bytes, not . or .., no /, : or white space); it is left out`);
    } else uplinks.push({ ...u, index: uplinks.length });
  }
  if (uplinks.length === 0) {
    if (templated) return uplinks;
    sink.add(values.CALICOVPP_INTERFACES?.line ?? null, 'no uplink interface is configured (CALICOVPP_INTERFACES uplinkInterfaces is empty); vpp-manager stops ("No interface specified")');
    return uplinks;
  }
  const mains = uplinks.filter((u) => u.isMainExplicit);
  if (mains.length === 0) uplinks[0]!.isMain = true;
  else if (mains.length > 1) {
    sink.add(mains[1]!.line, `more than one uplink is marked isMain (${mains.map((u) => u.interfaceName).join(', ')}); vpp-manager stops ("Too many interfaces tagged Main")`);
  }
  for (const u of uplinks) {
    const where = u.line;
    if (!u.isMain && u.vppDriver === null) sink.add(where, `uplink ${u.interfaceName}: a secondary uplink needs a vppDriver; vpp-manager stops ("vpp driver should be specified for secondary uplink interfaces")`);
    if (u.vppDriver !== null && !(KNOWN_VPP_DRIVERS as readonly string[]).includes(u.vppDriver)) {
      const removed = REMOVED_VPP_DRIVERS[u.vppDriver];
      sink.add(where, `uplink ${u.interfaceName}: vppDriver ${JSON.stringify(u.vppDriver)} ${removed ? `was ${removed}; newer versions` : 'is not a driver Calico/VPP knows; it'} fall${removed ? '' : 's'} back to the default driver (known: ${KNOWN_VPP_DRIVERS.join(', ')})`);
    }
    if (u.ipFamilies !== null && !['IPv4', 'IPv6', 'IPv4,IPv6'].includes(u.ipFamilies)) {
      sink.add(where, `uplink ${u.interfaceName}: invalid ipFamilies ${JSON.stringify(u.ipFamilies)} (IPv4, IPv6 or IPv4,IPv6)`);
    }
  }
  return uplinks;
}

function readPrefixList(v: ConfigValue, key: string, sink: DiagnosticSink): string[] {
  const out: string[] = [];
  for (const chunk of v.value.split(',')) {
    const p = parsePrefix(chunk);
    if (p === null) sink.add(v.line, `${key}: ${JSON.stringify(chunk)} is not a CIDR`);
    else {
      if (chunk !== chunk.trim()) sink.add(v.line, `${key}: ${JSON.stringify(chunk)} has spaces around it; Calico/VPP splits on commas without trimming and fails to parse it`);
      out.push(`${p.address}/${p.prefixlen}`);
    }
  }
  return out;
}

function checkedPool(cidr: string, name: string | null, encapsulation: string | null, origin: string, line: number, sink: DiagnosticSink): IpPool {
  if (parsePrefix(cidr) === null) sink.add(line, `${origin}: ${JSON.stringify(cidr)} is not a CIDR`);
  return { cidr: cidr.trim(), name, encapsulation, origin, line };
}

function poolFromEnv(v: ConfigValue, key: string, sink: DiagnosticSink): IpPool {
  return checkedPool(v.value, null, null, key, v.line, sink);
}

function readTap0(v: ConfigValue, sink: DiagnosticSink): string {
  const p = parsePrefix(v.value);
  if (p === null) {
    sink.add(v.line, `CALICOVPP_TAP0_ADDR: ${JSON.stringify(v.value)} is not a CIDR; ${VPP_TAP0_ADDRESS}/32 assumed`);
    return `${VPP_TAP0_ADDRESS}/32`;
  }
  return `${p.address}/${p.prefixlen}`;
}

function readJsonObject(v: ConfigValue, key: string, sink: DiagnosticSink): Record<string, unknown> | null {
  const tree = parseJsonValue(v, key, sink);
  if (!tree) return null;
  if (tree.type !== 'object') {
    sink.add(v.line, `${key} must be a JSON object`);
    return null;
  }
  return nodeToValue(tree) as Record<string, unknown>;
}

/** Go's strconv.ParseBool: 1, t, T, TRUE, true, True and the matching false spellings. */
function readBool(v: ConfigValue, key: string, fallback: boolean, sink: DiagnosticSink): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v.value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v.value)) return false;
  sink.add(v.line, `${key}: ${JSON.stringify(v.value)} is not a boolean`);
  return fallback;
}

function debugBool(debug: Record<string, unknown> | null, name: string): boolean | null {
  if (!debug) return null;
  const key = Object.keys(debug).find((k) => k === name) ?? Object.keys(debug).find((k) => k.toLowerCase() === name.toLowerCase());
  const v = key === undefined ? undefined : debug[key];
  return typeof v === 'boolean' ? v : null;
}

/**
 * The Calico/VPP inputs of a snapshot, found and parsed once per host: the Calico/VPP configuration,
 * VPP's startup.conf, and the vppctl outputs. Each comes from a file given with its role
 * (`--input ROLE=FILE`), from its usual path, or, for vppctl, from the snapshot's `commands` section.
 * Unreadable parts become diagnostics; whatever could be read is returned.
 */
import type { Host } from '../host.js';
import type { CommandRecord, FileRecord } from '../../snapshot/schema.js';
import { parseCalicoVppConfig, type CalicoVppConfig } from '../../sources/calico-vpp-config.js';
import type { Diagnostic } from '../../sources/vpp-common.js';
import { parseVppStartupConf, type ParsedVppStartupConf } from '../../sources/vpp-startup.js';
import {
  parseShowErrors,
  parseShowHardwareInterfaces,
  parseShowInterfaceAddress,
  parseShowIpFib,
  parseShowIpPuntRedirect,
  parseShowRuntime,
  type Parsed,
  type VppErrorCounter,
  type VppFibEntry,
  type VppHardwareInterface,
  type VppInterfaceAddresses,
  type VppPuntRedirect,
  type VppRuntimeThread,
} from '../../sources/vppctl.js';

/** Where VPP packages and Calico/VPP's vpp-manager put startup.conf. */
export const VPP_STARTUP_PATHS = ['/etc/vpp/startup.conf'];

export interface FromSource<T> {
  value: T;
  /** The file path, or `vppctl ...` for a recorded command. */
  source: string;
}

export interface VppctlOutputs {
  interfaceAddress: FromSource<VppInterfaceAddresses[]> | null;
  hardwareInterfaces: FromSource<VppHardwareInterface[]> | null;
  puntRedirect: FromSource<VppPuntRedirect[]> | null;
  fib: FromSource<VppFibEntry[]> | null;
  errors: FromSource<VppErrorCounter[]> | null;
  runtime: FromSource<VppRuntimeThread[]> | null;
}

export interface CalicoVppInputs {
  config: FromSource<CalicoVppConfig> | null;
  /** startup.conf from its own file, else the config's CALICOVPP_CONFIG_TEMPLATE. */
  startup: FromSource<ParsedVppStartupConf> | null;
  vppctl: VppctlOutputs;
  /** True when any vppctl output is present: VPP runs (or ran) here. */
  hasVppState: boolean;
  diagnostics: Diagnostic[];
}

type VppctlKey = keyof VppctlOutputs;

interface VppctlSpec {
  key: VppctlKey;
  role: string;
  /** The canonical command words after `vppctl`; each may be abbreviated as VPP's CLI allows. */
  words: string[][];
  parse: (text: string, path: string) => Parsed<unknown[]>;
}

const VPPCTL: VppctlSpec[] = [
  { key: 'interfaceAddress', role: 'vppctl-show-interface-address', words: [['show', 'interface', 'address']], parse: parseShowInterfaceAddress },
  { key: 'hardwareInterfaces', role: 'vppctl-show-hardware-interfaces', words: [['show', 'hardware-interfaces']], parse: parseShowHardwareInterfaces },
  { key: 'puntRedirect', role: 'vppctl-show-ip-punt-redirect', words: [['show', 'ip', 'punt', 'redirect'], ['show', 'ip6', 'punt', 'redirect']], parse: parseShowIpPuntRedirect },
  { key: 'fib', role: 'vppctl-show-ip-fib', words: [['show', 'ip', 'fib'], ['show', 'ip6', 'fib']], parse: parseShowIpFib },
  { key: 'errors', role: 'vppctl-show-errors', words: [['show', 'errors']], parse: parseShowErrors },
  { key: 'runtime', role: 'vppctl-show-runtime', words: [['show', 'runtime']], parse: parseShowRuntime },
];

const cache = new WeakMap<Host, CalicoVppInputs>();

/**
 * Parsed texts, by parser, path and text. The engine verifies each fix on a patched copy of the host,
 * which would otherwise parse the same (possibly large) inputs again; a few entries are enough.
 */
const parsedTexts = new Map<string, unknown>();
function memo<T>(kind: string, text: string, path: string, parse: () => T): T {
  const key = `${kind}\0${path}\0${text}`;
  if (parsedTexts.has(key)) return parsedTexts.get(key) as T;
  const value = parse();
  if (parsedTexts.size >= 32) parsedTexts.delete(parsedTexts.keys().next().value as string);
  parsedTexts.set(key, value);
  return value;
}

export function calicoVppInputs(host: Host): CalicoVppInputs {
  const hit = cache.get(host);
  if (hit) return hit;
  const result = findInputs(host);
  cache.set(host, result);
  return result;
}

function findInputs(host: Host): CalicoVppInputs {
  const diagnostics: Diagnostic[] = [];
  const files = host.snapshot.files;
  const withRole = (role: string): FileRecord[] => files.filter((f) => f.role === role && f.content !== null);

  let config: CalicoVppInputs['config'] = null;
  const configFiles = withRole('calico-vpp-config');
  if (configFiles.length > 1) diagnostics.push({ where: configFiles[1]!.path, message: `more than one calico-vpp-config input; only ${configFiles[0]!.path} is used` });
  if (configFiles[0]) {
    const parsed = memo('config', configFiles[0].content!, configFiles[0].path, () => parseCalicoVppConfig(configFiles[0]!.content!, configFiles[0]!.path));
    diagnostics.push(...parsed.diagnostics);
    config = { value: parsed.config, source: configFiles[0].path };
  }

  let startup: CalicoVppInputs['startup'] = null;
  const startupFile = withRole('vpp-startup')[0] ?? VPP_STARTUP_PATHS.map((p) => host.file(p)).find((f) => f && f.content !== null);
  if (startupFile) {
    const parsed = memo('startup', startupFile.content!, startupFile.path, () => parseVppStartupConf(startupFile.content!, startupFile.path));
    diagnostics.push(...parsed.diagnostics);
    startup = { value: parsed, source: startupFile.path };
  } else if (config?.value.startupConfTemplate) {
    const tpl = config.value.startupConfTemplate;
    const parsed = memo(`template:${tpl.line}`, tpl.value, config.source, () => parseVppStartupConf(tpl.value, config!.source, tpl.line));
    diagnostics.push(...parsed.diagnostics);
    startup = { value: parsed, source: `${config.source} (CALICOVPP_CONFIG_TEMPLATE)` };
  }

  const vppctl: VppctlOutputs = { interfaceAddress: null, hardwareInterfaces: null, puntRedirect: null, fib: null, errors: null, runtime: null };
  for (const spec of VPPCTL) {
    const texts: { text: string; source: string }[] = [];
    for (const f of withRole(spec.role)) texts.push({ text: f.content!, source: f.path });
    if (texts.length === 0) {
      for (const c of host.snapshot.commands) {
        if (c.exitCode === 0 && spec.words.some((w) => isVppctlCommand(c, w))) texts.push({ text: c.stdout, source: c.argv.join(' ') });
      }
    }
    if (texts.length === 0) continue;
    const values: unknown[] = [];
    for (const t of texts) {
      const parsed = memo(spec.key, t.text, t.source, () => spec.parse(t.text, t.source));
      diagnostics.push(...parsed.diagnostics);
      values.push(...parsed.value);
    }
    (vppctl as unknown as Record<VppctlKey, FromSource<unknown[]>>)[spec.key] = { value: values, source: texts.map((t) => t.source).join(', ') };
  }
  const hasVppState = Object.values(vppctl).some((v) => v !== null);
  return { config, startup, vppctl, hasVppState, diagnostics };
}

/**
 * `vppctl [-s SOCKET] WORDS...` (or `calicovppctl vppctl [-node N] WORDS...`) where each word is a
 * prefix of the canonical one, as VPP's CLI accepts (`sh int addr`, `sh hard`).
 */
export function isVppctlCommand(c: Pick<CommandRecord, 'argv'>, canonical: string[]): boolean {
  const at = c.argv.findIndex((a) => a === 'vppctl' || a.endsWith('/vppctl'));
  if (at < 0) return false;
  const words: string[] = [];
  for (let i = at + 1; i < c.argv.length; i++) {
    const a = c.argv[i]!;
    if (a.startsWith('-')) {
      i++; // every vppctl / calicovppctl option before the command takes a value
      continue;
    }
    words.push(...a.split(/\s+/).filter(Boolean));
  }
  if (words.length !== canonical.length) return false;
  return words.every((w, i) => canonical[i]!.startsWith(w.toLowerCase()) && (w.length >= 2 || canonical[i] === w));
}

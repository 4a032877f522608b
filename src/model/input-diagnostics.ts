/**
 * Problems with a host's inputs that did not stop the analysis: a .link file line udevd would warn
 * about, a Calico/VPP ConfigMap that is not valid YAML, vppctl output of an unknown shape. `check`
 * lists them first so a finding that is missing because an input was unreadable is never silent.
 */
import type { Diagnostic } from '../snapshot/diagnostic.js';
import type { Host } from './host.js';
import { loadLinkConfigs } from './link/index.js';
import { calicoVppDiagnostics } from './vpp/view.js';
import { BONDING_DIR, bondModeKnown, parseBonding } from '../sources/bonding.js';
import { rulesetOf } from './netfilter/bridged.js';

export function inputDiagnostics(host: Host): Diagnostic[] {
  const link = loadLinkConfigs(host).diagnostics
    .filter((d) => d.severity !== 'note')
    .map((d) => ({ where: placeOf(host, d.file, d.line), message: `${d.message} [${d.id}]` }));
  return [...link, ...calicoVppDiagnostics(host), ...bondingDiagnostics(host), ...rulesetDiagnostics(host)];
}

/** A packet-filter ruleset (collected or given) that cannot be read: the netfilter rules and traces cannot run. */
function rulesetDiagnostics(host: Host): Diagnostic[] {
  return rulesetOf(host).problems.map((p) => ({
    where: p.line ? `${p.source}:${p.line}` : p.source,
    message: `${p.message}: the packet-filter ruleset is not read, so bridge/netfilter-drops-bridged and trace frame's netfilter steps do not run`,
  }));
}

/** A bonding mode the driver does not name: no bond rule can say what the bond does. */
function bondingDiagnostics(host: Host): Diagnostic[] {
  const files = new Set([...host.filesUnder(BONDING_DIR), ...host.snapshot.files.filter((f) => f.role === 'proc-net-bonding')]);
  const out: Diagnostic[] = [];
  for (const f of files) {
    try {
      const bond = parseBonding(f.content ?? '', f.path);
      if (bond.mode !== null && !bondModeKnown(bond.mode)) {
        out.push({ where: `${f.path}:${bond.modeLine ?? 1}`, message: `unknown bonding mode "${bond.mode}": the bond rules cannot say what ${bond.name} does; give the file as the driver printed it` });
      }
    } catch {
      // Unreadable bonding texts are reported where they are read.
    }
  }
  return out;
}

/** A line of a file installed by a provisioning input is shown where it is written: in that input. */
export function placeOf(host: Host, file: string, line: number): string {
  const origin = host.file(file)?.origin;
  if (!origin) return `${file}:${line}`;
  const there = origin.contentLine !== null ? origin.contentLine + line - 1 : origin.line;
  return `${origin.path}:${there} (${file}:${line})`;
}

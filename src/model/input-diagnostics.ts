/**
 * Problems with a host's inputs that did not stop the analysis: a .link file line udevd would warn
 * about, a Calico/VPP ConfigMap that is not valid YAML, vppctl output of an unknown shape. `check`
 * lists them first so a finding that is missing because an input was unreadable is never silent.
 */
import type { Diagnostic } from '../rules/types.js';
import type { Host } from './host.js';
import { loadLinkConfigs } from './link/index.js';
import { calicoVppDiagnostics } from './vpp/view.js';

export function inputDiagnostics(host: Host): Diagnostic[] {
  const link = loadLinkConfigs(host).diagnostics
    .filter((d) => d.severity !== 'note')
    .map((d) => ({ where: placeOf(host, d.file, d.line), message: `${d.message} [${d.id}]` }));
  return [...link, ...calicoVppDiagnostics(host)];
}

/** A line of a file installed by a provisioning input is shown where it is written: in that input. */
export function placeOf(host: Host, file: string, line: number): string {
  const origin = host.file(file)?.origin;
  if (!origin) return `${file}:${line}`;
  const there = origin.contentLine !== null ? origin.contentLine + line - 1 : origin.line;
  return `${origin.path}:${there} (${file}:${line})`;
}

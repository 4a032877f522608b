/** `hostnet check`: run the rules on this host, a namespace or a snapshot. */
import { Command, Option } from 'commander';
import { ExitCode, InputError } from '../errors.js';
import { buildHost } from '../model/host.js';
import { inputDiagnostics } from '../model/input-diagnostics.js';
import { checkScope } from '../model/scope.js';
import { renderJson } from '../render/json.js';
import { renderJunit } from '../render/junit.js';
import { renderNpd, renderNpdUnknown } from '../render/npd.js';
import { renderSarif } from '../render/sarif.js';
import { renderText } from '../render/text.js';
import { atOrAbove, runChecks } from '../rules/engine.js';
import { ALL_RULES } from '../rules/index.js';
import type { Severity } from '../rules/types.js';
import { addHostInputOptions, loadHostInput, type HostInputOptions } from './input.js';
import { addSystemdVersionOption, withSystemdVersion, type SystemdVersionOption } from './systemd-version.js';
import { emit, useColor } from './output.js';

interface CheckOpts extends HostInputOptions, SystemdVersionOption {
  format: 'text' | 'json' | 'sarif' | 'junit';
  npd?: boolean;
  failOn: Severity;
  ignore: string[];
  output?: string;
}

export function checkCommand(): Command {
  const cmd = new Command('check').description('Find host-networking traps on this host, a namespace or a snapshot');
  addSystemdVersionOption(addHostInputOptions(cmd))
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'sarif', 'junit']).default('text'))
    .option('--npd', 'node-problem-detector custom plugin: one line on stdout, exit 0 OK, 1 NonOK, 2 Unknown')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices(['error', 'warning', 'note']).default('warning'))
    .option('--ignore <id...>', 'rule ids not to run (repeatable)', [])
    .option('-o, --output <file>', 'write the report here instead of stdout')
    .addHelpText('after', `
Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 could not evaluate.

Examples:
  hostnet check                                   # this host
  hostnet check --snapshot node1.json --format json
  hostnet check --netns lab1 --fail-on error
  hostnet check --kubeconfig ~/.kube/config       # with the Calico/VPP configuration the cluster holds
  hostnet check --no-kube                         # this host only, no cluster
  hostnet check --snapshot node1.json --ignore link/mac-policy-race
  hostnet check --format junit -o hostnet-junit.xml  # for CI
  hostnet check --npd                             # as an NPD custom plugin (deploy/npd/)`)
    .action(async (opts: CheckOpts) => {
      if (opts.npd) return checkForNpd(opts);
      const loaded = await loadHostInput(opts);
      const { source } = loaded;
      const snapshot = withSystemdVersion(loaded.snapshot, opts);
      const host = buildHost(snapshot);
      const report = runChecks(host, ALL_RULES, { ignore: opts.ignore }, inputDiagnostics(host));
      const text = opts.format === 'json' ? renderJson(report, { source })
        : opts.format === 'sarif' ? renderSarif(report, ALL_RULES.map((r) => r.meta))
        : opts.format === 'junit' ? renderJunit([{ name: source, report, skipped: opts.ignore, timestamp: snapshot.collectedAt }], ALL_RULES.map((r) => r.meta), opts.failOn)
        : renderText(report, { color: useColor() && !opts.output, source, scope: checkScope(host) });
      emit(text, opts.output);
      process.exitCode = atOrAbove(report.findings, opts.failOn).length > 0 ? ExitCode.findings : ExitCode.ok;
    });
  return cmd;
}

/** NPD reads only the exit code and stdout: even "could not evaluate" must be one line there, not a stack. */
async function checkForNpd(opts: CheckOpts): Promise<void> {
  let result: { line: string; exitCode: number };
  try {
    const snapshot = withSystemdVersion((await loadHostInput(opts)).snapshot, opts);
    result = renderNpd(runChecks(buildHost(snapshot), ALL_RULES, { ignore: opts.ignore }), opts.failOn);
  } catch (err) {
    result = renderNpdUnknown(err instanceof InputError ? err.describe().split('\n')[0]! : (err as Error).message);
  }
  emit(result.line, opts.output);
  process.exitCode = result.exitCode;
}

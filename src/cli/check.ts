/** `hostnet check`: run the rules on this host, a namespace or a snapshot. */
import { Command, Option } from 'commander';
import { ExitCode } from '../errors.js';
import { buildHost } from '../model/host.js';
import { checkScope } from '../model/scope.js';
import { renderJson } from '../render/json.js';
import { renderSarif } from '../render/sarif.js';
import { renderText } from '../render/text.js';
import { atOrAbove, runChecks } from '../rules/engine.js';
import { ALL_RULES } from '../rules/index.js';
import type { Severity } from '../rules/types.js';
import { addHostInputOptions, loadHostInput, type HostInputOptions } from './input.js';
import { emit, useColor } from './output.js';

interface CheckOpts extends HostInputOptions {
  format: 'text' | 'json' | 'sarif';
  failOn: Severity;
  ignore: string[];
  output?: string;
}

export function checkCommand(): Command {
  const cmd = new Command('check').description('Find host-networking traps on this host, a namespace or a snapshot');
  addHostInputOptions(cmd)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices(['error', 'warning', 'note']).default('warning'))
    .option('--ignore <id...>', 'rule ids not to run (repeatable)', [])
    .option('-o, --output <file>', 'write the report here instead of stdout')
    .addHelpText('after', `
Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 could not evaluate.

Examples:
  hostnet check                                   # this host
  hostnet check --snapshot node1.json --format json
  hostnet check --netns lab1 --fail-on error
  hostnet check --snapshot node1.json --ignore link/mac-policy-race`)
    .action(async (opts: CheckOpts) => {
      const { snapshot, source } = await loadHostInput(opts);
      const host = buildHost(snapshot);
      const report = runChecks(host, ALL_RULES, { ignore: opts.ignore });
      const text = opts.format === 'json' ? renderJson(report, { source })
        : opts.format === 'sarif' ? renderSarif(report, ALL_RULES.map((r) => r.meta))
        : renderText(report, { color: useColor() && !opts.output, source, scope: checkScope(host) });
      emit(text, opts.output);
      process.exitCode = atOrAbove(report.findings, opts.failOn).length > 0 ? ExitCode.findings : ExitCode.ok;
    });
  return cmd;
}

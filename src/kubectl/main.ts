#!/usr/bin/env node
/**
 * `kubectl hostnet`: the kubectl plugin (kubectl runs `kubectl-hostnet` from PATH with the words after
 * `hostnet`). status reads the nodes' condition and the agents' Events; check and report reach the
 * agents through the API server's pod proxy. Failures end as one message and exit code 2, as in hostnet.
 */
import { Command, CommanderError, Option } from 'commander';
import { stringify } from 'yaml';
import { DEFAULT_CONDITION_TYPE } from '../agent/state.js';
import { ExitCode, InputError, fromSystemError, quietOnClosedPipe } from '../errors.js';
import { VERSION } from '../version.js';
import type { Severity } from '../rules/types.js';
import { Cluster } from './cluster.js';
import { complete } from './complete.js';

export interface GlobalOpts {
  kubeconfig?: string;
  context?: string;
  namespace: string;
  token?: string;
  requestTimeout: string;
}

export const AGENT_NAMESPACE = 'hostnet-system';

export function clusterOf(cmd: Command): Cluster {
  const o = cmd.optsWithGlobals<GlobalOpts>();
  const seconds = Number(o.requestTimeout);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new InputError(`--request-timeout ${JSON.stringify(o.requestTimeout)}: expected seconds > 0`);
  return new Cluster({ kubeconfig: o.kubeconfig, context: o.context, token: o.token, timeoutMs: seconds * 1000 });
}

export function buildPlugin(): Command {
  const program = new Command('kubectl hostnet')
    .description('hostnet across a cluster: the nodes\' host-networking traps, a check on one node now, the fleet report')
    .version(VERSION, '-V, --version')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'the kubeconfig context to use')
    .option('-n, --namespace <ns>', 'the namespace of the hostnet agent pods', AGENT_NAMESPACE)
    .option('--token <token>', 'bearer token for the API server and the agents (default: the kubeconfig user\'s)')
    .option('--request-timeout <seconds>', 'deadline of each API request', '30')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `
Examples:
  kubectl hostnet status                                 # every node's HostNetworkTrap condition and findings
  kubectl hostnet status -l node-role.kubernetes.io/worker= -o yaml
  kubectl hostnet check worker-1                         # run a check on worker-1's agent now
  kubectl hostnet report -o fleet.html                   # the fleet report from every agent's snapshot

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 could not evaluate. RBAC: deploy/plugin/rbac.yaml.`);
  program.addCommand(statusCommand());
  program.addCommand(checkCommand());
  program.addCommand(reportCommand());
  return program;
}

function statusCommand(): Command {
  return new Command('status')
    .description('Every node\'s HostNetworkTrap condition and its findings, from the condition and the agents\' Events')
    .option('-l, --selector <selector>', 'only nodes with these labels (as kubectl get nodes -l)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json', 'yaml']).default('table'))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a node has a finding at or above this severity').choices(['error', 'warning', 'note']).default('warning'))
    .option('--condition-type <type>', 'the condition the agents publish', DEFAULT_CONDITION_TYPE)
    .option('--event-namespace <ns>', 'where the agents create their Events', 'default')
    .addHelpText('after', `
Examples:
  kubectl hostnet status
  kubectl hostnet status -l kubernetes.io/hostname=worker-1 -o json
  kubectl hostnet status --fail-on error && echo "no error-level trap"`)
    .action(async (opts: { selector?: string; output: 'table' | 'json' | 'yaml'; failOn: Severity; conditionType: string; eventNamespace: string }, cmd: Command) => {
      const { nodeStatuses, statusTable, firingAtOrAbove } = await import('./status.js');
      const statuses = await nodeStatuses(clusterOf(cmd), opts);
      const list = { apiVersion: 'hostnet/v1', kind: 'NodeStatusList', items: statuses };
      process.stdout.write(opts.output === 'json' ? `${JSON.stringify(list, null, 2)}\n` : opts.output === 'yaml' ? stringify(list) : statusTable(statuses));
      process.exitCode = firingAtOrAbove(statuses, opts.failOn) ? ExitCode.findings : ExitCode.ok;
    });
}

function checkCommand(): Command {
  return new Command('check')
    .description('Run a check on a node\'s agent now (through the API server\'s pod proxy) and print it as hostnet check does')
    .argument('<node>', 'the node')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'yaml']).default('text'))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices(['error', 'warning', 'note']).default('warning'))
    .option('--ignore <id...>', 'a rule id not to run', [])
    .addHelpText('after', `
The agent checks its node (at most once per its --check-min-interval; a request in between is answered
from its last check, and this says so), then the snapshot of that check (GET /snapshot, redacted) is
checked here with this plugin's rules and printed as \`hostnet check\` prints it.

Examples:
  kubectl hostnet check worker-1
  kubectl hostnet check worker-1 -o json --context prod`)
    .action(async (node: string, opts: { output: 'text' | 'json' | 'yaml'; failOn: Severity; ignore: string[] }, cmd: Command) => {
      const { checkNode } = await import('./check.js');
      process.exitCode = await checkNode(clusterOf(cmd), cmd.optsWithGlobals<GlobalOpts>().namespace, node, opts);
    });
}

function reportCommand(): Command {
  return new Command('report')
    .description('Fetch every agent\'s latest snapshot (GET /snapshot, redacted) and write the fleet report')
    .option('-l, --selector <selector>', 'only nodes with these labels')
    .option('-o, --output <file>', 'write the report here instead of stdout')
    .addOption(new Option('--format <format>', 'output format').choices(['html', 'junit']).default('html'))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices(['error', 'warning', 'note']).default('warning'))
    .option('--ignore <id...>', 'a rule id not to run', [])
    .option('--title <text>', 'the page title (html)')
    .addHelpText('after', `
Each node's snapshot is named NODE.json in the report, so the page equals \`hostnet report --snapshots DIR\`
of the same snapshots saved as DIR/NODE.json. A node whose agent cannot be reached is listed in the
report as unreadable (exit code 2), never left out.

Examples:
  kubectl hostnet report -o fleet.html
  kubectl hostnet report -l node-role.kubernetes.io/worker= --format junit -o hostnet-junit.xml`)
    .action(async (opts: { selector?: string; output?: string; format: 'html' | 'junit'; failOn: Severity; ignore: string[]; title?: string }, cmd: Command) => {
      const { fleetReport } = await import('./report.js');
      process.exitCode = await fleetReport(clusterOf(cmd), cmd.optsWithGlobals<GlobalOpts>().namespace, opts);
    });
}

export async function main(argv: string[]): Promise<number> {
  process.title = 'kubectl-hostnet';
  quietOnClosedPipe();
  try {
    // kubectl_complete-hostnet (and `kubectl-hostnet __complete ...`): shell completion in cobra's protocol.
    if (argv[2] === '__complete' || argv[2] === '__completeNoDesc') {
      process.stdout.write(await complete(argv.slice(3), buildPlugin(), clusterOf));
      return ExitCode.ok;
    }
    const program = buildPlugin();
    const exitOverride = (cmd: Command): void => {
      cmd.exitOverride();
      cmd.commands.forEach(exitOverride);
    };
    exitOverride(program);
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.ok : ExitCode.couldNotEvaluate;
    const known = err instanceof InputError ? err : fromSystemError(err);
    if (known) {
      process.stderr.write(`kubectl hostnet: ${known.describe()}\n`);
      return ExitCode.couldNotEvaluate;
    }
    process.stderr.write(`kubectl hostnet: internal error: ${(err as Error).message}\n` +
      `  this is a bug in hostnet; please report it with the command you ran${process.env.HOSTNET_DEBUG ? `\n${(err as Error).stack}` : ' (HOSTNET_DEBUG=1 shows the stack)'}\n`);
    return ExitCode.couldNotEvaluate;
  }
}

process.exitCode = await main(process.argv);

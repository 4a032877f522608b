#!/usr/bin/env node
/**
 * The hostnet command line. Each verb lives in its own file; this one wires them together and turns
 * every failure into a message and an exit code (2: could not evaluate), never a stack trace.
 */
import { Command, CommanderError } from 'commander';
import { ExitCode, InputError, fromSystemError, quietOnClosedPipe } from '../errors.js';
import { VERSION } from '../version.js';

/**
 * The verbs. Each verb's module is loaded only when that verb runs (the bundle is split per verb),
 * so `hostnet check` does not pay for the Kubernetes client the agent needs. The summaries are what
 * `hostnet --help` lists; each verb's own --help says the rest.
 */
interface Verb {
  name: string;
  summary: string;
  load: () => Promise<Command>;
}

const VERBS: Verb[] = [
  { name: 'collect', summary: 'record this host (or a namespace) into a snapshot', load: async () => (await import('./collect.js')).collectCommand() },
  { name: 'check', summary: 'find host-networking traps on this host, a namespace or a snapshot', load: async () => (await import('./check.js')).checkCommand() },
  { name: 'fix', summary: 'show, write, apply or undo the verified fixes', load: async () => (await import('./fix.js')).fixCommand() },
  { name: 'link', summary: 'explain and lint systemd .link files: what udevd does to an interface', load: async () => (await import('./link.js')).linkCommand() },
  { name: 'race', summary: 'every ordering of the udevd / data-plane bring-up, and whether the fix removes the losing ones', load: async () => (await import('./race.js')).raceCommand() },
  { name: 'trace', summary: 'trace a frame through a bridge or a packet through the host and VPP', load: async () => (await import('./trace.js')).traceCommand() },
  { name: 'plan', summary: 'predict what a data plane will do to this host before deploying it', load: async () => (await import('./plan.js')).planCommand() },
  { name: 'nad', summary: 'check and generate NetworkAttachmentDefinitions against the nodes', load: async () => (await import('./nad.js')).nadCommand() },
  { name: 'report', summary: 'one self-contained HTML page (or JUnit XML) for a node or a fleet', load: async () => (await import('./report.js')).reportCommand() },
  { name: 'agent', summary: 'run as a node agent: NodeCondition, Events, Prometheus metrics', load: async () => (await import('./agent.js')).agentCommand() },
  { name: 'snapshot', summary: 'show or validate a snapshot file', load: async () => (await import('./snapshot.js')).snapshotCommand() },
];

/** The verb the command line asks for: `hostnet VERB ...` or `hostnet help VERB`. */
function requestedVerb(argv: string[]): string | undefined {
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

export async function buildProgram(argv: string[]): Promise<Command> {
  const program = new Command('hostnet')
    .description('Find, explain, simulate and fix the Linux host-networking traps that silently break data planes')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `
Examples:
  npx hostnet check                                            # check this host
  npx hostnet check --snapshot examples/vpp-e810-predeploy/snapshot.json
  npx hostnet collect -o node1.json                            # record this host to analyse elsewhere
  npx hostnet snapshot show examples/vpp-e810-predeploy/snapshot.json

Exit codes: 0 clean, 1 something to look at (findings at or above --fail-on, a losing ordering, a frame
that does not get through), 2 could not evaluate; per verb: docs/output.md#exit-codes.
Rule documentation: docs/rules/<area>-<name>.md`);
  const wanted = requestedVerb(argv);
  for (const verb of VERBS) {
    program.addCommand(verb.name === wanted ? await verb.load() : new Command(verb.name).description(verb.summary));
  }
  // Every command, however deep, reports usage errors with exit code 2.
  const exitOverride = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.commands.forEach(exitOverride);
  };
  exitOverride(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  // Named hostnet, not node, in ps and pidof: `kill -HUP $(pidof hostnet)` reaches the agent.
  process.title = 'hostnet';
  quietOnClosedPipe();
  try {
    await (await buildProgram(argv)).parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version end through here with exit code 0.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.couldNotEvaluate;
    }
    const known = err instanceof InputError ? err : fromSystemError(err);
    if (known) {
      process.stderr.write(`hostnet: ${known.describe()}\n`);
      return ExitCode.couldNotEvaluate;
    }
    process.stderr.write(`hostnet: internal error: ${(err as Error).message}\n` +
      `  this is a bug in hostnet; please report it with the command you ran${process.env.HOSTNET_DEBUG ? `\n${(err as Error).stack}` : ' (HOSTNET_DEBUG=1 shows the stack)'}\n`);
    return ExitCode.couldNotEvaluate;
  }
}

process.exitCode = await main(process.argv);

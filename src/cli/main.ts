#!/usr/bin/env node
/**
 * The hostnet command line. Each verb lives in its own file; this one wires them together and turns
 * every failure into a message and an exit code (2: could not evaluate), never a stack trace.
 */
import { Command, CommanderError } from 'commander';
import { ExitCode, InputError } from '../errors.js';
import { VERSION } from '../version.js';
import { agentCommand } from './agent.js';
import { reportCommand } from './report.js';
import { checkCommand } from './check.js';
import { collectCommand } from './collect.js';
import { fixCommand } from './fix.js';
import { linkCommand } from './link.js';
import { nadCommand } from './nad.js';
import { planCommand } from './plan.js';
import { raceCommand } from './race.js';
import { snapshotCommand } from './snapshot.js';
import { traceCommand } from './trace.js';

export function buildProgram(): Command {
  const program = new Command('hostnet')
    .description('Find, explain, simulate and fix the Linux host-networking traps that silently break data planes')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `
Examples:
  hostnet check                                            # check this host
  hostnet check --snapshot examples/vpp-e810-predeploy/snapshot.json
  hostnet collect -o node1.json                            # record this host to analyse elsewhere
  hostnet snapshot show node1.json

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 could not evaluate.
Rule documentation: docs/rules/<area>-<name>.md`);
  for (const verb of [collectCommand(), checkCommand(), fixCommand(), snapshotCommand(), traceCommand(), agentCommand(), reportCommand(), linkCommand(), nadCommand(), raceCommand(), planCommand()]) program.addCommand(verb);
  // Every command, however deep, reports usage errors with exit code 2.
  const exitOverride = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.commands.forEach(exitOverride);
  };
  exitOverride(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version end through here with exit code 0.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.couldNotEvaluate;
    }
    if (err instanceof InputError) {
      process.stderr.write(`hostnet: ${err.describe()}\n`);
      return ExitCode.couldNotEvaluate;
    }
    process.stderr.write(`hostnet: internal error: ${(err as Error).message}\n` +
      `  this is a bug in hostnet; please report it with the command you ran${process.env.HOSTNET_DEBUG ? `\n${(err as Error).stack}` : ' (HOSTNET_DEBUG=1 shows the stack)'}\n`);
    return ExitCode.couldNotEvaluate;
  }
}

process.exitCode = await main(process.argv);

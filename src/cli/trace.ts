/** `hostnet trace`: walk a frame or a packet through the host model, step by step, each with its reason. */
import { Command } from 'commander';
import { traceFrameCommand } from './trace-frame.js';
import { tracePacketCommand } from './trace-packet.js';

export function traceCommand(): Command {
  const cmd = new Command('trace').description('Trace a frame through a bridge or a packet through the host and its data plane');
  // One line per kind of trace: cmd.addCommand(<kind>Command());
  cmd.addCommand(traceFrameCommand());
  cmd.addCommand(tracePacketCommand());
  return cmd;
}

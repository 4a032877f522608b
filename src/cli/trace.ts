/** `hostnet trace`: walk a frame or a packet through the host model, step by step, each with its reason. */
import { Command } from 'commander';
import { traceArpCommand } from './trace-arp.js';
import { traceFrameCommand } from './trace-frame.js';
import { tracePacketCommand } from './trace-packet.js';

export function traceCommand(): Command {
  const cmd = new Command('trace').description('Trace a frame through a bridge, a packet through the host and its data plane, or ARP in and out of the host');
  // One line per kind of trace: cmd.addCommand(<kind>Command());
  cmd.addCommand(traceFrameCommand());
  cmd.addCommand(tracePacketCommand());
  cmd.addCommand(traceArpCommand());
  return cmd;
}

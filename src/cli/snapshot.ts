/** `hostnet snapshot show FILE`: a readable summary of a snapshot. */
import { Command } from 'commander';
import { buildHost } from '../model/host.js';
import { renderSummary } from '../render/summary.js';
import { loadSnapshotFile } from '../snapshot/load.js';
import { emit, useColor } from './output.js';

export function snapshotCommand(): Command {
  const cmd = new Command('snapshot').description('Work with snapshot files');
  cmd.command('show')
    .description('Summarise a snapshot: interfaces as a tree of masters and children, addresses, routes, files, gaps')
    .argument('<file>', 'snapshot written by `hostnet collect`')
    .addHelpText('after', `
Example:
  hostnet snapshot show examples/vpp-e810-predeploy/snapshot.json`)
    .action((file: string) => {
      emit(renderSummary(buildHost(loadSnapshotFile(file)), useColor()));
    });
  return cmd;
}

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
    .argument('<file>', 'snapshot written by `npx hostnet collect`')
    .addHelpText('after', `
Example:
  npx hostnet snapshot show examples/vpp-e810-predeploy/snapshot.json`)
    .action((file: string) => {
      emit(renderSummary(buildHost(loadSnapshotFile(file)), useColor()));
    });
  cmd.command('validate')
    .description('Check that a file is a valid snapshot this hostnet can read; exit 0 if it is, 2 with the reason if not')
    .argument('<file>', 'snapshot written by `npx hostnet collect`')
    .addHelpText('after', `
Example:
  npx hostnet snapshot validate examples/vpp-e810-predeploy/snapshot.json && echo usable`)
    .action((file: string) => {
      const s = loadSnapshotFile(file);
      emit(`${file}: valid ${s.schema}: ${s.interfaces.length} interfaces, ${s.routes.length} routes, ${s.files.length} files, ${s.gaps.length} gaps\n`);
    });
  return cmd;
}

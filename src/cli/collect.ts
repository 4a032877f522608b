/** `hostnet collect`: record this host (or a namespace) into a snapshot file. */
import { Command } from 'commander';
import { collectHere } from '../collect/index.js';
import { collectLive, readInputFile, withInputs } from './input.js';
import { emit, progressReporter } from './output.js';

export function collectCommand(): Command {
  return new Command('collect')
    .description('Record this host\'s network state (links, addresses, routes, sysfs, udev, .link/.network files) into a snapshot')
    .option('-o, --output <file>', 'write the snapshot here instead of stdout')
    .option('--netns <name>', 'collect the interfaces, addresses, routes and sysfs of this network namespace')
    .option('--root <dir>', 'read configuration files below this directory (a mounted image, an unpacked sos report)')
    .option('--redact', 'leave out what identifies the machine (machine-id)')
    .option('--input <role=file...>', 'record an input file with its role in the snapshot (see `npx hostnet check --help` for the roles)')
    .addOption(new Command().createOption('--internal-netns-label <name>').hideHelp())
    .addHelpText('after', `
Examples:
  npx hostnet collect -o node1.json                  # this host
  sudo npx hostnet collect --netns lab1 -o lab1.json # one network namespace
  npx hostnet collect --root /mnt/image --redact     # config files of a mounted image
  npx hostnet collect --input calico-vpp-config=examples/vpp-e810-predeploy/calico-vpp-config.yaml -o node1.json   # with the Calico/VPP config

Nothing that cannot be read stops the collection: it is recorded under "gaps" with the reason.`)
    .action(async (opts: { output?: string; netns?: string; root?: string; redact?: boolean; input?: string[]; internalNetnsLabel?: string }) => {
      const progress = progressReporter();
      const inputs = (opts.input ?? []).map(readInputFile);
      const collected = opts.internalNetnsLabel
        ? await collectHere({ root: opts.root, redact: opts.redact, netnsLabel: opts.internalNetnsLabel })
        : await collectLive({ netns: opts.netns, root: opts.root, redact: opts.redact, progress });
      const snapshot = withInputs(collected, inputs);
      emit(`${JSON.stringify(snapshot, null, 1)}\n`, opts.output);
      if (opts.output) {
        progress(`wrote ${opts.output}: ${snapshot.interfaces.length} interfaces, ${snapshot.routes.length} routes, ${snapshot.files.length} files, ${snapshot.gaps.length} gaps`);
      }
    });
}

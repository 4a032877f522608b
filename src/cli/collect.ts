/** `hostnet collect`: record this host (or a namespace) into a snapshot file. */
import { Command } from 'commander';
import { collectHere } from '../collect/index.js';
import { InputError } from '../errors.js';
import type { Snapshot } from '../snapshot/schema.js';
import { collectLive, readInputFile, withClusterConfig, withInputs } from './input.js';
import { emit, progressReporter } from './output.js';

export function collectCommand(): Command {
  return new Command('collect')
    .description('Record this host\'s network state (links, addresses, routes, sysfs, udev, .link/.network files) into a snapshot')
    .option('-o, --output <file>', 'write the snapshot here instead of stdout')
    .option('--netns <name>', 'collect the interfaces, addresses, routes and sysfs of this network namespace')
    .option('--root <dir>', 'read configuration files below this directory (a mounted image; a sos report is read with --from)')
    .option('--from <bundle>', 'read a support bundle instead of this host: a sosreport, calicovppctl export, must-gather (directory or tarball) or a directory of captured command outputs (docs/inputs.md)')
    .option('--node <name>', 'with --from: the node to read from a bundle that holds several (calicovppctl export, must-gather)')
    .option('--redact', 'leave out what identifies the machine (machine-id)')
    .option('--input <role=file...>', 'record an input file with its role in the snapshot (see `hostnet check --help` for the roles)')
    .option('--kubeconfig <file>', 'live collection: also record the Calico/VPP configuration this cluster holds (default: $KUBECONFIG, ~/.kube/config, the in-cluster service account)')
    .option('--no-kube', 'live collection: read nothing from a Kubernetes cluster')
    .addOption(new Command().createOption('--internal-netns-label <name>').hideHelp())
    .addHelpText('after', `
Examples:
  hostnet collect -o node1.json                  # this host
  sudo hostnet collect --netns lab1 -o lab1.json # one network namespace
  hostnet collect --root /mnt/image --redact     # config files of a mounted image
  hostnet collect --input calico-vpp-config=cm.yaml -o node1.json   # with the Calico/VPP config
  hostnet collect --kubeconfig ~/.kube/config -o node1.json         # with the cluster's Calico/VPP config
  hostnet collect --from sosreport-node1-2026-01-01.tar.xz -o node1.json  # from a sosreport
  hostnet collect --from calico-vpp-export-1234.tar.gz --node worker-1 -o w1.json
  hostnet collect --from ./captures/ -o node1.json  # files named like ip_-d_address, ethtool_-i_eth0

Nothing that cannot be read stops the collection: it is recorded under "gaps" with the reason.
What a bundle does not hold (sos copies no /usr/lib/systemd/network, a calicovppctl export has no
Linux side) is a gap too. The result is a snapshot like any other: hostnet check --snapshot FILE.`)
    .action(async (opts: { output?: string; netns?: string; root?: string; from?: string; node?: string; redact?: boolean; input?: string[]; internalNetnsLabel?: string; kubeconfig?: string; kube: boolean }) => {
      const progress = progressReporter();
      const inputs = (opts.input ?? []).map(readInputFile);
      if (opts.from !== undefined && (opts.netns !== undefined || opts.root !== undefined)) {
        throw new InputError('--from cannot be combined with --netns or --root', undefined, 'a bundle is read as it is; drop --netns/--root');
      }
      if (opts.node !== undefined && opts.from === undefined) throw new InputError('--node only applies with --from BUNDLE');
      const collected = opts.from !== undefined
        ? await fromBundle(opts.from, opts, progress)
        : opts.internalNetnsLabel
        ? await collectHere({ root: opts.root, redact: opts.redact, netnsLabel: opts.internalNetnsLabel })
        : await collectLive({ netns: opts.netns, root: opts.root, redact: opts.redact, progress });
      // The cluster describes this node: not a bundle, an image, or the inner run inside a namespace.
      const live = opts.from === undefined && opts.root === undefined && !opts.internalNetnsLabel && opts.kube;
      const snapshot = live ? await withClusterConfig(withInputs(collected, inputs), opts.kubeconfig, progress) : withInputs(collected, inputs);
      emit(`${JSON.stringify(snapshot, null, 1)}\n`, opts.output);
      if (opts.output) {
        progress(`wrote ${opts.output}: ${snapshot.interfaces.length} interfaces, ${snapshot.routes.length} routes, ${snapshot.files.length} files, ${snapshot.gaps.length} gaps`);
      }
    });
}

async function fromBundle(path: string, opts: { node?: string; redact?: boolean }, progress: (m: string) => void): Promise<Snapshot> {
  progress(`reading bundle ${path}`);
  // Loaded here: a live collection never needs the bundle readers.
  const { collectFromBundle } = await import('../collect/bundle/index.js');
  const { snapshot, kind } = await collectFromBundle(path, { node: opts.node, redact: opts.redact });
  progress(`read ${path} as a ${kind}`);
  return snapshot;
}

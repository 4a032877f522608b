/** `hostnet race`: every ordering of the data-plane tap bring-up, the ones that lose, and the proof a fix removes them. */
import { Command, Option } from 'commander';
import { ExitCode, InputError } from '../errors.js';
import { buildHost } from '../model/host.js';
import { macOwned } from '../model/mac-owners.js';
import { ExplorationLimitError } from '../sim/race/explore.js';
import { withRaceFix } from '../sim/race/fix.js';
import { exploreRace, racedInterfaces } from '../sim/race/index.js';
import { raceJson, renderRaceText } from '../sim/race/render.js';
import { addHostInputOptions, loadHostInput, type HostInputOptions } from './input.js';
import { addSystemdVersionOption, withSystemdVersion, type SystemdVersionOption } from './systemd-version.js';
import { emit, progressReporter } from './output.js';

interface RaceOpts extends HostInputOptions, SystemdVersionOption {
  uplink?: string;
  withFix?: boolean;
  replay?: boolean;
  naive?: boolean;
  format: 'text' | 'json';
  output?: string;
}

export function raceCommand(): Command {
  const cmd = new Command('race').description('Explore every ordering of the udevd / VPP bring-up of the data-plane taps: which orderings leave a tap with the wrong MAC, and whether the fix removes them');
  addSystemdVersionOption(addHostInputOptions(cmd))
    .option('--uplink <if>', 'only the tap that replaces this uplink')
    .option('--with-fix', "explore the host with hostnet's fix (the link/mac-policy-race .link file) installed")
    .option('--replay', 'also replay the add event later (udevadm trigger --action=add, or a udevd restart followed by a trigger)')
    .option('--naive', "execute every ordering of each tap instead of one per equivalence class (for comparison; taps are still combined by counting)")
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-o, --output <file>', 'write the report here instead of stdout')
    .addHelpText('after', `
Each Calico/VPP uplink becomes a tap of the same name: the kernel creates it with a random MAC, VPP
opens one vhost-net queue per thread (main + workers) and then sets the uplink's MAC, and udevd handles
the add event: it reads addr_assign_type, picks the .link file, and writes the MAC that file asks for.
Every ordering of those steps is covered; the share of losing orderings is exact.

Exit codes: 0 no ordering loses, 1 some ordering loses, 2 could not evaluate (no Calico/VPP uplink,
bad input, or outcomes that cannot be decided from the snapshot).

Examples:
  hostnet race --snapshot examples/vpp-e810-predeploy/snapshot.json
  hostnet race --snapshot examples/vpp-e810-predeploy/snapshot.json --with-fix
  hostnet race --snapshot node1.json --uplink ens2f0 --format json
  sudo hostnet race --input calico-vpp-config=calico-vpp-config.yaml      # this host, before the takeover`)
    .action(async (opts: RaceOpts) => {
      const progress = progressReporter();
      const loaded = await loadHostInput(opts);
      const { source } = loaded;
      const snapshot = withSystemdVersion(loaded.snapshot, opts);
      let host = buildHost(snapshot);
      const raced = racedInterfaces(host, opts.uplink).map((o) => o.name);
      if (raced.length === 0) {
        const any = macOwned(host).filter((o) => o.owner === 'Calico/VPP').map((o) => o.name);
        throw opts.uplink && any.length
          ? new InputError(`${opts.uplink} is not a Calico/VPP uplink here`, undefined, `uplinks: ${any.join(', ')}`)
          : new InputError('no Calico/VPP uplink to explore', source,
            'give the Calico/VPP configuration: --input calico-vpp-config=FILE (the calico-vpp-config ConfigMap or CALICOVPP_INTERFACES)');
      }
      let fixFiles: string[] = [];
      if (opts.withFix) {
        const fixed = withRaceFix(host, raced);
        if ('error' in fixed) throw new InputError(fixed.error);
        host = fixed.host;
        fixFiles = fixed.fix?.files.map((f) => f.path) ?? [];
      }
      progress(`exploring the bring-up of ${raced.join(', ')}`);
      let report;
      try {
        report = exploreRace(host, { uplink: opts.uplink, replay: opts.replay, naive: opts.naive });
      } catch (err) {
        if (err instanceof ExplorationLimitError) throw new InputError(err.message, undefined, 'drop --naive, or narrow with --uplink');
        throw err;
      }
      const context = { source, withFix: opts.withFix === true, fixFiles };
      emit(opts.format === 'json' ? `${JSON.stringify(raceJson(report, context), null, 2)}\n` : renderRaceText(report, context), opts.output);
      process.exitCode = report.losing > 0n ? ExitCode.findings : report.unknown > 0n ? ExitCode.couldNotEvaluate : ExitCode.ok;
    });
  return cmd;
}

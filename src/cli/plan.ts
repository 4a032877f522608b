/**
 * `hostnet plan calico-vpp`: what the host will look like once Calico/VPP takes the uplink over, and
 * what the checks say about that future host (the MAC race of the tap that does not exist yet, the
 * .network that will no longer match, ...). The JSON output is the plan `check` verifies a deployed
 * node against (`--input calico-vpp-plan=plan.json`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { ExitCode, InputError } from '../errors.js';
import { buildHost } from '../model/host.js';
import type { CalicoVppPlan } from '../model/vpp/plan-file.js';
import { calicoVppDiagnostics } from '../model/vpp/view.js';
import { planCalicoVpp } from '../plan/calico-vpp.js';
import { renderText } from '../render/text.js';
import { atOrAbove, runChecks } from '../rules/engine.js';
import { ALL_RULES } from '../rules/index.js';
import type { Severity } from '../rules/types.js';
import type { FileRecord } from '../snapshot/schema.js';
import { parseCalicoVppConfig } from '../sources/calico-vpp-config.js';
import { VERSION } from '../version.js';
import { loadHostInput, withClusterConfig, type HostInputOptions } from './input.js';
import { addSystemdVersionOption, withSystemdVersion, type SystemdVersionOption } from './systemd-version.js';
import { emit, progressReporter, useColor } from './output.js';

interface PlanOpts extends HostInputOptions, SystemdVersionOption {
  uplink?: string;
  config?: string;
  vppUplinkName?: string;
  format: 'text' | 'json';
  failOn: Severity;
  output?: string;
  predictedSnapshot?: string;
}

export const PLAN_REPORT_SCHEMA = 'hostnet.calico-vpp-plan-report/v1';

export function planCommand(): Command {
  const cmd = new Command('plan').description('Predict what a data plane will do to this host before deploying it, and check the predicted host');
  cmd.addCommand(calicoVppPlanCommand());
  return cmd;
}

function calicoVppPlanCommand(): Command {
  const cmd = new Command('calico-vpp')
    .description('Predict the host and VPP state after Calico/VPP takes the uplink over, and run the checks on it')
    .option('--config <file>', 'the Calico/VPP configuration: calico-vpp-config ConfigMap YAML (IPPool/Installation documents may follow), an env file, or the CALICOVPP_INTERFACES JSON (default: read from the cluster)')
    .option('--kubeconfig <file>', 'without --config: read the configuration from this cluster (default: $KUBECONFIG, ~/.kube/config, the in-cluster service account)')
    .option('--no-kube', 'without --config: do not look for the configuration in a cluster')
    .option('--uplink <if>', 'the uplink VPP takes (default: the configuration\'s main uplink; must agree with it)')
    .option('--snapshot <file>', 'a snapshot of the node taken before the deployment (default: collect this host)')
    .option('--netns <name>', 'collect live from this network namespace')
    .option('--root <dir>', 'read configuration files below this directory')
    .option('--input <role=file...>', 'add an input file (repeatable), e.g. vpp-startup=startup.conf')
    .option('--vpp-uplink-name <name>', 'VPP\'s name for the uplink when hostnet cannot derive it (dpdk, rdma, af_xdp)')
    .option('--predicted-snapshot <file>', 'also write the predicted post-takeover snapshot here (for `hostnet check --snapshot`)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding on the predicted host is at or above this severity').choices(['error', 'warning', 'note']).default('warning'))
    .option('-o, --output <file>', 'write the plan here instead of stdout')
    .addHelpText('after', `
The plan says what becomes of the uplink for the chosen driver, the tap that replaces it (name, MAC,
MTU, addresses, routes, the service and pod routes with MTU = uplink MTU - 60), and the VPP side
(uplink addresses, tap0 unnumbered, punt redirect). Every registered rule then runs on the predicted
host. Keep the JSON plan to verify the node after deployment.

Exit codes: 0 nothing at or above --fail-on on the predicted host, 1 findings, 2 could not evaluate.

Examples:
  hostnet plan calico-vpp --snapshot examples/calico-vpp-predeploy/snapshot.json \\
      --config examples/calico-vpp-predeploy/calico-vpp-config.yaml --uplink enp216s0f1
  hostnet plan calico-vpp --config calico-vpp.yaml --format json -o plan.json     # this host
  hostnet plan calico-vpp --kubeconfig ~/.kube/config    # the configuration the cluster holds
  hostnet check --input calico-vpp-plan=plan.json                                  # after deployment`)
    .action(async (opts: PlanOpts) => {
      const progress = progressReporter();
      const given = opts.config ? readConfig(opts.config) : null;
      progress(opts.snapshot ? `reading ${opts.snapshot}` : 'collecting this host');
      const loaded = await loadHostInput({ ...opts, kube: false });
      const source = loaded.source;
      // Without --config, the configuration the cluster holds (or one given with --input).
      const live = withSystemdVersion(loaded.snapshot, opts);
      const snapshot = given || opts.kube === false ? live : await withClusterConfig(live, opts.kubeconfig, progress);
      const configFile = given ?? snapshot.files.find((f) => f.role === 'calico-vpp-config' && f.content !== null);
      if (!configFile) {
        throw new InputError('no Calico/VPP configuration: none given and none found in a cluster', undefined,
          'give --config FILE (the calico-vpp-config ConfigMap YAML), or --kubeconfig FILE to read it from the cluster');
      }
      const parsed = parseCalicoVppConfig(configFile.content!, configFile.path);
      const result = planCalicoVpp(snapshot, parsed.config, { uplink: opts.uplink, configFile, vppUplinkName: opts.vppUplinkName });
      const predictedHost = buildHost(result.predicted);
      const report = runChecks(predictedHost, ALL_RULES, {}, calicoVppDiagnostics(predictedHost));
      if (opts.predictedSnapshot) writeOut(opts.predictedSnapshot, `${JSON.stringify(result.predicted, null, 1)}\n`);
      const text = opts.format === 'json'
        ? `${JSON.stringify({ schema: PLAN_REPORT_SCHEMA, tool: { name: 'hostnet', version: VERSION }, source, config: configFile.path, plan: result.plan, vppctl: result.vppctl, report }, null, 2)}\n`
        : renderPlanText(result.plan, result.vppctl, source, configFile.path) + renderText(report, { color: useColor() && !opts.output, source: `the predicted host after the takeover (${source})` });
      emit(text, opts.output);
      process.exitCode = atOrAbove(report.findings, opts.failOn).length > 0 ? ExitCode.findings : ExitCode.ok;
    });
  return addSystemdVersionOption(cmd);
}

function readConfig(path: string): FileRecord {
  try {
    // Recorded as given, so the plan and its findings cite the file as the user named it.
    return { path, content: readFileSync(path, 'utf8'), mask: null, role: 'calico-vpp-config' };
  } catch (err) {
    throw new InputError(`cannot read the Calico/VPP configuration: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, path);
  }
}

function writeOut(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (err) {
    throw new InputError(`cannot write: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, path);
  }
}

/** The plan as a person reads it: `ip`-style lines for Linux, vppctl-style lines for VPP. */
export function renderPlanText(plan: CalicoVppPlan, vppctl: { argv: string[]; stdout: string }[], source: string, config: string): string {
  const t = plan.tap;
  const lines = [
    `hostnet plan calico-vpp: ${source}, configuration ${config}`,
    '',
    `Uplink ${plan.uplink} (${plan.uplinkMac}, mtu ${plan.uplinkMtu}), driver ${plan.driver.driver}:`,
    `  ${plan.driver.explanation}`,
    ...plan.secondary.flatMap((s) => [
      `  secondary uplink ${s.uplink} (driver ${s.driver}) is replaced by its own tap (${s.tapMac ?? 'MAC unknown'}, mtu ${s.mtu ?? '?'})`,
      ...(s.clusterRoutes ?? []).map((r) => `    ${r.dst} via ${r.gateway} dev ${s.uplink} proto static metric ${r.metric} mtu ${r.mtu}   # ${r.reason}`),
    ]),
    '',
    `Linux after the takeover: a tap named ${t.name} replaces it`,
    `  ${t.name}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu ${t.mtu}   (tap, created by VPP)`,
    `    link/ether ${t.mac}   (the uplink's MAC, set by VPP; no permanent address)`,
    ...t.addresses.map((a) => `    ${a.family} ${a.local}/${a.prefixlen}${a.scope ? ` scope ${a.scope}` : ''}`),
    '  routes (the uplink\'s, re-added):',
    ...t.routes.map((r) => `    ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} dev ${t.name}${r.protocol ? ` proto ${r.protocol}` : ''}${r.scope ? ` scope ${r.scope}` : ''}${r.prefsrc ? ` src ${r.prefsrc}` : ''}${r.metric ? ` metric ${r.metric}` : ''}`),
    `  routes to the cluster (proto static, mtu ${plan.clusterRouteMtu} = ${Math.min(plan.uplinkMtu, 9216)} - 60, next hop ${plan.fakeNextHops.inet}):`,
    ...(t.clusterRoutes.length ? t.clusterRoutes.map((r) => `    ${r.dst} via ${r.gateway} dev ${t.name} proto static mtu ${r.mtu}   # ${r.reason}`) : ['    (none: no SERVICE_PREFIX and no IP pool in the configuration)']),
    '',
    'VPP after the takeover:',
    ...vppctl.flatMap((c) => [`  vpp# ${c.argv.slice(1).join(' ')}`, ...c.stdout.trimEnd().split('\n').map((l) => `  ${l}`)]),
    ...(plan.notes.length ? ['', 'Notes:', ...plan.notes.map((n) => `  - ${n}`)] : []),
    '',
    '',
  ];
  return lines.join('\n');
}

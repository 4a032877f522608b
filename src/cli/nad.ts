/**
 * `hostnet nad`: secondary networks for pods. `nad check` reads NetworkAttachmentDefinitions (and chart
 * values) and checks them against one node, a directory of node snapshots, or no node at all;
 * `nad generate` writes a NAD that passes those checks, or proposes one per unused NIC of a node.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Command, Option } from 'commander';
import { ExitCode, InputError, inWords } from '../errors.js';
import { buildHost } from '../model/host.js';
import { buildSpec, dnsName, IPVLAN_PLUGIN_MODES, KNOWN_CNI_VERSIONS, MACVLAN_PLUGIN_MODES, readStackedConf, readVlanConf, toObject, toYaml, unusedNics, type NadRequest, type NadSpec } from '../model/macvlan/index.js';
import { renderJson } from '../render/json.js';
import { renderText } from '../render/text.js';
import { atOrAbove, runChecks, type Report } from '../rules/engine.js';
import { ALL_RULES } from '../rules/index.js';
import { NAD_ROLE, NODE_ROLE, VALUES_ROLE } from '../rules/nad/inputs.js';
import { RESOURCE_ANNOTATION } from '../rules/nad/sriov-resource-unadvertised.js';
import type { Diagnostic, Finding, Severity } from '../rules/types.js';
import { loadSnapshotFile } from '../snapshot/load.js';
import type { FileRecord, Snapshot } from '../snapshot/schema.js';
import { SNAPSHOT_SCHEMA } from '../snapshot/version.js';
import { parseHelmValues } from '../sources/helm-values.js';
import { parseNadFiles, type Nad } from '../sources/nad.js';
import { parseK8sNodes } from '../sources/k8s-node.js';
import { VERSION } from '../version.js';
import { collectLive } from './input.js';
import { emit, progressReporter, useColor } from './output.js';
import { checkRuleIds, listOption } from './options.js';

export function nadCommand(): Command {
  const cmd = new Command('nad').description('Check and generate NetworkAttachmentDefinitions (macvlan, ipvlan) against the nodes they are for');
  cmd.addCommand(nadCheckCommand());
  cmd.addCommand(nadGenerateCommand());
  return cmd;
}

interface CheckOpts {
  kubeconfig?: string;
  kubeNamespace?: string;
  snapshot?: string;
  netns?: string;
  nodeSnapshots?: string;
  configOnly?: boolean;
  values?: string[];
  nodes?: string[];
  format: 'text' | 'json';
  failOn: Severity;
  ignore: string[];
  output?: string;
}

function nadCheckCommand(): Command {
  return new Command('check')
    .description('Check NetworkAttachmentDefinitions (and chart values) against a node, several node snapshots, or only as files')
    .argument('[file...]', 'YAML or JSON files with NetworkAttachmentDefinitions (several documents and List kinds allowed; - reads stdin), or bare CNI config/conflist files')
    .option('--kubeconfig <file>', 'also read the NetworkAttachmentDefinitions of the cluster this kubeconfig points at')
    .option('--kube-namespace <ns>', 'with --kubeconfig: only this namespace (default: all)')
    .option('--snapshot <file>', 'check against the node recorded in this snapshot (hostnet collect -o FILE)')
    .option('--netns <name>', 'check against this network namespace, collected live')
    .option('--node-snapshots <dir>', 'check against every node snapshot (*.json) in this directory: the nodes the pods may run on')
    .option('--config-only', 'check the files alone, without any node (no master, MTU or VM checks)')
    .addOption(listOption('--nodes <file>', 'Kubernetes Node objects (kubectl get nodes -o yaml): the SR-IOV resources they advertise are compared with the NADs\' resourceName annotations'))
    .addOption(listOption('--values <file>', 'a Helm values file whose tmm.cniNetworks, customEnvVars, topologyManager and resources are checked too'))
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices(['error', 'warning', 'note']).default('warning'))
    .addOption(listOption('--ignore <id>', 'a rule id not to run').default([]))
    .option('-o, --output <file>', 'write the report here instead of stdout')
    .addHelpText('after', `
Without --snapshot, --netns, --node-snapshots or --config-only the NADs are checked against this host.
With --node-snapshots every snapshot is a node the pods may be scheduled on: a master must exist on each.

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 could not evaluate (a file
that cannot be read, a YAML syntax error in a document, no NetworkAttachmentDefinition at all).

Examples:
  npx hostnet nad check examples/cnf-macvlan/nads.yaml --node-snapshots examples/cnf-macvlan/nodes
  npx hostnet nad check examples/cnf-macvlan/nads.yaml --snapshot examples/cnf-macvlan/nodes/worker-1.json --values examples/cnf-macvlan/values.yaml --format json
  npx hostnet nad check examples/cnf-macvlan/nads.yaml --config-only
  npx hostnet nad check examples/cnf-macvlan/raw-cni/macvlan-external.conf --node-snapshots examples/cnf-macvlan/nodes
  npx hostnet nad check test/fixtures/nad/sriov-nads.yaml --nodes test/fixtures/nad/nodes-sriov.yaml --config-only
  oc get net-attach-def -A -o yaml | npx hostnet nad check - --snapshot worker-1.json
  npx hostnet nad check --kubeconfig ~/.kube/config --node-snapshots nodes/`)
    .action(async (files: string[], opts: CheckOpts) => {
      checkRuleIds(opts.ignore, '--ignore');
      const chosen = [opts.snapshot, opts.netns, opts.nodeSnapshots, opts.configOnly].filter(Boolean).length;
      if (chosen > 1) throw new InputError('give only one of --snapshot, --netns, --node-snapshots and --config-only');
      const progress = progressReporter();
      if (files.length === 0 && !opts.kubeconfig) throw new InputError('give NAD files (or - for stdin), or --kubeconfig FILE to read them from the cluster');
      // The Kubernetes client is large: load it only when a cluster is asked for.
      const fromCluster = opts.kubeconfig ? await (await import('./nad-cluster.js')).readNadsFromCluster(opts.kubeconfig, opts.kubeNamespace, progress) : [];
      const inputs = [...files.map((f) => readInput(f, NAD_ROLE)), ...fromCluster, ...(opts.values ?? []).map((f) => readInput(f, VALUES_ROLE)), ...(opts.nodes ?? []).map((f) => readInput(f, NODE_ROLE))];
      const sources = [...files.map((f) => (f === '-' ? 'stdin' : f)), ...(opts.kubeconfig ? [`the cluster of ${opts.kubeconfig}`] : [])];
      const parsed = parseNadFiles(inputs.filter((f) => f.role === NAD_ROLE).map((f) => ({ path: f.path, content: f.content ?? '' })));
      const clusterNotes: Diagnostic[] = [];
      const valueDiagnostics = inputs.filter((f) => f.role === VALUES_ROLE).flatMap((f) => parseHelmValues(f.path, f.content ?? '').diagnostics);
      if (parsed.nads.length === 0 && parsed.diagnostics.every((d) => !d.fatal)) {
        throw new InputError(`no NetworkAttachmentDefinition in ${sources.join(', ')}`, undefined,
          parsed.diagnostics.length ? parsed.diagnostics.map((d) => `${d.where}: ${d.message}`).join('\n  ') : 'the files must hold objects of kind NetworkAttachmentDefinition (apiVersion k8s.cni.cncf.io/v1)');
      }
      // The cluster's Node objects are read only when a NAD names an SR-IOV resource and no --nodes file is given.
      if (opts.kubeconfig && !opts.nodes?.length && parsed.nads.some((n) => n.annotations[RESOURCE_ANNOTATION] !== undefined)) {
        const read = await (await import('./nad-cluster.js')).readNodesFromCluster(opts.kubeconfig, progress);
        if ('problem' in read) clusterNotes.push({ where: opts.kubeconfig, message: `${read.problem}; SR-IOV resources are not compared with the nodes` });
        else inputs.push(...read.nodes);
      }
      const nodeDiagnostics = inputs.filter((f) => f.role === NODE_ROLE).flatMap((f) => parseK8sNodes(f.path, f.content ?? '').diagnostics);
      const nodes = await loadNodes(opts, progress);
      const rules = ALL_RULES.filter((r) => r.meta.id.startsWith('nad/'));
      const diagnostics: Diagnostic[] = [...parsed.diagnostics.map((d) => ({ where: d.where, message: d.message })), ...valueDiagnostics, ...nodeDiagnostics, ...clusterNotes];
      const reports = nodes.map((node) => {
        progress(`checking ${parsed.nads.length} NADs against ${node.label}`);
        return runChecks(buildHost({ ...node.snapshot, files: [...node.snapshot.files, ...inputs] }), rules, { ignore: opts.ignore });
      });
      const report = mergeReports(reports, nodes.map((n) => n.label), diagnostics);
      const source = `${countNads(parsed.nads)} from ${sources.join(', ')}${opts.values?.length ? ` with values ${opts.values.join(', ')}` : ''} against ${nodes.map((n) => n.label).join(', ')}`;
      const text = opts.format === 'json'
        ? renderJson({ ...report, ...{ nads: parsed.nads.map(summarize) } }, { source })
        : `${parsed.nads.map((n) => `  ${describeNad(n)}`).join('\n')}\n${renderText(report, { color: useColor() && !opts.output, source, title: 'hostnet nad check' })}`;
      emit(opts.format === 'json' ? text : `NetworkAttachmentDefinitions (${parsed.nads.length}):\n${text}`, opts.output);
      const incomplete = parsed.diagnostics.some((d) => d.fatal) || valueDiagnostics.length > 0;
      process.exitCode = incomplete ? ExitCode.couldNotEvaluate : atOrAbove(report.findings, opts.failOn).length > 0 ? ExitCode.findings : ExitCode.ok;
    });
}

function readInput(path: string, role: string): FileRecord {
  try {
    const content = path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
    return { path: path === '-' ? 'stdin' : path, content, mask: null, role };
  } catch (err) {
    throw new InputError(`cannot read ${role === VALUES_ROLE ? 'values file' : 'NAD file'}: ${inWords(err)}`, path);
  }
}

interface Node {
  label: string;
  snapshot: Snapshot;
}

async function loadNodes(opts: CheckOpts, progress: (m: string) => void): Promise<Node[]> {
  if (opts.configOnly) return [{ label: 'no node (--config-only)', snapshot: emptySnapshot() }];
  if (opts.snapshot) return [{ label: nodeLabel(loadSnapshotFile(opts.snapshot), opts.snapshot), snapshot: loadSnapshotFile(opts.snapshot) }];
  if (opts.nodeSnapshots) {
    let names: string[];
    try {
      names = readdirSync(opts.nodeSnapshots).filter((n) => n.endsWith('.json')).sort();
    } catch (err) {
      throw new InputError(`cannot read the node snapshot directory: ${inWords(err)}`, opts.nodeSnapshots);
    }
    if (names.length === 0) throw new InputError('no node snapshots (*.json) in the directory', opts.nodeSnapshots, 'write one per node with `npx hostnet collect -o DIR/NODE.json`');
    return names.map((n) => {
      const path = join(opts.nodeSnapshots!, n);
      const snapshot = loadSnapshotFile(path);
      const label = nodeLabel(snapshot, path);
      // Messages name the node; a snapshot without a hostname is named after its file.
      return { label, snapshot: snapshot.host.hostname ? snapshot : { ...snapshot, host: { ...snapshot.host, hostname: label } } };
    });
  }
  const snapshot = await collectLive({ netns: opts.netns, progress });
  return [{ label: opts.netns ? `network namespace ${opts.netns}` : `this host (${snapshot.host.hostname ?? 'unnamed'})`, snapshot }];
}

function nodeLabel(snapshot: Snapshot, path: string): string {
  return snapshot.host.hostname ?? basename(path, '.json');
}

function emptySnapshot(): Snapshot {
  return {
    schema: SNAPSHOT_SCHEMA,
    collectedAt: new Date(0).toISOString(),
    collector: { name: 'hostnet', version: VERSION },
    scope: { netns: null, root: '/', redacted: false },
    host: { hostname: null, kernelRelease: null, architecture: null, kernelCommandLine: null, os: { id: null, versionId: null, prettyName: null }, systemdVersion: null, virtualization: null, machineId: null },
    interfaces: [],
    routes: [],
    files: [],
    commands: [],
    gaps: [],
  };
}

/**
 * One report for all nodes: a finding that reads the same on every node is listed once, and one that
 * differs only by the node's name is listed once with the names of all the nodes it holds on.
 */
function mergeReports(reports: Report[], labels: string[], diagnostics: Diagnostic[]): Report {
  const groups = new Map<string, { finding: Finding; nodes: string[] }>();
  reports.forEach((r, i) => {
    const label = labels[i]!;
    for (const f of r.findings) {
      const generic = f.message.split(`on node ${label}`).join('on node \u0000').split(`the node ${label}`).join('the node \u0000');
      const key = `${f.ruleId}\u0001${f.severity}\u0001${f.interface ?? ''}\u0001${generic}`;
      const group = groups.get(key);
      if (group) group.nodes.push(label);
      else groups.set(key, { finding: { ...f, message: generic }, nodes: [label] });
    }
  });
  const findings = [...groups.values()].map(({ finding, nodes }) => {
    const names = nodes.length > 1 ? `nodes ${nodes.join(', ')}` : `node ${nodes[0]}`;
    return { ...finding, message: finding.message.split('node \u0000').join(names) };
  });
  findings.sort((a, b) => rank(b.severity) - rank(a.severity) || a.ruleId.localeCompare(b.ruleId));
  const gaps = reports.flatMap((r, i) => r.gaps.map((g) => (reports.length > 1 ? { ...g, source: `${labels[i]}: ${g.source}` } : g)));
  return { findings, rulesRun: reports[0]?.rulesRun ?? [], diagnostics, gaps };
}

function rank(s: Severity): number {
  return s === 'error' ? 3 : s === 'warning' ? 2 : 1;
}

function summarize(nad: Nad): Record<string, unknown> {
  return {
    name: nad.name ?? null,
    namespace: nad.namespace ?? null,
    bareCniConfig: nad.bare,
    file: nad.place.file,
    document: nad.place.document,
    item: nad.place.item ?? null,
    line: nad.place.line,
    plugins: (nad.config?.plugins ?? []).map((p) => p.type ?? null),
    configProblem: nad.configProblem?.message ?? null,
  };
}

/** "2 NetworkAttachmentDefinitions and 1 CNI config": bare configs are counted apart. */
function countNads(nads: readonly Nad[]): string {
  const bare = nads.filter((n) => n.bare).length;
  const objects = nads.length - bare;
  const parts = [objects > 0 || bare === 0 ? `${objects} NetworkAttachmentDefinition${objects === 1 ? '' : 's'}` : '', bare > 0 ? `${bare} CNI config${bare === 1 ? '' : 's'}` : ''];
  return parts.filter(Boolean).join(' and ');
}

/** One line per NAD: what the plugin will make of it. */
function describeNad(nad: Nad): string {
  const head = `${nad.bare ? 'CNI config ' : ''}${nad.namespace ? `${nad.namespace}/` : ''}${nad.name ?? '(unnamed)'} (${nad.place.file}:${nad.place.line})`;
  if (!nad.config) return `${head}: ${nad.configProblem ? 'config not readable' : 'no spec.config'}`;
  const parts = nad.config.plugins.map((p) => {
    if (p.type === 'macvlan' || p.type === 'ipvlan') {
      const c = readStackedConf(p.type, p.conf);
      return `${p.type} on ${c.master ?? '(default-route interface)'}, mode ${c.mode ?? JSON.stringify(c.modeText)}, ${c.mtu ? `mtu ${c.mtu}` : 'mtu of the master'}, ${c.layer3 ? `ipam ${c.ipamType}` : 'L2 only (no ipam)'}`;
    }
    if (p.type === 'vlan') {
      const v = readVlanConf(p.conf);
      return `vlan ${v.vlanId} on ${v.master ?? '(no master)'}, ${v.mtu ? `mtu ${v.mtu}` : 'mtu of the master'}`;
    }
    return p.type ?? '(no type)';
  });
  return `${head}: ${parts.join(' + ')}`;
}

/** The options of `nad generate`: a request (name and master optional with --from-snapshot) and where it goes. */
export interface GenerateOpts extends Omit<NadRequest, 'name' | 'master'> {
  name?: string;
  master?: string;
  fromSnapshot?: string;
  snapshot?: string;
  format: 'yaml' | 'json';
  output?: string;
}

function nadGenerateCommand(): Command {
  return new Command('generate')
    .description('Write a NetworkAttachmentDefinition that passes the CRD schema and the nad checks, or one per unused NIC of a node')
    .option('--name <name>', 'the NAD\'s name (a DNS-1123 label)')
    .option('--master <interface>', 'the node interface the pods\' interfaces hang off')
    .addOption(new Option('--type <plugin>', 'CNI plugin').choices(['macvlan', 'ipvlan']).default('macvlan'))
    .option('--mode <mode>', `macvlan: ${MACVLAN_PLUGIN_MODES.join(', ')} (default bridge); ipvlan: ${IPVLAN_PLUGIN_MODES.join(', ')} (default l2)`)
    .option('--namespace <ns>', 'metadata.namespace (omit to apply with -n)')
    .option('--mtu <n>', 'interface MTU, at most the master\'s (default: the master\'s)')
    .addOption(new Option('--ipam <kind>', 'address management: none = L2 only, the application sets addresses').choices(['none', 'host-local', 'dhcp']).default('none'))
    .option('--subnet <cidr>', 'host-local: the subnet')
    .option('--range-start <ip>', 'host-local: first address to hand out')
    .option('--range-end <ip>', 'host-local: last address to hand out')
    .option('--gateway <ip>', 'host-local: the gateway')
    .addOption(new Option('--cni-version <v>', 'cniVersion').choices([...KNOWN_CNI_VERSIONS]).default('0.3.1'))
    .option('--from-snapshot <file>', 'propose one NAD per unused Ethernet NIC of the node in this snapshot (no --name/--master)')
    .option('--snapshot <file>', 'check the NAD against this node before writing it (master, MTU, VM)')
    .addOption(new Option('--format <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .option('-o, --output <file>', 'write the NADs here instead of stdout')
    .addHelpText('after', `
With --snapshot or --from-snapshot the NADs are checked against that node as \`nad check\` would; its
errors and warnings go to stderr (the NADs are written all the same).

Exit codes: 0 written, 1 written but the node check found errors, 2 could not evaluate (a bad name,
mode, MTU or missing option).

Examples:
  npx hostnet nad generate --name macvlan-internal --master ens224 --namespace default
  npx hostnet nad generate --name storage --master ens256 --mtu 9000 --ipam host-local --subnet 192.168.50.0/24
  npx hostnet nad generate --name internal --master ens224 --snapshot examples/cnf-macvlan/nodes/worker-1.json
  npx hostnet nad generate --from-snapshot examples/cnf-macvlan/nodes/worker-1.json -o proposed-nads.yaml`)
    .action((opts: GenerateOpts) => {
      const specs: NadSpec[] = [];
      if (opts.fromSnapshot && opts.snapshot) throw new InputError('--from-snapshot already names the node; drop --snapshot');
      if (opts.fromSnapshot) {
        if (opts.name || opts.master) throw new InputError('--from-snapshot proposes names and masters itself; drop --name and --master');
        if (opts.ipam === 'host-local') throw new InputError('--ipam host-local needs one subnet per network; generate those one at a time with --name and --master');
        const snapshot = loadSnapshotFile(opts.fromSnapshot);
        const unused = unusedNics(snapshot);
        for (const u of unused.skipped) process.stderr.write(`hostnet: not proposing ${u.name}: ${u.why}\n`);
        if (unused.free.length === 0) process.stderr.write(`hostnet: ${opts.fromSnapshot}: no unused Ethernet NIC to propose a network for\n`);
        for (const nic of unused.free) specs.push(buildSpec({ ...opts, name: dnsName(`${opts.type}-${nic}`), master: nic }));
      } else {
        if (!opts.name || !opts.master) throw new InputError('give --name and --master (or --from-snapshot FILE)');
        specs.push(buildSpec(opts as NadRequest));
      }
      const out = opts.format === 'json'
        ? `${JSON.stringify(specs.length === 1 ? toObject(specs[0]!) : { apiVersion: 'v1', kind: 'List', items: specs.map(toObject) }, null, 2)}\n`
        : specs.map(toYaml).join('---\n');
      emit(out, opts.output);
      const nodeFile = opts.fromSnapshot ?? opts.snapshot;
      const errors = nodeFile && specs.length > 0 ? checkAgainstNode(specs, loadSnapshotFile(nodeFile), nodeFile) : 0;
      process.exitCode = errors > 0 ? ExitCode.findings : ExitCode.ok;
    });
}

/** The generated NADs through the nad rules on one node; problems to stderr. Returns the error count. */
function checkAgainstNode(specs: NadSpec[], snapshot: Snapshot, path: string): number {
  const input: FileRecord = { path: '(generated)', content: specs.map(toYaml).join('---\n'), mask: null, role: NAD_ROLE };
  const rules = ALL_RULES.filter((r) => r.meta.id.startsWith('nad/') && !r.meta.id.startsWith('nad/values-'));
  const report = runChecks(buildHost({ ...snapshot, files: [...snapshot.files, input] }), rules);
  const shown = report.findings.filter((f) => f.severity !== 'note');
  for (const f of shown) process.stderr.write(`hostnet: ${f.severity} ${f.ruleId}: ${f.message}\n`);
  if (shown.length === 0) process.stderr.write(`hostnet: checked against ${nodeLabel(snapshot, path)}: no errors or warnings\n`);
  return shown.filter((f) => f.severity === 'error').length;
}

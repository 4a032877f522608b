/**
 * Where an analysis verb gets its host from: a snapshot file, or a live collection of this host or of
 * a network namespace. Shared by every analysis verb so they all accept the same flags.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { collectHere } from '../collect/index.js';
import { InputError, printable } from '../errors.js';
import { isCollectedPath, NETWORK_DIRS } from '../collect/files.js';
import { parseProvisioning } from '../sources/provisioning.js';
import { INPUT_ROLES } from '../snapshot/roles.js';
import { readRoleText } from './input-kinds.js';
import type { FileRecord, Gap, Snapshot } from '../snapshot/schema.js';

export interface HostInputOptions {
  snapshot?: string;
  netns?: string;
  root?: string;
  input?: string[];
  kubeconfig?: string;
  /** false with --no-kube. */
  kube?: boolean;
}

/** Deadline of each Kubernetes call of a live collection: an absent cluster must cost little. */
const CLUSTER_TIMEOUT_MS = 3000;

export function addHostInputOptions(cmd: Command): Command {
  return cmd
    .option('--snapshot <file>', 'analyse a snapshot written by `hostnet collect` instead of this host (a support bundle, directory or tarball, is read as `collect --from` reads it)')
    .option('--netns <name>', 'collect live from this network namespace (ip netns name)')
    .option('--root <dir>', 'read configuration files below this directory (a mounted image)')
    .option('--input <role=file...>', `add an input file to the analysis (repeatable); roles: ${Object.keys(INPUT_ROLES).join(', ')}`)
    .option('--kubeconfig <file>', 'live collection: read the Calico/VPP configuration from this cluster (default: $KUBECONFIG, ~/.kube/config, the in-cluster service account)')
    .option('--no-kube', 'live collection: do not read anything from a Kubernetes cluster');
}

/** The snapshot to analyse and a short description of where it came from. */
export async function loadHostInput(opts: HostInputOptions): Promise<{ snapshot: Snapshot; source: string }> {
  if (opts.snapshot && (opts.netns || opts.root)) {
    throw new InputError('--snapshot cannot be combined with --netns or --root', undefined,
      'a snapshot already holds what was collected; drop --netns/--root or drop --snapshot');
  }
  const inputs = (opts.input ?? []).map(readInputFile);
  if (opts.snapshot) {
    const bundle = await import('../collect/bundle/index.js');
    // A support bundle (a directory or a tarball) is read as `collect --from` reads it.
    if (bundle.looksLikeBundle(opts.snapshot)) {
      const path = opts.snapshot;
      const { snapshot, kind } = await bundle.collectFromBundle(path).catch((err: unknown) => {
        // Analysis verbs take no --node: a bundle of several nodes is split by collect first.
        if (err instanceof InputError && err.message.includes('--node NAME')) {
          throw new InputError(err.message.replace('say which with --node NAME', `make a snapshot of one with \`hostnet collect --from ${path} --node NAME -o FILE\``), err.where);
        }
        throw err;
      });
      return { snapshot: withInputs(snapshot, inputs), source: `${opts.snapshot} (${kind})` };
    }
    const { loadSnapshotFile } = await import('../snapshot/load.js');
    return { snapshot: withInputs(loadSnapshotFile(opts.snapshot), inputs), source: opts.snapshot };
  }
  const snapshot = withInputs(await collectLive({ netns: opts.netns, root: opts.root }), inputs);
  // The cluster describes this node, not a mounted image of another one.
  const live = opts.kube !== false && !opts.root ? await withClusterConfig(snapshot, opts.kubeconfig, (m) => process.stderr.write(`hostnet: ${m}\n`)) : snapshot;
  return { snapshot: live, source: opts.netns ? `network namespace ${opts.netns}` : 'this host' };
}

function kubeConfigLikely(): boolean {
  return Boolean(process.env.KUBECONFIG) || existsSync(join(homedir(), '.kube', 'config')) || Boolean(process.env.KUBERNETES_SERVICE_HOST);
}

/**
 * The snapshot with the Calico/VPP configuration the cluster holds for this node (NODE_NAME, else the
 * host name) and the gaps of reading it; a calico-vpp-config the user gave wins over the cluster's.
 */
export async function withClusterConfig(snapshot: Snapshot, kubeconfig: string | undefined, note: (message: string) => void,
  nodeName = process.env.NODE_NAME ?? hostname(), timeoutMs = CLUSTER_TIMEOUT_MS): Promise<Snapshot> {
  if (!kubeconfig && !kubeConfigLikely()) return snapshot; // the Kubernetes client is large: not loaded for nothing
  const [{ findKubeConfig }, { readCalicoVppFromCluster }] = await Promise.all([import('../agent/kube.js'), import('../collect/cluster.js')]);
  const found = findKubeConfig(kubeconfig);
  if (!found) return snapshot;
  const read = await readCalicoVppFromCluster(found.kc, nodeName, timeoutMs);
  const given = snapshot.files.some((f) => f.role === 'calico-vpp-config');
  note(read.note + (read.file && given ? ' (not used: a calico-vpp-config input was given)' : ''));
  return {
    ...snapshot,
    files: read.file && !given ? [...snapshot.files, read.file] : snapshot.files,
    gaps: [...snapshot.gaps, ...read.gaps],
  };
}

/** `ROLE=FILE` read into a file record carrying its role. */
export function readInputFile(spec: string): FileRecord {
  const eq = spec.indexOf('=');
  const role = eq > 0 ? spec.slice(0, eq) : '';
  const path = eq > 0 ? spec.slice(eq + 1) : '';
  if (!(role in INPUT_ROLES) || path === '') {
    throw new InputError(`--input ${JSON.stringify(spec)}: expected ROLE=FILE with ROLE one of ${Object.keys(INPUT_ROLES).join(', ')}`);
  }
  return { path: resolve(path), content: readRoleText(role, path), mask: null, role };
}

/** Roles of which an analysis uses one file: one given with --input replaces the snapshot's. */
const SINGLE_VALUED_ROLES = new Set(['calico-vpp-config', 'vpp-startup', 'calico-vpp-plan', 'lab-intent']);

/**
 * Input files added to a snapshot. An explicit input wins: it replaces the snapshot's file of the same
 * path, and for a role an analysis uses one file of, the snapshot's file of that role. A provisioning
 * file adds the files it installs. Whatever is read but not used, or replaced, is said (`note`).
 */
export function withInputs(snapshot: Snapshot, inputs: FileRecord[], note: (message: string) => void = printNote): Snapshot {
  if (inputs.length === 0) return snapshot;
  const added: FileRecord[] = [];
  const gaps: Gap[] = [];
  for (const input of inputs) {
    added.push(input);
    if (input.role === 'provisioning') added.push(...installedBy(input, note, gaps));
    if (input.role === 'link-file' && !NETWORK_DIRS.some((d) => input.path.startsWith(`${d}/`))) {
      note(`${input.path}: read as link-file but not used: udevd reads .link files only in ${NETWORK_DIRS.join(', ')}; give it at its path there (or use --root DIR with DIR/etc/systemd/network/)`);
    }
  }
  const paths = new Set(added.map((f) => f.path));
  const roles = new Set(inputs.map((f) => f.role).filter((r): r is string => r !== null && SINGLE_VALUED_ROLES.has(r)));
  const kept = snapshot.files.filter((f) => {
    const replaced = paths.has(f.path) || (f.role !== null && roles.has(f.role));
    if (replaced) note(`${f.path}: the snapshot's ${f.role ?? 'file'} is replaced by the one given with --input`);
    return !replaced;
  });
  for (const input of inputs) {
    const command = input.role?.startsWith('vppctl-') ? input.role.slice('vppctl-'.length) : null;
    if (command && snapshot.commands.some((c) => c.argv[0] === 'vppctl' && c.argv.slice(1).join('-') === command)) {
      note(`${input.path}: used instead of the vppctl ${command.replaceAll('-', ' ')} output the snapshot recorded`);
    }
  }
  return { ...snapshot, files: [...kept, ...added], gaps: [...snapshot.gaps, ...gaps] };
}

/** The files a provisioning input installs that hostnet reads, as installed files pointing back to it. */
function installedBy(input: FileRecord, note: (message: string) => void, gaps: Gap[]): FileRecord[] {
  const parsed = parseProvisioning(input.content ?? '');
  if ('error' in parsed) return []; // refused when read; a snapshot that carries one anyway adds nothing
  for (const p of parsed.problems) gaps.push({ source: `${input.path}:${p.line}`, reason: 'unsupported', detail: p.message });
  const used = parsed.files.filter((f) => isCollectedPath(f.path));
  const unused = parsed.files.filter((f) => !isCollectedPath(f.path)).map((f) => f.path);
  if (used.length === 0) {
    note(`${input.path}: a ${parsed.formats.join(' and ')} config, read but not used: it installs no file hostnet reads (.link/.network files in ${NETWORK_DIRS[0]}, ...)${unused.length ? `; it installs ${unused.slice(0, 5).join(', ')}${unused.length > 5 ? ', ...' : ''}` : ''}`);
  }
  return used.map((f) => ({
    path: f.path,
    content: f.mask === null && f.content === '' ? null : f.content,
    mask: f.mask ?? (f.content === '' ? 'empty' : null),
    role: null,
    origin: { path: input.path, line: f.line, contentLine: f.contentLine },
  }));
}

function printNote(message: string): void {
  process.stderr.write(`hostnet: note: ${printable(message)}\n`);
}

export interface LiveOptions {
  netns?: string;
  root?: string;
  redact?: boolean;
  progress?: (message: string) => void;
}

export async function collectLive(opts: LiveOptions): Promise<Snapshot> {
  if (!opts.netns) return collectHere({ root: opts.root, redact: opts.redact, progress: opts.progress });
  return collectInNetns(opts.netns, opts);
}

/**
 * sysfs and `ip` show the namespace of the process that reads them, so collection runs once inside
 * the namespace (one process for the whole collection, not one per interface).
 */
async function collectInNetns(netns: string, opts: LiveOptions): Promise<Snapshot> {
  const self = process.argv[1];
  if (!self) throw new InputError('cannot find the hostnet entry point to run inside the namespace');
  const args = ['netns', 'exec', netns, process.execPath, ...process.execArgv, self, 'collect', '--internal-netns-label', netns];
  if (opts.root) args.push('--root', opts.root);
  if (opts.redact) args.push('--redact');
  opts.progress?.(`collecting inside network namespace ${netns}`);
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  }).catch((e: NodeJS.ErrnoException) => {
    throw new InputError(`cannot run ip netns exec: ${e.code === 'ENOENT' ? 'ip (iproute2) is not installed' : e.message}`);
  });
  if (code !== 0) {
    // The inner hostnet says "hostnet: ..." for what it understood, an Error line for what it did not.
    const lines = stderr.trim().split('\n').filter((l) => l.trim());
    const msg = (lines.find((l) => l.startsWith('hostnet: ')) ?? lines.find((l) => /^\w*Error\b|^Error:/.test(l)) ?? lines.slice(-2).join(' '))
      .replace(/^hostnet: /, '');
    throw new InputError(`cannot collect in network namespace ${JSON.stringify(netns)}: ${msg || `exit ${code}`}`, undefined,
      /No such file|Cannot open network namespace/.test(stderr)
        ? `see \`ip netns list\` for the namespaces that exist`
        : /Operation not permitted|Permission denied/.test(stderr) ? 'entering a namespace needs root (run with sudo)' : undefined);
  }
  // Loaded here, not at the top: a plain collection never needs the validator.
  const { parseSnapshot } = await import('../snapshot/load.js');
  return parseSnapshot(stdout, `collection in ${netns}`);
}

/**
 * `hostnet collect --from PATH`: a snapshot from what support engineers are handed instead of a
 * node: a sosreport, a calicovppctl export, an OpenShift must-gather (directory or tarball), or a
 * directory of command outputs named after their commands. The layout is recognised by what only it
 * has; every reader records what the bundle lacks as gaps.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Snapshot } from '../../snapshot/schema.js';
import { openBundle } from './archive.js';
import { isCalicoVppExport, snapshotFromCalicoVppExport } from './calicovppctl.js';
import { capturesIn, snapshotFromHostBundle } from './host-bundle.js';
import { findMustGather, snapshotFromMustGather } from './must-gather.js';
import { InputError } from '../../errors.js';

export interface BundleOptions {
  /** The node to read, for bundles that hold several (calicovppctl export, must-gather). */
  node?: string;
  redact?: boolean;
}

export type BundleKind = 'sosreport' | 'calicovppctl export' | 'must-gather' | 'directory of captures';

export async function collectFromBundle(path: string, options: BundleOptions = {}): Promise<{ snapshot: Snapshot; kind: BundleKind }> {
  const read = await readBundle(path, options);
  // A bundle of one host has no node to choose: a --node that names another host is a mistake.
  const oneHost = read.kind === 'sosreport' || read.kind === 'directory of captures';
  if (oneHost && options.node !== undefined && options.node !== read.snapshot.host.hostname) {
    throw new InputError(`--node ${JSON.stringify(options.node)}: this ${read.kind} holds one host, ${read.snapshot.host.hostname ?? 'whose name it does not record'}`, path, 'drop --node: it chooses a node of a calicovppctl export or a must-gather');
  }
  return read;
}

async function readBundle(path: string, options: BundleOptions): Promise<{ snapshot: Snapshot; kind: BundleKind }> {
  const opened = openBundle(path);
  try {
    const dir = opened.dir;
    if (existsSync(join(dir, 'sos_commands'))) {
      const captures = readdirSync(join(dir, 'sos_commands')).flatMap((plugin) => capturesIn(dir, `sos_commands/${plugin}`));
      return { kind: 'sosreport', snapshot: await snapshotFromHostBundle({ root: dir, captures, label: 'sosreport', source: path, redact: options.redact ?? false }) };
    }
    if (isCalicoVppExport(dir)) return { kind: 'calicovppctl export', snapshot: snapshotFromCalicoVppExport(dir, path, options.node) };
    const mustGather = findMustGather(dir);
    if (mustGather) return { kind: 'must-gather', snapshot: snapshotFromMustGather(mustGather, path, options.node, options.redact ?? false) };
    const captures = capturesIn(dir, '.');
    if (!captures.some((c) => KNOWN_COMMANDS.has(c.argv[0]!))) {
      throw new InputError('not a support bundle hostnet knows: no sos_commands/ (sosreport), no PREFIX-NODE.hardware-interfaces (calicovppctl export), no cluster-scoped-resources/ (must-gather), and no file named after a command it reads (ip_-d_address, ethtool_-i_eth0, udevadm_info_--export-db, vppctl_show_hardware-interfaces)',
        path, 'see docs/inputs.md for the layouts hostnet reads');
    }
    return { kind: 'directory of captures', snapshot: await snapshotFromHostBundle({ root: dir, captures: captures.map((c) => ({ ...c, path: c.path.replace(/^\.\//, '') })), label: 'directory of captures', source: path, redact: options.redact ?? false }) };
  } finally {
    opened.close();
  }
}

const KNOWN_COMMANDS = new Set(['ip', 'ethtool', 'udevadm', 'vppctl', 'bridge']);

/** Whether PATH looks like a bundle rather than a snapshot file (for `check --snapshot`'s hint). */
export function looksLikeBundle(path: string): boolean {
  try {
    if (statSync(path).isDirectory()) return true;
  } catch {
    return false;
  }
  return /\.(tar(\.(gz|xz|bz2|zst))?|tgz|txz)$/.test(path);
}

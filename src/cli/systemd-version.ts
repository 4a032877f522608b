/**
 * `--systemd-version N`: predict what another node's udevd would do. The version replaces the one
 * the snapshot records (default: that one, else 252 with a note); a version that was not run here
 * gets a note saying which verified version's behaviour stands in (model/link/versions.ts).
 */
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { verificationNote } from '../model/link/index.js';
import type { Snapshot } from '../snapshot/schema.js';

export interface SystemdVersionOption {
  systemdVersion?: string;
}

export function addSystemdVersionOption(cmd: Command): Command {
  return cmd.option('--systemd-version <n>',
    'predict as udevd and networkd of this systemd version do, e.g. 239 (RHEL 8), 249 (Ubuntu 22.04), 252 (Debian 12, RHEL 9), 255 (Ubuntu 24.04), 257 (Debian 13); default: the version the snapshot records, else 252');
}

/** The snapshot with the requested version; a note on stderr when that version was not verified here. */
export function withSystemdVersion<T extends Snapshot>(snapshot: T, opts: SystemdVersionOption): T {
  if (opts.systemdVersion === undefined) return snapshot;
  const version = Number(opts.systemdVersion);
  if (!Number.isInteger(version) || version < 200 || version > 999) {
    throw new InputError(`--systemd-version ${opts.systemdVersion}: expected a major version such as 252`);
  }
  const note = verificationNote(version);
  if (note) process.stderr.write(`hostnet: note: ${note}\n`);
  return { ...snapshot, host: { ...snapshot.host, systemdVersion: version } };
}

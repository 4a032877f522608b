/**
 * A support bundle as a directory: a directory is used as it is, a tarball (.tar, .tar.gz, .tar.xz,
 * ...) is unpacked by the `tar` command into a private temporary directory removed afterwards. GNU tar
 * picks the decompressor itself, strips leading `/` from member names and refuses `..` in them, so
 * nothing is written outside that directory.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../errors.js';

export interface OpenedBundle {
  dir: string;
  close: () => void;
}

export function openBundle(path: string): OpenedBundle {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    throw new InputError(`cannot read bundle: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, path,
      'give a sosreport, must-gather or calicovppctl export (directory or tarball), or a directory of captured command outputs');
  }
  if (st.isDirectory()) return { dir: path, close: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'hostnet-bundle-'));
  const close = (): void => rmSync(dir, { recursive: true, force: true });
  const r = spawnSync('tar', ['-xf', path, '-C', dir, '--no-same-owner', '--no-same-permissions'], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.error || r.status !== 0) {
    close();
    const detail = r.error ? ((r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the tar command is not installed' : r.error.message)
      : firstLine(r.stderr) || `tar exited with ${r.status}`;
    throw new InputError(`cannot unpack bundle: ${detail}`, path,
      /xz|gzip|bzip2|zstd/.test(detail) ? 'install the decompressor tar names (xz-utils, gzip, zstd) or unpack the bundle first' : 'give a tarball (.tar, .tar.gz, .tar.xz) or an unpacked directory');
  }
  return { dir: singleTopDirectory(dir), close };
}

/** Archives hold one top directory (sosreport-HOST-DATE/, calico-vpp-export-N/): the bundle is inside it. */
export function singleTopDirectory(dir: string): string {
  let here = dir;
  for (let depth = 0; depth < 2; depth++) {
    const entries = readdirSync(here, { withFileTypes: true });
    if (entries.length !== 1 || !entries[0]!.isDirectory()) break;
    here = join(here, entries[0]!.name);
  }
  return here;
}

function firstLine(text: string): string {
  // tar's own name starts its messages (InputError shows control characters of a member name escaped).
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.replace(/^tar: /, '').slice(0, 200);
}

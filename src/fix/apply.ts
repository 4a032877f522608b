/**
 * Writing fixes to a machine, safely. The only code that changes a host's files:
 * - atomically: a hidden temporary file in the same directory, fsync, rename, fsync of the directory,
 *   so a crash leaves either the old state or the new file, never a partial one (the temporary name
 *   ends in neither .link nor .network, so udevd and networkd never read it);
 * - never over a file hostnet did not write: every file carries a marker line, and an existing file
 *   without it is refused;
 * - with an undo journal: each apply records what every path held before, and `undo` restores exactly
 *   that (or removes the file), refusing a file that was changed by someone else since.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError, inWords } from '../errors.js';
import type { FixFile } from '../rules/types.js';

export const MARKER = '# Written by hostnet';
const JOURNAL = '/var/lib/hostnet/fix-journal.json';

export interface Transaction {
  id: string;
  time: string;
  files: { path: string; before: string | null; afterSha256: string }[];
  /** Directories the apply had to create, removed again by undo when empty. */
  createdDirs: string[];
}

export interface ApplyOptions {
  /** Directory the host's filesystem is mounted at; `/` for this host. */
  root: string;
  /** Test hook: called after the temporary file is written, before it is renamed into place. */
  beforeRename?: (tmp: string) => void;
  now?: () => Date;
}

/** A script's `#!` line must stay first for the kernel to run it; the marker then comes second. */
function shebang(content: string): string {
  return content.startsWith('#!') ? content.slice(0, content.indexOf('\n') + 1 || content.length) : '';
}

/** The content as written: the marker first (after a `#!` line), so a later apply or undo knows the file is ours. */
export function withMarker(file: FixFile, note: string): FixFile {
  if (isOurs(file.content)) return file;
  const head = shebang(file.content);
  return { ...file, content: `${head}${MARKER} (${note}); undo with: npx hostnet fix --undo\n${file.content.slice(head.length)}` };
}

export function isOurs(content: string): boolean {
  return content.slice(shebang(content).length).startsWith(MARKER);
}

export function applyFiles(files: FixFile[], options: ApplyOptions): Transaction {
  const onDisk = (p: string) => join(options.root, p);
  // Check every file before writing any, so a refusal changes nothing.
  const before = files.map((f) => {
    const existing = readIfExists(onDisk(f.path));
    if (existing !== null && !isOurs(existing)) {
      throw new InputError(`${f.path} exists and was not written by hostnet: not overwritten`, onDisk(f.path),
        'merge the change by hand, or move the file away and apply again');
    }
    return existing;
  });
  const tx: Transaction = {
    id: createHash('sha256').update(files.map((f) => f.path + f.content).join('\0') + String(Date.now())).digest('hex').slice(0, 12),
    time: (options.now?.() ?? new Date()).toISOString(),
    files: files.map((f, i) => ({ path: f.path, before: before[i] ?? null, afterSha256: sha256(f.content) })),
    createdDirs: missingDirs([...files.map((f) => dirname(f.path)), dirname(JOURNAL)], options.root),
  };
  // The journal is written first: if we crash half-way, undo still knows what every path held.
  const journal = readJournal(options.root);
  writeAtomic(onDisk(JOURNAL), `${JSON.stringify([...journal, tx], null, 2)}\n`, options);
  for (const f of files) writeAtomic(onDisk(f.path), f.content, options);
  return tx;
}

export interface UndoResult {
  transaction: Transaction;
  restored: string[];
  removed: string[];
}

/** Restores the state before the last apply, exactly. */
export function undoLast(options: ApplyOptions & { force?: boolean }): UndoResult {
  const journal = readJournal(options.root);
  const tx = journal.at(-1);
  if (!tx) throw new InputError('nothing to undo: hostnet has applied no fix here', join(options.root, JOURNAL));
  const onDisk = (p: string) => join(options.root, p);
  for (const f of tx.files) {
    const now = readIfExists(onDisk(f.path));
    if (now !== null && sha256(now) !== f.afterSha256 && !options.force) {
      throw new InputError(`${f.path} was changed after hostnet wrote it: not undone`, onDisk(f.path),
        'look at the file; `npx hostnet fix --undo --force` restores the earlier state anyway');
    }
  }
  const result: UndoResult = { transaction: tx, restored: [], removed: [] };
  for (const f of tx.files) {
    if (f.before === null) {
      if (existsSync(onDisk(f.path))) unlinkSync(onDisk(f.path));
      result.removed.push(f.path);
    } else {
      writeAtomic(onDisk(f.path), f.before, options);
      result.restored.push(f.path);
    }
  }
  const rest = journal.slice(0, -1);
  if (rest.length > 0) writeAtomic(onDisk(JOURNAL), `${JSON.stringify(rest, null, 2)}\n`, options);
  else unlinkSync(onDisk(JOURNAL));
  // Deepest first, and only the empty ones: someone may have put files there since.
  for (const dir of [...(tx.createdDirs ?? [])].sort((a, b) => b.length - a.length)) {
    try {
      rmdirSync(onDisk(dir));
    } catch {
      // not empty, or already gone
    }
  }
  return result;
}

/** The directories (and their missing parents) that do not exist yet below root. */
function missingDirs(dirs: string[], root: string): string[] {
  const out = new Set<string>();
  for (let dir of dirs) {
    while (dir !== '/' && dir !== '.' && !existsSync(join(root, dir))) {
      out.add(dir);
      dir = dirname(dir);
    }
  }
  return [...out];
}

export function readJournal(root: string): Transaction[] {
  const text = readIfExists(join(root, JOURNAL));
  if (text === null) return [];
  try {
    return JSON.parse(text) as Transaction[];
  } catch {
    throw new InputError('the fix journal is not valid JSON; hostnet will not guess what to undo', join(root, JOURNAL),
      'restore it from a backup or remove it (then undo by hand)');
  }
}

function writeAtomic(target: string, content: string, options: ApplyOptions): void {
  const dir = dirname(target);
  mkdirSync(dir, { recursive: true });
  removeStaleTemporaries(dir, basename(target));
  const tmp = join(dir, `.${basename(target)}.hostnet-tmp-${process.pid}`);
  // A script (a libvirt hook) is run by its path, so it is written executable.
  const fd = openSync(tmp, 'w', content.startsWith('#!') ? 0o755 : 0o644);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    options.beforeRename?.(tmp);
    renameSync(tmp, target);
  } catch (err) {
    if (existsSync(tmp)) unlinkSync(tmp);
    throw err;
  }
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

/** Temporary files a crashed hostnet left behind for this target. */
function removeStaleTemporaries(dir: string, name: string): void {
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith(`.${name}.hostnet-tmp-`)) unlinkSync(join(dir, entry));
  }
}

function readIfExists(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new InputError(`cannot read: ${inWords(err)}`, path);
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

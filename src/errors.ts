import { printable } from './printable.js';

export { printable };

/**
 * An error the user can act on: what was wrong, where, and what to do.
 * The CLI prints it as one message and exits 2 ("could not evaluate"); it never shows a stack trace.
 */
export class InputError extends Error {
  constructor(
    message: string,
    /** Where the problem is: a path, `path:line`, or an interface name. */
    readonly where?: string,
    /** What the user can do about it. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'InputError';
  }

  describe(): string {
    const head = this.where ? `${printable(this.where)}: ${printable(this.message)}` : printable(this.message);
    return this.hint ? `${head}\n  hint: ${printable(this.hint)}` : head;
  }
}

/** Exit codes shared by every verb and every output format. */
export const ExitCode = {
  ok: 0,
  findings: 1,
  couldNotEvaluate: 2,
} as const;

/** Node's error codes for files and sockets, in words a user can act on. */
const SYSTEM_ERROR_WORDS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied (run as root, or give a readable copy)',
  EPERM: 'operation not permitted (run as root)',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on the device',
  EROFS: 'the file system is read-only',
  EMFILE: 'too many open files',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'the path is too long',
  EADDRINUSE: 'the address is already in use',
  EADDRNOTAVAIL: 'the address is not one of this host\'s',
};

/** What went wrong with a file (or socket) in words: "no such file or directory", not ENOENT. */
export function inWords(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return (code && SYSTEM_ERROR_WORDS[code]) ?? (err as Error | undefined)?.message ?? String(err);
}

/** A file-system error that escaped a verb, as an InputError naming the file; null for anything else. */
export function fromSystemError(err: unknown): InputError | null {
  const e = err as NodeJS.ErrnoException | undefined;
  if (!e?.code || !SYSTEM_ERROR_WORDS[e.code]) return null;
  return new InputError(`cannot ${e.syscall ?? 'use'} it: ${inWords(e)}`, e.path);
}

/**
 * A reader that stops early (`hostnet check | head`) closes the pipe: end quietly with the exit code
 * so far, as other command-line tools do, instead of an unhandled EPIPE with a stack trace.
 */
export function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      process.exit(typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok);
    });
  }
}

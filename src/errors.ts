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

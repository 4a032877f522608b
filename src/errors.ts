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

/**
 * Text safe to print on a terminal: a control character (from a file name or a file's bytes) is shown
 * as \xNN instead of reaching the terminal, where it could move the cursor or change colours. Line
 * breaks the message itself makes are kept.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Exit codes shared by every verb and every output format. */
export const ExitCode = {
  ok: 0,
  findings: 1,
  couldNotEvaluate: 2,
} as const;

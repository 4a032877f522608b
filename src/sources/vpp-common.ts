/**
 * What the Calico/VPP parsers (calico-vpp-config, vpp-startup, vppctl) share: the shape of a
 * non-fatal input problem and small text helpers. A parser never throws on bad input; it reads what
 * it can and names every line it could not read.
 */

import type { Diagnostic } from '../snapshot/diagnostic.js';

export type { Diagnostic };

export function at(path: string, line?: number | null): string {
  return line === undefined || line === null ? path : `${path}:${line}`;
}

/** Lines without their terminators; `\r\n` files read like `\n` files. */
export function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

/**
 * A text pasted from a terminal or a document often carries the prompt and the command
 * (`vpp# sh int addr`, `$ vppctl show hardware`): such lines are not output.
 */
export function isPromptLine(line: string): boolean {
  return /^\s*(vpp#|DBGvpp#|\$|#)\s*\S/.test(line) && /\b(sh(ow?)?|vppctl)\b/.test(line) || /^\s*vpp#\s*$/.test(line);
}

/** At most `limit` "could not read" diagnostics per file, then one line counting the rest. */
export class DiagnosticSink {
  readonly list: Diagnostic[] = [];
  private unread = 0;
  constructor(private readonly path: string, private readonly limit = 5) {}

  add(line: number | null, message: string): void {
    this.list.push({ where: at(this.path, line), message });
  }

  /** A line the parser does not know; only the first few are listed one by one. */
  unknown(line: number, text: string, what: string): void {
    this.unread++;
    if (this.unread <= this.limit) this.add(line, `${what}: cannot read ${JSON.stringify(text.trim().slice(0, 120))}`);
  }

  finish(): Diagnostic[] {
    if (this.unread > this.limit) this.add(null, `${this.unread - this.limit} more lines could not be read`);
    return this.list;
  }
}

// Addresses are parsed in src/net/ip.ts; these names stay importable from here for older callers.

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

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(s: string): boolean {
  return IPV4.test(s);
}

/** A loose IPv6 test (hex groups and colons, optionally an embedded IPv4 tail); enough to tell the families apart. */
export function isIPv6(s: string): boolean {
  if (!s.includes(':') || !/^[0-9a-fA-F:.]+$/.test(s)) return false;
  const doubles = s.split('::').length - 1;
  if (doubles > 1) return false;
  const groups = s.split(':').filter((g) => g !== '');
  const tail = groups[groups.length - 1];
  const v4tail = tail !== undefined && tail.includes('.');
  if (v4tail && !isIPv4(tail)) return false;
  const hexGroups = v4tail ? groups.slice(0, -1) : groups;
  if (!hexGroups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  const count = hexGroups.length + (v4tail ? 2 : 0);
  return doubles === 1 ? count < 8 : count === 8;
}

export function familyOf(address: string): 'inet' | 'inet6' | null {
  return isIPv4(address) ? 'inet' : isIPv6(address) ? 'inet6' : null;
}

/** `a.b.c.d/n` or `x::y/n` with a prefix length valid for its family; null otherwise. */
export function parsePrefix(s: string): { address: string; prefixlen: number; family: 'inet' | 'inet6' } | null {
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(s.trim());
  if (!m) return null;
  const family = familyOf(m[1]!);
  const prefixlen = Number(m[2]);
  if (family === null || prefixlen > (family === 'inet' ? 32 : 128)) return null;
  return { address: m[1]!.toLowerCase(), prefixlen, family };
}

/** A MAC in lower-case colon form from `aa:bb:..`, `aa-bb-..` or 12 hex digits; null otherwise. */
export function normalizeMac(s: string): string | null {
  const hex = s.trim().toLowerCase().replace(/[:-]/g, '');
  if (!/^[0-9a-f]{12}$/.test(hex)) return null;
  if (/[:-]/.test(s) && !/^[0-9a-f]{1,2}([:-][0-9a-f]{1,2}){5}$/i.test(s.trim())) return null;
  return hex.match(/../g)!.join(':');
}

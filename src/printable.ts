/**
 * Text safe to print on a terminal. File names and file contents reach messages (a value quoted from
 * a .link file, a MAC read from /proc/net/bonding); a control character among them could move the
 * cursor, clear the screen or retitle the window. Each is shown as \xNN instead; line breaks and tabs,
 * which the messages themselves use, are kept.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function printable(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Every string of a JSON-like value made printable (a report before it is rendered as text). */
export function printableDeep<T>(value: T): T {
  if (typeof value === 'string') return printable(value) as T;
  if (Array.isArray(value)) return value.map((v) => printableDeep(v)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, printableDeep(v)])) as T;
  }
  return value;
}

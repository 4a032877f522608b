/**
 * The GLib key-file syntax NetworkManager reads its configuration with (g_key_file_load_from_file):
 * `[group]` headers, `key=value` lines, comment lines starting with `#` (after leading whitespace),
 * blank lines. Any other line, or a key before the first group, makes GLib refuse the whole file, and
 * NetworkManager then refuses to start; that is reported as an error with its line. Keys keep their
 * case; the key is trimmed, the value loses its leading whitespace. A repeated key: the last one counts.
 *
 * Never throws: any text gives a result.
 */

export interface KeyfileEntry {
  group: string;
  key: string;
  value: string;
  line: number;
}

export interface KeyfileGroup {
  name: string;
  line: number;
}

export interface ParsedKeyfile {
  file: string;
  /** Groups in the order they first appear. */
  groups: KeyfileGroup[];
  /** Entries in file order; a repeated key appears once, where it was last set. */
  entries: KeyfileEntry[];
  /** Set when GLib refuses the file. */
  error: { line: number; message: string } | null;
}

export function parseKeyfile(file: string, text: string): ParsedKeyfile {
  const groups: KeyfileGroup[] = [];
  const entries: KeyfileEntry[] = [];
  let group: string | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    const line = raw.replace(/^[ \t\f\v]+/, '');
    const n = i + 1;
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      const end = line.replace(/[ \t]+$/, '');
      const name = end.slice(1, -1);
      if (!end.endsWith(']') || name === '' || /[[\]]/.test(name)) return refused(file, groups, entries, n, `a group header must be [name]: ${raw.trim()}`);
      group = name;
      if (!groups.some((g) => g.name === name)) groups.push({ name, line: n });
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) return refused(file, groups, entries, n, `a line must be a [group], key=value or a # comment: ${raw.trim()}`);
    if (group === null) return refused(file, groups, entries, n, 'a key=value before the first [group]');
    const key = line.slice(0, eq).replace(/[ \t]+$/, '');
    if (key === '') return refused(file, groups, entries, n, 'an empty key');
    const value = line.slice(eq + 1).replace(/^[ \t]+/, '');
    const g: string = group;
    const old = entries.findIndex((e) => e.group === g && e.key === key);
    if (old >= 0) entries.splice(old, 1);
    entries.push({ group, key, value, line: n });
  }
  return { file, groups, entries, error: null };
}

function refused(file: string, groups: KeyfileGroup[], entries: KeyfileEntry[], line: number, message: string): ParsedKeyfile {
  return { file, groups, entries, error: { line, message } };
}

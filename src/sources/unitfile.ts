/**
 * systemd's configuration-file syntax, as systemd's own config parser reads `.link`, `.network` and
 * `.netdev` files: `[Section]` headers, `Key=Value` assignments, comment lines starting with `#` or `;`,
 * a trailing backslash continuing a line, and leniency everywhere except a broken section header.
 *
 * Faithful details (checked against udevd 252 on Debian 12):
 * - A comment line is dropped before continuation is considered, so a comment inside a continued
 *   value is skipped and the continuation goes on with the next line.
 * - The backslash that continues a line becomes a space; an empty line ends the continuation.
 * - A continued assignment is reported at its last physical line; a continuation still open at the
 *   end of the file is reported one line past the end.
 * - A section header without its `]`, or with control characters, quotes or backslashes in its name,
 *   makes the whole file fail to load (systemd: "Failed to parse file: Bad message").
 * - Everything else is a warning and the line is ignored: an assignment before any section, a line
 *   without `=`, an unknown section (and every line in it), an unknown key. Sections and keys whose
 *   names start with `X-` are ignored silently.
 *
 * Never throws: any text gives a result.
 */

export type UnitSeverity = 'error' | 'warning' | 'note';

export interface UnitDiagnostic {
  file: string;
  line: number;
  severity: UnitSeverity;
  message: string;
  /** Stable id for lint output, e.g. `unknown-key`. */
  id: string;
}

export interface UnitAssignment {
  file: string;
  /** Line of the assignment (the last physical line of a continued one, as systemd counts). */
  line: number;
  section: string;
  key: string;
  value: string;
}

export interface UnitSectionHeader {
  name: string;
  line: number;
  known: boolean;
}

/** Which sections and keys a file type has; without one every section and key is accepted. */
export interface UnitSchema {
  sections: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface ParsedUnitFile {
  file: string;
  /** Assignments in the order systemd applies them (known keys only when a schema is given). */
  assignments: UnitAssignment[];
  /** Assignments systemd ignored because the key is unknown (for lint). */
  ignored: UnitAssignment[];
  sections: UnitSectionHeader[];
  diagnostics: UnitDiagnostic[];
  /** Set when systemd refuses the whole file. */
  failed: UnitDiagnostic | null;
}

const WHITESPACE = ' \t\n\r';
const BOM = '\ufeff';

function isWs(c: string | undefined): boolean {
  return c !== undefined && c !== '' && WHITESPACE.includes(c);
}

/** strstrip(): whitespace off both ends. */
export function strip(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWs(s[a])) a++;
  while (b > a && isWs(s[b - 1])) b--;
  return s.slice(a, b);
}

/** Physical lines as systemd's read_line() splits them: LF, CR, CRLF or NUL end a line. */
function physicalLines(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n|\0/);
  // A terminator at the very end does not start another line.
  if (lines.length > 0 && lines[lines.length - 1] === '' && /[\r\n\0]$/.test(text)) lines.pop();
  if (text === '') return [];
  return lines;
}

/** True when the line ends in a backslash that is not itself escaped. */
function endsEscaped(s: string): boolean {
  let escaped = false;
  for (let i = 0; i < s.length; i++) {
    if (escaped) escaped = false;
    else if (s[i] === '\\') escaped = true;
  }
  return escaped;
}

/** string_is_safe(): no control characters, quotes or backslashes. */
function isSafeName(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 127 || s[i] === '"' || s[i] === "'" || s[i] === '\\') return false;
  }
  return true;
}

export function parseUnitFile(file: string, text: string, schema?: UnitSchema): ParsedUnitFile {
  const out: ParsedUnitFile = { file, assignments: [], ignored: [], sections: [], diagnostics: [], failed: null };
  const diag = (line: number, severity: UnitSeverity, id: string, message: string): UnitDiagnostic => {
    const d = { file, line, severity, message, id };
    out.diagnostics.push(d);
    return d;
  };
  let section: string | null = null;
  let sectionIgnored = false;
  let bomSeen = false;
  let continuation: string | null = null;

  const parseLine = (lineNo: number, raw: string): boolean => {
    const l = strip(raw);
    if (l === '') return true;
    if (l[0] === '[') {
      if (l[l.length - 1] !== ']') {
        out.failed = diag(lineNo, 'error', 'invalid-section-header', `Invalid section header '${l}': systemd refuses the whole file`);
        return false;
      }
      const name = l.slice(1, -1);
      if (!isSafeName(name)) {
        out.failed = diag(lineNo, 'error', 'invalid-section-header', `Bad characters in section header '${l}': systemd refuses the whole file`);
        return false;
      }
      const known = !schema || schema.sections.has(name);
      out.sections.push({ name, line: lineNo, known });
      if (known) {
        section = name;
        sectionIgnored = false;
      } else {
        if (!name.startsWith('X-')) diag(lineNo, 'warning', 'unknown-section', `Unknown section '${name}'. Ignoring.`);
        section = null;
        sectionIgnored = true;
      }
      return true;
    }
    if (section === null) {
      if (!sectionIgnored) diag(lineNo, 'warning', 'outside-section', 'Assignment outside of section. Ignoring.');
      return true;
    }
    const eq = l.indexOf('=');
    if (eq < 0) {
      diag(lineNo, 'warning', 'missing-equals', "Missing '=', ignoring line.");
      return true;
    }
    if (eq === 0) {
      diag(lineNo, 'warning', 'missing-key', "Missing key name before '=', ignoring line.");
      return true;
    }
    const assignment: UnitAssignment = { file, line: lineNo, section, key: strip(l.slice(0, eq)), value: strip(l.slice(eq + 1)) };
    const keys = schema?.sections.get(section);
    if (keys && !keys.has(assignment.key)) {
      if (!assignment.key.startsWith('X-')) {
        diag(lineNo, 'warning', 'unknown-key', `Unknown key '${assignment.key}' in section [${section}], ignoring.`);
      }
      out.ignored.push(assignment);
      return true;
    }
    out.assignments.push(assignment);
    return true;
  };

  const lines = physicalLines(text);
  let lineNo = 0;
  for (const buf of lines) {
    lineNo++;
    let i = 0;
    while (i < buf.length && isWs(buf[i])) i++;
    if (i < buf.length && (buf[i] === '#' || buf[i] === ';')) continue;
    let l = buf;
    if (!bomSeen && l.startsWith(BOM)) {
      l = l.slice(1);
      bomSeen = true;
    }
    const p: string = continuation !== null ? continuation + l : l;
    if (endsEscaped(p)) {
      continuation = `${p.slice(0, -1)} `;
      continue;
    }
    continuation = null;
    if (!parseLine(lineNo, p)) return out;
  }
  if (continuation !== null) parseLine(lineNo + 1, continuation);
  return out;
}

export interface WordOptions {
  /** EXTRACT_UNQUOTE: '…' and "…" group words and are removed. */
  unquote?: boolean;
  /** EXTRACT_CUNESCAPE: C escapes (\n, \x41, \101, …) are decoded. */
  cunescape?: boolean;
  /** EXTRACT_RETAIN_ESCAPE: a backslash and the character it escapes are both kept. */
  retainEscape?: boolean;
}

/**
 * Splits a value into whitespace-separated words as systemd's extract_first_word() does with the
 * given flags. Returns the words read before the first syntax error, and whether there was one.
 */
export function splitWords(value: string, opts: WordOptions = {}): { words: string[]; error: boolean } {
  const words: string[] = [];
  let i = 0;
  const n = value.length;
  for (;;) {
    while (i < n && isWs(value[i])) i++;
    if (i >= n) return { words, error: false };
    let word = '';
    let quote: string | null = null;
    for (;;) {
      if (i >= n) {
        if (quote !== null) return { words, error: true };
        break;
      }
      const c = value[i]!;
      if (c === '\\') {
        i++;
        if (i >= n) return { words, error: true };
        if (opts.cunescape) {
          const decoded = cunescapeOne(value, i);
          if (decoded === null) return { words, error: true };
          word += decoded.text;
          i += decoded.length;
        } else {
          if (opts.retainEscape) word += '\\';
          word += value[i];
          i++;
        }
        continue;
      }
      if (quote !== null) {
        if (c === quote) quote = null;
        else word += c;
        i++;
        continue;
      }
      if (opts.unquote && (c === '"' || c === "'")) {
        quote = c;
        i++;
        continue;
      }
      if (isWs(c)) break;
      word += c;
      i++;
    }
    words.push(word);
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'", s: ' ',
};

/** One C escape after a backslash at `at`; null when it is not one systemd accepts. */
function cunescapeOne(s: string, at: number): { text: string; length: number } | null {
  const c = s[at]!;
  if (c in SIMPLE_ESCAPES) return { text: SIMPLE_ESCAPES[c]!, length: 1 };
  const hex = (from: number, count: number): number | null => {
    const part = s.slice(from, from + count);
    return part.length === count && /^[0-9a-fA-F]+$/.test(part) ? parseInt(part, 16) : null;
  };
  if (c === 'x') {
    const v = hex(at + 1, 2);
    return v === null || v === 0 ? null : { text: String.fromCharCode(v), length: 3 };
  }
  if (c === 'u' || c === 'U') {
    const count = c === 'u' ? 4 : 8;
    const v = hex(at + 1, count);
    return v === null || v === 0 || v > 0x10ffff ? null : { text: String.fromCodePoint(v), length: 1 + count };
  }
  if (c >= '0' && c <= '7') {
    const part = s.slice(at, at + 3);
    if (!/^[0-7]{3}$/.test(part)) return null;
    const v = parseInt(part, 8);
    return v === 0 || v > 255 ? null : { text: String.fromCharCode(v), length: 3 };
  }
  return null;
}

/** Serialises assignments back to unit-file text (one `Key=Value` per line, sections in order). */
export function formatUnitFile(sections: { name: string; entries: { key: string; value: string }[] }[]): string {
  return sections.map((s) => `[${s.name}]\n${s.entries.map((e) => `${e.key}=${e.value}\n`).join('')}`).join('\n');
}

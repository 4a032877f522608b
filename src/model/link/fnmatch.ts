/**
 * fnmatch(3) with flags 0, as systemd calls it for Path=, Driver=, Type=, Kind=, OriginalName= and
 * Property= values: `*` any run of characters (a `/` and a leading `.` included), `?` any one
 * character, `[...]` a set (`!` or `^` negates, ranges, `[:class:]`, `[=c=]`, `[.c.]`), a backslash
 * quotes the next character, and an unterminated `[` is an ordinary character. This is glibc's
 * behaviour in the C locale, quirks included: glibc reads a set in two ways, one while it still looks
 * for the character and a looser one to skip the rest once it has found it, and an ill-formed set
 * fails the attempt instead of being read literally. The unit tests compare this with glibc's own
 * fnmatch on tens of thousands of random patterns.
 */

const CLASSES: Record<string, (c: number) => boolean> = {
  alnum: (c) => isDigit(c) || isUpper(c) || isLower(c),
  alpha: (c) => isUpper(c) || isLower(c),
  blank: (c) => c === 32 || c === 9,
  cntrl: (c) => c < 32 || c === 127,
  digit: isDigit,
  graph: (c) => c > 32 && c < 127,
  lower: isLower,
  print: (c) => c >= 32 && c < 127,
  punct: (c) => c > 32 && c < 127 && !isDigit(c) && !isUpper(c) && !isLower(c),
  space: (c) => c === 32 || (c >= 9 && c <= 13),
  upper: isUpper,
  xdigit: (c) => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102),
};

function isDigit(c: number): boolean { return c >= 48 && c <= 57; }
function isUpper(c: number): boolean { return c >= 65 && c <= 90; }
function isLower(c: number): boolean { return c >= 97 && c <= 122; }

/** glibc's CHARCLASS_NAME_MAX: a `[:name` this long fails the match. */
const CLASS_NAME_MAX = 2048;

/** True when `text` matches the glob `pattern` as fnmatch(pattern, text, 0) == 0. */
export function fnmatch(pattern: string, text: string): boolean {
  return matchFrom(pattern, 0, text, 0);
}

/**
 * Whether fnmatch(pattern, text) can hold for some text that starts with `first` (one character):
 * decided by the pattern's first element alone, exactly as matchFrom() reads it, so an index can
 * skip patterns by the name's first character without changing any result.
 */
export function canMatchStartingWith(pattern: string, first: string): boolean {
  if (pattern === '') return false;
  const c = pattern[0]!;
  if (c === '*' || c === '?') return true;
  if (c === '\\') return pattern.length > 1 && pattern[1] === first;
  if (c === '[') {
    const next = bracket(pattern, 1, first.charCodeAt(0));
    return next !== 'fail' && (next !== 'literal' || first === '[');
  }
  return c === first;
}

/** The character at `i`, or '' past the end (C's terminating NUL). */
function at(s: string, i: number): string {
  return i < s.length ? s[i]! : '';
}

function matchFrom(p: string, pi: number, t: string, ti: number): boolean {
  while (pi < p.length) {
    const c = p[pi++]!;
    if (c === '*') {
      // A run of `*` and `?` is one star that must leave a character for each `?`.
      while (p[pi] === '*' || p[pi] === '?') {
        if (p[pi++] === '?') {
          if (ti >= t.length) return false;
          ti++;
        }
      }
      if (pi >= p.length) return true;
      for (let k = ti; k < t.length; k++) if (matchFrom(p, pi, t, k)) return true;
      return false;
    }
    if (ti >= t.length) return false;
    if (c === '?') {
      ti++;
    } else if (c === '[') {
      const next = bracket(p, pi, t.charCodeAt(ti));
      if (next === 'fail') return false;
      if (next === 'literal') {
        if (t[ti] !== '[') return false;
      } else {
        pi = next;
      }
      ti++;
    } else if (c === '\\') {
      // A trailing backslash never matches.
      if (pi >= p.length || p[pi] !== t[ti]) return false;
      pi++;
      ti++;
    } else {
      if (c !== t[ti]) return false;
      ti++;
    }
  }
  return ti === t.length;
}

/**
 * The set that starts after the `[` at `start`, against code unit `ch`: the index after its `]` when
 * the set accepts `ch`, 'literal' when the set is unterminated (the `[` is an ordinary character),
 * 'fail' when it does not accept `ch` or is ill-formed.
 */
function bracket(p: string, start: number, ch: number): number | 'literal' | 'fail' {
  let i = start;
  const negate = p[i] === '!' || p[i] === '^';
  if (negate) i++;
  // Found: the rest of the set is skipped first, which may find it unterminated (a literal `[`).
  const found = (next: number): number | 'literal' | 'fail' => {
    const end = skipRest(p, next);
    return typeof end === 'number' && negate ? 'fail' : end;
  };
  // `c` is the element being read and `i` the index after it; a `]` that comes first is an element.
  let c = at(p, i++);
  for (;;) {
    // The lower end of a possible range, or -1 after a class or an equivalence class.
    let low = -1;
    const className = c === '[' && p[i] === ':' ? classNameEnd(p, i) : null;
    if (c === '') {
      return 'literal';
    } else if (className === 'fail') {
      return 'fail';
    } else if (className !== null) {
      const test = CLASSES[p.slice(i + 1, className)];
      if (!test) return 'fail';
      i = className + 2;
      if (test(ch)) return found(i);
    } else if (c === '[' && p[i] === '=' && i + 2 < p.length && p[i + 2] === '=' && p[i + 3] === ']') {
      // An equivalence class names one character in the C locale; another `[=` is an ordinary `[`.
      const member = p.charCodeAt(i + 1);
      i += 4;
      if (member === ch) return found(i);
    } else if (c === '[' && p[i] === '.') {
      // glibc takes a `-` after a collating symbol as a range even before the `]`, so that it then
      // matches nothing.
      if (!collatingSymbol(p, i)) return 'fail';
      low = p.charCodeAt(i + 1);
      i += 4;
      if (!(p[i] === '-' && i + 1 < p.length) && low === ch) return found(i);
    } else {
      if (c === '\\') {
        if (i >= p.length) return 'fail';
        c = p[i++]!;
      }
      low = c.charCodeAt(0);
      const isRange = p[i] === '-' && i + 1 < p.length && p[i + 1] !== ']';
      if (!isRange && low === ch) return found(i);
    }
    c = at(p, i++);
    if (low >= 0 && c === '-' && at(p, i) !== ']') {
      let high: number;
      const end = at(p, i++);
      if (end === '[' && p[i] === '.') {
        if (!collatingSymbol(p, i)) return 'fail';
        high = p.charCodeAt(i + 1);
        i += 4;
      } else {
        const quoted = end === '\\' ? at(p, i++) : end;
        if (quoted === '') return 'fail';
        high = quoted.charCodeAt(0);
      }
      // An inverted range (z-a) holds nothing.
      if (low <= ch && ch <= high) return found(i);
      c = at(p, i++);
    }
    if (c === ']') return negate ? i : 'fail';
  }
}

/**
 * After `[:` at `colon - 1`: the index of the `:` of the closing `:]` when the letters between can
 * name a class, null when they cannot (a character outside a-y: the `[` is then an ordinary
 * member), 'fail' when `limit` characters are read first (glibc counts one more while skipping).
 */
function classNameEnd(p: string, colon: number, limit = CLASS_NAME_MAX): number | null | 'fail' {
  for (let j = colon + 1, length = 0; ; j++, length++) {
    if (length === limit) return 'fail';
    if (p[j] === ':' && p[j + 1] === ']') return j;
    const code = j < p.length ? p.charCodeAt(j) : 0;
    if (code < 97 || code >= 122) return null;
  }
}

/**
 * After `[` at `dot - 1`: whether `[.x.]` names one character, as a collating symbol does in the C
 * locale. A longer name, or none before the end of the pattern, is ill-formed.
 */
function collatingSymbol(p: string, dot: number): boolean {
  return p.indexOf('.]', dot + 1) === dot + 2;
}

/**
 * Once the character is found, glibc skips to the set's `]` with rules of its own: `[:name:]`,
 * `[=c=]` and `[.x.]` are stepped over whole (so their `]` does not end the set), a set left
 * unterminated makes the `[` literal after all (glibc 2.36), and an ill-formed `\\`, `[=` or `[.`
 * fails. Returns the index after the `]`.
 */
function skipRest(p: string, i: number): number | 'literal' | 'fail' {
  for (;;) {
    const c = at(p, i++);
    if (c === ']') return i;
    if (c === '') return 'literal';
    if (c === '\\') {
      if (i >= p.length) return 'fail';
      i++;
    } else if (c === '[' && p[i] === ':') {
      // Not a class name: the `[` was an ordinary member and skipping goes on after it.
      const end = classNameEnd(p, i, CLASS_NAME_MAX - 1);
      if (end === 'fail') return 'fail';
      if (end !== null) i = end + 2;
    } else if (c === '[' && p[i] === '=') {
      if (i + 1 >= p.length || p[i + 2] !== '=' || p[i + 3] !== ']') return 'fail';
      i += 4;
    } else if (c === '[' && p[i] === '.') {
      const close = p.indexOf('.]', i + 1);
      if (close < 0) return 'fail';
      i = close + 2;
    }
  }
}

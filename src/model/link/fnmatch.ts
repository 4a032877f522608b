/**
 * fnmatch(3) with flags 0, as systemd calls it for Path=, Driver=, Type=, Kind=, OriginalName= and
 * Property= values: `*` any run of characters (a `/` and a leading `.` included), `?` any one
 * character, `[...]` a set (`!` or `^` negates, ranges, `[:class:]`), a backslash quotes the next
 * character, and an unterminated `[` is an ordinary character. This is glibc's behaviour in the C
 * locale; the unit tests compare it with glibc's own fnmatch on thousands of random patterns.
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

/**
 * Matches the bracket expression starting after the `[` at `start` against code unit `ch`.
 * Returns the index after the closing `]` and whether `ch` is in the set; `end: -1` when the
 * bracket is not terminated (the `[` is then literal); `invalid` when glibc rejects the set outright.
 */
function bracket(p: string, start: number, ch: number): { end: number; matched: boolean; invalid?: boolean } {
  let i = start;
  let negate = false;
  if (p[i] === '!' || p[i] === '^') {
    negate = true;
    i++;
  }
  let matched = false;
  let first = true;
  for (;;) {
    if (i >= p.length) return { end: -1, matched: false };
    let c = p[i]!;
    if (c === ']' && !first) {
      i++;
      break;
    }
    first = false;
    // glibc reads a class name only while it sees lower-case letters a-y; anything else before `:]`
    // makes the `[` an ordinary member of the set.
    const className = p[i + 1] === ':' ? /^[a-y]*:\]/.exec(p.slice(i + 2)) : null;
    if (c === '[' && ((p[i + 1] === ':' && className) || p[i + 1] === '=' || p[i + 1] === '.')) {
      const kind = p[i + 1]!;
      const close = p.indexOf(`${kind}]`, i + 2);
      if (close < 0) return { end: -1, matched: false };
      const name = p.slice(i + 2, close);
      i = close + 2;
      if (kind === ':') {
        const test = CLASSES[name];
        if (!test) return { end: i, matched: false, invalid: true };
        if (test(ch)) matched = true;
      } else {
        // Equivalence classes and collating symbols name one character in the C locale.
        if (name.length !== 1) return { end: i, matched: false, invalid: true };
        if (name.charCodeAt(0) === ch) matched = true;
      }
      continue;
    }
    if (c === '\\') {
      i++;
      if (i >= p.length) return { end: -1, matched: false };
      c = p[i]!;
    }
    i++;
    const lo = c.charCodeAt(0);
    let hi = lo;
    if (p[i] === '-' && i + 1 < p.length && p[i + 1] !== ']') {
      let d = p[i + 1]!;
      let next = i + 2;
      if (d === '\\') {
        if (i + 2 >= p.length) return { end: -1, matched: false };
        d = p[i + 2]!;
        next = i + 3;
      }
      if (d === '[' && p[next] === '.') {
        // A range may end in a collating symbol `[.x.]`, which names one character in the C locale.
        const close = p.indexOf('.]', next + 1);
        if (close < 0) return { end: -1, matched: false };
        const name = p.slice(next + 1, close);
        if (name.length !== 1) return { end: close + 2, matched: false, invalid: true };
        hi = name.charCodeAt(0);
        i = close + 2;
      } else {
        // Anything else ends the range literally, `[` of a `[:class:]` included (as glibc does).
        hi = d.charCodeAt(0);
        i = next;
      }
    }
    // An inverted range (z-a) matches nothing.
    if (lo <= hi && ch >= lo && ch <= hi) matched = true;
  }
  return { end: i, matched: matched !== negate };
}

/** True when `text` matches the glob `pattern` as fnmatch(pattern, text, 0) == 0. */
export function fnmatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = -1;
  while (t < text.length || p < pattern.length) {
    if (p < pattern.length) {
      const c = pattern[p]!;
      if (c === '*') {
        while (pattern[p] === '*') p++;
        starP = p;
        starT = t;
        continue;
      }
      if (t < text.length) {
        if (c === '?') {
          p++;
          t++;
          continue;
        }
        if (c === '[') {
          const b = bracket(pattern, p + 1, text.charCodeAt(t));
          if (b.invalid) return false;
          if (b.end >= 0) {
            if (b.matched) {
              p = b.end;
              t++;
              continue;
            }
          } else if (text[t] === '[') {
            p++;
            t++;
            continue;
          }
        } else if (c === '\\') {
          if (p + 1 < pattern.length && pattern[p + 1] === text[t]) {
            p += 2;
            t++;
            continue;
          }
        } else if (c === text[t]) {
          p++;
          t++;
          continue;
        }
      }
    }
    // Mismatch: let the last `*` swallow one more character, if there is one to swallow.
    if (starP >= 0 && starT < text.length) {
      starT++;
      t = starT;
      p = starP;
      continue;
    }
    return false;
  }
  return true;
}

/**
 * YAML read as Kubernetes reads it. kubectl, the API server and Helm turn YAML into JSON with
 * sigs.k8s.io/yaml, which parses with a go-yaml v2 fork: YAML 1.1 scalars (yes/no/on/off/y/n are
 * booleans, 0777 and 0o17 are octal, 0b101 binary, 1_000 an int, `<<` merges), but no sexagesimal
 * numbers and no timestamps (both stay strings in the JSON), and no value JSON cannot hold (.inf, .nan,
 * a null or collection as a key). go-yaml also does not check the indentation of the continuation
 * lines of a quoted scalar or a flow collection, which official multus examples rely on:
 *
 *     config: '{
 *   "type": "sriov"
 *   }'
 *
 * Those lines are re-indented before parsing; a quoted scalar and a flow collection drop a continuation
 * line's leading white space anyway, so the value is unchanged and so are the line numbers.
 * test/unit/k8s-yaml.test.ts compares the JSON with kubectl's on real and generated files.
 */
import {
  isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseAllDocuments, parseDocument, stringify, YAMLParseError,
  type Document, type ScalarTag, type Tags,
} from 'yaml';

/** go-yaml v2 also reads 0o17 as octal (YAML 1.2 style) under its YAML 1.1 rules. */
const octal12: ScalarTag = {
  identify: (v) => typeof v === 'number',
  default: true,
  tag: 'tag:yaml.org,2002:int',
  format: 'OCT',
  test: /^[-+]?0o[0-7_]+$/,
  resolve: (s) => {
    const n = parseInt(s.replace(/_/g, '').replace(/0o/, ''), 8);
    return s.startsWith('-') ? -Math.abs(n) : n;
  },
};

/**
 * go-yaml's float needs a digit: 1., .5, 1e3, 2.5E-3 are floats; "e0", "." and "-.e1" are strings
 * (the yaml package's YAML 1.1 floats take them). Underscores are dropped first, as go-yaml does.
 */
const goFloat: ScalarTag = {
  identify: (v) => typeof v === 'number',
  default: true,
  tag: 'tag:yaml.org,2002:float',
  test: /^[-+]?(?:\.[0-9_]*[0-9][0-9_]*|[0-9_]*[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9_]*[0-9][0-9_]*)?$/,
  resolve: (s) => parseFloat(s.replace(/_/g, '')),
};

function kubernetesTags(tags: Tags): Tags {
  const kept = tags.filter((t) => (typeof t === 'string'
    ? !['intTime', 'floatTime', 'timestamp', 'floatExp', 'float'].includes(t)
    : t.format !== 'TIME' && t.tag !== 'tag:yaml.org,2002:timestamp' && !(t.tag === 'tag:yaml.org,2002:float' && !String(t.test).includes('inf'))));
  return [...kept, octal12, goFloat];
}

const OPTIONS = { version: '1.1', schema: 'yaml-1.1', customTags: kubernetesTags, uniqueKeys: false, prettyErrors: false } as const;

/** Every document of a YAML stream, as Kubernetes would read it; errors are on each document. */
export function parseK8sYamlDocuments(text: string, lineCounter: LineCounter): Document.Parsed[] {
  const docs = parseAllDocuments(relaxContinuationIndent(text), { ...OPTIONS, lineCounter });
  const list = (Array.isArray(docs) ? docs : [docs]) as Document.Parsed[];
  for (const doc of list) if (doc.errors.length === 0) refuseNonJson(doc);
  return list;
}

/** One document (the stream's first), as Kubernetes would read it. */
export function parseK8sYamlDocument(text: string, lineCounter: LineCounter): Document.Parsed {
  const doc = parseDocument(relaxContinuationIndent(text), { ...OPTIONS, lineCounter }) as Document.Parsed;
  if (doc.errors.length === 0) refuseNonJson(doc);
  return doc;
}

/** YAML text that Kubernetes reads back as `value`: strings it would take for booleans or numbers are quoted. */
export function stringifyK8sYaml(value: unknown): string {
  return stringify(value, { version: '1.1', schema: 'yaml-1.1', customTags: kubernetesTags, lineWidth: 0 });
}

/** One scalar for a hand-written YAML line: plain when Kubernetes reads it back as this string, else quoted. */
export function k8sYamlString(s: string): string {
  if (s.trim() !== s || /[\n\r\t#*&!|>%@`'"{}[\],]/.test(s)) return JSON.stringify(s);
  const doc = parseK8sYamlDocument(`k: ${s}\n`, new LineCounter());
  const back = doc.errors.length === 0 ? (doc.toJS() as { k?: unknown } | null)?.k : undefined;
  return back === s ? s : JSON.stringify(s);
}

/**
 * What sigs.k8s.io/yaml refuses when it converts to JSON: infinite or NaN numbers, null or collection
 * keys. Only what reaches the JSON counts: of duplicate keys the last wins, as in go-yaml.
 */
function refuseNonJson(doc: Document.Parsed): void {
  const bad = firstNonJson(doc.contents);
  if (bad) doc.errors.push(new YAMLParseError([bad.at, bad.at + 1], 'BAD_SCALAR_START', bad.message));
}

function firstNonJson(node: unknown): { at: number; message: string } | null {
  if (isScalar(node)) {
    return typeof node.value === 'number' && !Number.isFinite(node.value)
      ? { at: node.range?.[0] ?? 0, message: `${String(node.source ?? node.value)} is not a number JSON can hold (Kubernetes refuses it)` }
      : null;
  }
  if (isSeq(node)) {
    for (const item of node.items) {
      const bad = firstNonJson(item);
      if (bad) return bad;
    }
    return null;
  }
  if (!isMap(node)) return null;
  const last = new Map<string, number>();
  node.items.forEach((pair, i) => last.set(keyIdentity(pair.key, i), i));
  for (const [i, pair] of node.items.entries()) {
    if (last.get(keyIdentity(pair.key, i)) !== i) continue;
    const key = pair.key;
    if (key === null || (isScalar(key) ? key.value === null : !isAlias(key))) {
      const at = isNode(key) ? key.range?.[0] ?? 0 : 0;
      return { at, message: 'a mapping key must be a string, number or boolean (Kubernetes refuses a null or collection key)' };
    }
    const bad = firstNonJson(pair.value);
    if (bad) return bad;
  }
  return null;
}

/** Pairs with the same scalar key replace each other; collection keys never do. */
function keyIdentity(key: unknown, index: number): string {
  return isScalar(key) ? `${typeof key.value}:${String(key.value)}` : `#${index}`;
}

/**
 * Re-indents the continuation lines of multi-line quoted scalars and flow collections that are not
 * indented more than the node they belong to (the yaml package refuses them, go-yaml does not).
 * Block scalars and comments are left alone.
 */
export function relaxContinuationIndent(text: string): string {
  const lines = text.split('\n');
  const scan = new ContinuationScanner();
  return lines.map((line) => scan.line(line)).join('\n');
}

class ContinuationScanner {
  /** The open quote, when a quoted scalar runs past the end of the line. */
  private quote: '"' | "'" | null = null;
  /** Open [ and { outside quotes. */
  private flowDepth = 0;
  /** The column continuation lines need, while a quote or flow collection is open. */
  private target = 0;
  /** While inside a block scalar: the indentation its introducing line had. */
  private blockScalarParent: number | null = null;

  line(line: string): string {
    const indent = line.length - line.trimStart().length;
    const blank = line.trim() === '';
    if (this.blockScalarParent !== null) {
      if (blank || indent > this.blockScalarParent) return line;
      this.blockScalarParent = null;
    }
    if (/^(---|\.\.\.)(\s|$)/.test(line)) {
      this.quote = null;
      this.flowDepth = 0;
      return line;
    }
    const continuing = this.quote !== null || this.flowDepth > 0;
    const out = continuing && !blank && indent < this.target ? ' '.repeat(this.target) + line.trimStart() : line;
    const wasOpen = continuing;
    const opener = this.scan(out);
    // Continuation lines need more indentation than the node the scalar or collection is in.
    if (!wasOpen && (this.quote !== null || this.flowDepth > 0)) this.target = /^\s*(?:[-?][ \t]+)*/.exec(out)![0].length + 1;
    if (this.quote === null && this.flowDepth === 0 && opener === 'block-scalar') this.blockScalarParent = indent;
    return out;
  }

  /** Walks one line's tokens; returns 'block-scalar' when the line ends in a | or > indicator. */
  private scan(line: string): 'block-scalar' | null {
    let i = 0;
    let tokenStart = true;
    let lastToken = '';
    while (i < line.length) {
      const c = line[i]!;
      if (this.quote !== null) {
        i = this.skipQuoted(line, i);
        tokenStart = false;
        continue;
      }
      if (c === ' ' || c === '\t') {
        i++;
        tokenStart = true;
        continue;
      }
      if (c === '#' && (i === 0 || line[i - 1] === ' ' || line[i - 1] === '\t')) break;
      if ((c === '"' || c === "'") && tokenStart) {
        this.quote = c;
        i++;
        continue;
      }
      if (c === '[' || c === '{') {
        this.flowDepth++;
        i++;
        tokenStart = true;
        continue;
      }
      if (this.flowDepth > 0 && (c === ']' || c === '}' || c === ',')) {
        if (c !== ',') this.flowDepth--;
        i++;
        tokenStart = true;
        continue;
      }
      const indicatorEnds = i + 1 === line.length || line[i + 1] === ' ' || line[i + 1] === '\t';
      if ((((c === '-' || c === '?') && tokenStart) || c === ':') && (indicatorEnds || (c === ':' && this.flowDepth > 0))) {
        i++;
        tokenStart = true;
        continue;
      }
      if ((c === '!' || c === '&' || c === '*') && tokenStart) {
        while (i < line.length && line[i] !== ' ' && line[i] !== '\t') i++;
        continue;
      }
      const end = Math.max(this.skipPlain(line, i), i + 1);
      lastToken = line.slice(i, end);
      i = end;
      tokenStart = false;
    }
    return this.quote === null && this.flowDepth === 0 && /^[|>][-+1-9]*$/.test(lastToken) ? 'block-scalar' : null;
  }

  /** From inside a quoted scalar: past its closing quote, or to the end of the line. */
  private skipQuoted(line: string, i: number): number {
    for (let j = i; j < line.length; j++) {
      const c = line[j];
      if (this.quote === '"' && c === '\\') { j++; continue; }
      if (c === this.quote) {
        if (this.quote === "'" && line[j + 1] === "'") { j++; continue; }
        this.quote = null;
        return j + 1;
      }
    }
    return line.length;
  }

  /** Past a plain scalar: to ": " (a key), " #", or in a flow collection to , ] }. */
  private skipPlain(line: string, i: number): number {
    let j = i;
    while (j < line.length) {
      const c = line[j]!;
      if (c === ':' && (j + 1 === line.length || line[j + 1] === ' ' || line[j + 1] === '\t' || (this.flowDepth > 0 && ',]}'.includes(line[j + 1]!)))) return j;
      if (c === '#' && (line[j - 1] === ' ' || line[j - 1] === '\t')) return j;
      if (this.flowDepth > 0 && ',[]{}'.includes(c)) return j;
      j++;
    }
    return j;
  }
}

// YAML as Kubernetes reads it: our reader's JSON against kubectl's (offline: annotate --local -o json)
// for real public manifests and for generated documents. One kubectl call per batch of files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { LineCounter } from 'yaml';
import { k8sYamlString, parseK8sYamlDocuments, relaxContinuationIndent } from '../../src/sources/k8s-yaml.js';
import { parseNadFile } from '../../src/sources/nad.js';
import { requireTools } from '../helpers/system.js';

const fixture = (p: string) => readFileSync(new URL(`../fixtures/${p}`, import.meta.url), 'utf8');

/** Our reading of a stream: each non-empty document's JSON, or 'error' when any document has an error. */
function ours(text: string): unknown[] | 'error' {
  const docs = parseK8sYamlDocuments(text, new LineCounter());
  if (docs.some((d) => d.errors.length > 0)) return 'error';
  return docs.map((d) => d.toJS({ maxAliasCount: -1 }) as unknown).filter((v) => v !== null && v !== undefined).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
}

/** Splits kubectl's concatenated JSON objects. */
function splitObjects(out: string): Record<string, unknown>[] {
  const objects: Record<string, unknown>[] = [];
  let depth = 0, start = 0, inString = false, escaped = false;
  for (let i = 0; i < out.length; i++) {
    const c = out[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' && depth++ === 0) start = i;
    else if (c === '}' && --depth === 0) objects.push(JSON.parse(out.slice(start, i + 1)) as Record<string, unknown>);
  }
  return objects;
}

/** kubectl's objects with the annotation it was asked to add taken out again. */
function kubectlRead(paths: string[]): { objects: Record<string, unknown>[]; failed: Set<string> } {
  const r = spawnSync('kubectl', ['annotate', '--local', '-o', 'json', ...paths.flatMap((p) => ['-f', p]), 'hostnet-probe=x'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const failed = new Set(paths.filter((p) => r.stderr.includes(`${p}:`)));
  const objects = splitObjects(r.stdout).map((o) => {
    const meta = o.metadata as { annotations?: Record<string, string> };
    delete meta.annotations?.['hostnet-probe'];
    if (meta.annotations && Object.keys(meta.annotations).length === 0) delete meta.annotations;
    return o;
  });
  return { objects, failed };
}

const REAL = ['nad/multus-macvlan-pod.yml', 'nad/multus-sriov-pod.yml', 'vpp/calico-vpp-dpdk.yaml', 'vpp/calico-vpp-config.seed002.yaml'];

test('real manifests: every document reads as kubectl reads it', (t) => {
  if (!requireTools(t, ['kubectl'], ['kubernetes-client'])) return;
  for (const name of REAL) {
    const path = new URL(`../fixtures/${name}`, import.meta.url).pathname;
    const k = kubectlRead([path]);
    assert.equal(k.failed.size, 0, `kubectl reads ${name}`);
    assert.deepEqual(ours(fixture(name)), k.objects, name);
  }
});

test('the multus SR-IOV example (continuation lines in column 0) gives its NAD and config', () => {
  const read = parseNadFile('multus-sriov-pod.yml', fixture('nad/multus-sriov-pod.yml'));
  assert.deepEqual(read.diagnostics.filter((d) => d.fatal), []);
  assert.equal(read.nads.length, 1);
  assert.equal(read.nads[0]!.name, 'sriov-net-a');
  assert.equal(read.nads[0]!.config?.plugins[0]?.type, 'sriov');
  assert.equal(read.nads[0]!.configLine, 12);
});

test('re-indenting keeps every line number and leaves well-indented text alone', () => {
  for (const name of REAL) {
    const text = fixture(name);
    const relaxed = relaxContinuationIndent(text);
    assert.equal(relaxed.split('\n').length, text.split('\n').length, name);
  }
  assert.equal(relaxContinuationIndent(fixture('nad/multus-macvlan-pod.yml')), fixture('nad/multus-macvlan-pod.yml'));
});

// Generated documents: YAML 1.1 scalars, quoting, block scalars, flow collections, anchors and merges,
// duplicate keys, tabs, under-indented continuation lines, and values JSON cannot hold.
const PLAIN = ['yes', 'No', 'on', 'OFF', 'y', 'n', 'true', 'False', '~', 'null', 'Null', '0777', '0o17', '0x1F', '0b101', '1_000',
  '+12', '-0', '12.0', '1e3', '.5', '1.', 'e0', '190:20:30', '1:20', '2001-12-14', '2001-12-14T21:59:43.10-05:00', 'hello', 'hello world',
  'a:b', 'http://x/y?a=1#f', '08', '.inf', '-.Inf', '.nan', '=', '10.1.1.0/24', '00:1a:2b:3c:4d:5e', 'eth0.100', "it's", '-1.5e-3'];
const QUOTED = ["'yes'", "'it''s'", '"a\\tb"', '"\\u00e9"', '"\\x41"', '"0777"', "''", '""', '"multi  spaces"'];
const KEYS = ['a', 'b', 'c', 'yes', 'on', 'n', '1', 'true', 'k-1', '"quoted key"', "'y'", 'null'];

type Gen = { kind: 'scalar'; text: string } | { kind: 'quoted-ml'; quote: string; lines: string[]; indents: number[] }
  | { kind: 'block'; header: string; lines: string[] } | { kind: 'flow-ml'; items: string[]; indents: number[] }
  | { kind: 'map'; entries: [string, Gen][] } | { kind: 'seq'; items: Gen[] } | { kind: 'alias' };

const leaf: fc.Arbitrary<Gen> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PLAIN).map((text): Gen => ({ kind: 'scalar', text })) },
  { weight: 2, arbitrary: fc.constantFrom(...QUOTED).map((text): Gen => ({ kind: 'scalar', text })) },
  { weight: 1, arbitrary: fc.constantFrom('[a, "b", 1, yes]', '{x: 1, y: [2, on]}', '[]', '{}').map((text): Gen => ({ kind: 'scalar', text })) },
  { weight: 2, arbitrary: fc.record({ quote: fc.constantFrom("'", '"'), lines: fc.array(fc.constantFrom('"a": 1,', '"b": [1, 2]', 'word', ''), { minLength: 1, maxLength: 4 }), indents: fc.array(fc.nat(8), { minLength: 4, maxLength: 4 }) })
    .map((r): Gen => ({ kind: 'quoted-ml', ...r })) },
  { weight: 2, arbitrary: fc.record({ header: fc.constantFrom('|', '|-', '|+', '>', '>-'), lines: fc.array(fc.constantFrom('text', '  more indented', '', 'key: value', '# not a comment'), { minLength: 1, maxLength: 4 }) })
    .map((r): Gen => ({ kind: 'block', ...r })) },
  { weight: 1, arbitrary: fc.record({ items: fc.array(fc.constantFrom('a', '"b c"', 'on', '1', "'x'"), { minLength: 1, maxLength: 3 }), indents: fc.array(fc.nat(6), { minLength: 4, maxLength: 4 }) })
    .map((r): Gen => ({ kind: 'flow-ml', ...r })) },
  { weight: 1, arbitrary: fc.constant<Gen>({ kind: 'alias' }) },
);

const node: fc.Arbitrary<Gen> = fc.letrec<{ node: Gen }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(fc.tuple(fc.constantFrom(...KEYS), tie('node')), { minLength: 1, maxLength: 4 }).map((entries): Gen => ({ kind: 'map', entries })),
    fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((items): Gen => ({ kind: 'seq', items }))),
})).node;

/** Lines for `node` as the value of `key` at `indent` (or as a sequence item when key is null). */
function render(key: string | null, value: Gen, indent: number, tabAfterColon: boolean): string[] {
  const pad = ' '.repeat(indent);
  const lead = key === null ? `${pad}- ` : `${pad}${key}:${tabAfterColon ? '\t' : ' '}`;
  switch (value.kind) {
    case 'scalar': return [lead + value.text];
    case 'alias': return [`${lead}*anchor`];
    case 'quoted-ml': return [`${lead}${value.quote}{`, ...value.lines.map((l, i) => ' '.repeat(value.indents[i] ?? 0) + (value.quote === '"' ? l.replace(/"/g, '\\"') : l.replace(/'/g, "''"))), `${' '.repeat(value.indents[3] ?? 0)}}${value.quote}`];
    case 'flow-ml': return [`${lead}[`, ...value.items.map((l, i) => `${' '.repeat(value.indents[i] ?? 0)}${l},`), `${' '.repeat(value.indents[3] ?? 0)}]`];
    case 'block': return [`${lead}${value.header}`, ...value.lines.map((l) => (l === '' ? '' : `${pad}  ${l}`))];
    case 'map': return [`${lead.trimEnd()}`, ...value.entries.flatMap(([k, v]) => render(k, v, indent + 2, false))];
    case 'seq': return [`${lead.trimEnd()}`, ...value.items.flatMap((v) => render(null, v, indent + 2, false))];
  }
}

const caseArb = fc.record({
  entries: fc.array(fc.tuple(fc.constantFrom(...KEYS), node), { minLength: 1, maxLength: 5 }),
  anchor: fc.constantFrom('plain', 'map'),
  merge: fc.boolean(),
  tab: fc.nat(19),
});

interface Case { entries: [string, Gen][]; anchor: string; merge: boolean; tab: number }

function document(name: string, c: Case): string {
  const anchorLines = c.anchor === 'map' ? ['  base: &anchor', '    p: 1', '    q: yes'] : ['  base: &anchor on'];
  const merge = c.merge && c.anchor === 'map' ? ['  <<: *anchor'] : [];
  const body = c.entries.flatMap(([k, v], i) => render(k, v, 2, c.tab === i));
  return ['apiVersion: example.com/v1', 'kind: Probe', 'metadata:', `  name: ${name}`, 'spec:', ...anchorLines, ...merge, ...body, ''].join('\n');
}

test('generated YAML: our JSON equals kubectl\'s for every document, errors where kubectl errs', (t) => {
  if (!requireTools(t, ['kubectl'], ['kubernetes-client'])) return;
  const seed = Number(process.env.HOSTNET_SEED ?? Date.now() % 100000);
  t.diagnostic(`seed ${seed} (HOSTNET_SEED=${seed} repeats it)`);
  const cases = fc.sample(caseArb, { numRuns: 400, seed });
  const dir = mkdtempSync(join(tmpdir(), 'hostnet-yaml-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const texts = cases.map((c, i) => document(`c${String(i).padStart(4, '0')}`, c));
  const paths = texts.map((text, i) => {
    const p = join(dir, `c${String(i).padStart(4, '0')}.yaml`);
    writeFileSync(p, text);
    return p;
  });
  const k = kubectlRead(paths);
  const byName = new Map(k.objects.map((o) => [(o.metadata as { name: string }).name, o]));
  const coverage = { agreedErrors: 0, values: 0, multilineQuoted: 0, flowMultiline: 0, block: 0, yaml11: 0 };
  const disagreements: string[] = [];
  texts.forEach((text, i) => {
    const name = `c${String(i).padStart(4, '0')}`;
    const mine = ours(text);
    const theirs = k.failed.has(paths[i]!) ? 'error' : byName.has(name) ? [byName.get(name)] : 'error';
    if (!isDeepStrictEqual(mine, theirs)) disagreements.push(`${name}:\n${text}\nours: ${JSON.stringify(mine)}\nkubectl: ${JSON.stringify(theirs)}`);
    if (theirs === 'error') coverage.agreedErrors++;
    else coverage.values++;
    if (/:\s['"]\{\n/.test(text)) coverage.multilineQuoted++;
    if (/: \[\n/.test(text)) coverage.flowMultiline++;
    if (/: [|>]/.test(text)) coverage.block++;
    if (/: (yes|No|on|OFF|y|n|0777|0o17)\n/.test(text)) coverage.yaml11++;
  });
  if (disagreements.length) writeFileSync('/tmp/hostnet-yaml-disagreements.txt', disagreements.join('\n=====\n'));
  assert.deepEqual(disagreements.slice(0, 3), [], `${disagreements.length} of ${texts.length} files read differently (seed ${seed})`);
  for (const [what, n] of Object.entries(coverage)) assert.ok(n >= 10, `the generator covers ${what} (${n})`);
});

test('k8sYamlString quotes exactly the strings Kubernetes would read as something else', () => {
  fc.assert(fc.property(fc.oneof(fc.constantFrom(...PLAIN), fc.string({ maxLength: 12 })), (s) => {
    const text = `k: ${k8sYamlString(s)}\n`;
    const back = parseK8sYamlDocuments(text, new LineCounter())[0]!;
    assert.deepEqual(back.errors, []);
    assert.equal((back.toJS() as { k: unknown }).k, s);
  }));
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { snapshotJsonSchema, snapshotValidatorSource } from '../../src/snapshot/json-schema.js';
import { SnapshotSchema } from '../../src/snapshot/schema.js';
import { validate } from '../../generated/snapshot-validator.js';

test('the published JSON Schema is the one the zod schema gives (run `npm run schema` after a change)', () => {
  const published = readFileSync(new URL('../../schema/snapshot.schema.json', import.meta.url), 'utf8');
  assert.equal(published, snapshotJsonSchema());
});

test('the snapshot validator is the one compiled from that JSON Schema (run `npm run schema` after a change)', () => {
  const generated = readFileSync(new URL('../../generated/snapshot-validator.js', import.meta.url), 'utf8');
  assert.equal(generated, snapshotValidatorSource());
});

test('the JSON Schema requires the top-level sections', () => {
  const schema = JSON.parse(snapshotJsonSchema());
  for (const key of ['schema', 'host', 'interfaces', 'routes', 'files', 'commands', 'gaps']) {
    assert.ok(schema.required.includes(key), key);
  }
});

// The loader validates with the compiled JSON Schema; the types come from the zod schema. The two must
// agree on every document: the same verdict, and for a valid one the same result (defaults filled in,
// unknown keys dropped), the validator's in place and zod's as a copy.
const SNAPSHOTS = ['test/fixtures/snapshots/minimal.json', 'examples/lab-lacp/kvm-host-before.json', 'examples/calico-vpp-healthy/snapshot.json', 'examples/cnf-macvlan/nodes/worker-1.json']
  .map((p) => JSON.parse(readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8')) as unknown);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path to a value in a JSON tree. */
function paths(node: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const here = [prefix];
  if (Array.isArray(node)) return here.concat(...node.map((child, i) => paths(child, [...prefix, i])));
  if (node && typeof node === 'object') return here.concat(...Object.entries(node).map(([k, child]) => paths(child, [...prefix, k])));
  return here;
}

type Edit = { op: 'replace'; value: Json } | { op: 'delete' } | { op: 'add'; key: string; value: Json };

function edited(doc: Json, path: (string | number)[], edit: Edit): Json {
  const copy = structuredClone(doc);
  if (path.length === 0) return edit.op === 'replace' ? edit.value : copy;
  let parent = copy as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  if (edit.op === 'replace') parent[last] = edit.value;
  else if (edit.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else {
    const target = parent[last];
    if (target && typeof target === 'object' && !Array.isArray(target)) target[edit.key] = edit.value;
  }
  return copy;
}

test('property: the compiled validator and the zod schema agree on edited snapshots, verdict and result', () => {
  const edit: fc.Arbitrary<Edit> = fc.oneof(
    fc.record({ op: fc.constant('replace' as const), value: fc.jsonValue() as fc.Arbitrary<Json> }),
    fc.record({ op: fc.constant('replace' as const), value: fc.constantFrom<Json>(null, 0, -1, 1.5, '', 'x', true, [], {}, 70000, '00:11:22:33:44:55', 'AA:BB') }),
    fc.constant({ op: 'delete' as const }),
    fc.record({ op: fc.constant('add' as const), key: fc.string({ maxLength: 8 }), value: fc.jsonValue() as fc.Arbitrary<Json> }),
  );
  const doc = fc.constantFrom(...SNAPSHOTS as Json[]).chain((d) => fc.tuple(fc.constant(d), fc.constantFrom(...paths(d)), edit));
  let valid = 0;
  fc.assert(fc.property(doc, ([original, path, e]) => {
    const input = edited(original, path, e);
    const byZod = SnapshotSchema.safeParse(input);
    const inPlace = structuredClone(input);
    const ok = validate(inPlace);
    assert.equal(ok, byZod.success, `zod says ${byZod.success ? 'valid' : byZod.error.issues[0]?.message}, the validator ${ok ? 'valid' : JSON.stringify(validate.errors?.[0])}`);
    if (ok && byZod.success) {
      valid++;
      assert.deepEqual(inPlace, byZod.data);
    }
  }), { numRuns: 600 });
  assert.ok(valid > 50, `only ${valid} edited snapshots stayed valid: the property tests too little`);
});

// Bad snapshots: every failure is one clear message naming the file, exit code 2, never a stack trace.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { InputError } from '../../src/errors.js';
import { parseSnapshot } from '../../src/snapshot/load.js';
import { SNAPSHOT_SCHEMA } from '../../src/snapshot/schema.js';
import { hostnet } from '../helpers/system.js';

const example = readFileSync(new URL('../fixtures/snapshots/minimal.json', import.meta.url), 'utf8');

function failure(text: string): InputError {
  try {
    parseSnapshot(text, 'node1.json');
  } catch (err) {
    assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`);
    return err;
  }
  assert.fail('the snapshot was accepted');
}

test('a valid snapshot loads', () => {
  const s = parseSnapshot(example, 'minimal.json');
  assert.equal(s.schema, SNAPSHOT_SCHEMA);
  assert.ok(s.interfaces.length > 0);
});

test('not JSON: names the file, line and column', () => {
  const e = failure('{"schema": "hostnet.snapshot/v1",\n  "x": oops}');
  assert.match(e.describe(), /^node1\.json:2:\d+: not valid JSON: invalid symbol/);
});

test('truncated: says so and how to get a whole one', () => {
  const e = failure(example.slice(0, Math.floor(example.length / 2)));
  assert.match(e.describe(), /node1\.json:\d+:\d+: not valid JSON/);
  assert.match(e.describe(), /truncated/);
});

test('empty file', () => {
  assert.match(failure('').describe(), /the file is empty/);
});

test('unknown schema version names the version it found and the one it reads', () => {
  const e = failure(JSON.stringify({ ...JSON.parse(example), schema: 'hostnet.snapshot/v9' }));
  assert.match(e.describe(), /unsupported snapshot schema "hostnet\.snapshot\/v9"; this hostnet reads hostnet\.snapshot\/v1/);
});

test('not a snapshot at all', () => {
  assert.match(failure('[1,2]').describe(), /top level must be a JSON object/);
  assert.match(failure('{"a":1}').describe(), /no "schema" field/);
});

test('missing fields are named by path, with the interface name', () => {
  const data = JSON.parse(example);
  delete data.interfaces[1].mtu;
  delete data.host;
  const msg = failure(JSON.stringify(data)).describe();
  assert.match(msg, /interfaces\[1\]\(eth0\)\.mtu/);
  assert.match(msg, /^ {2}host: /m);
});

test('property: no input makes the loader throw anything but an InputError', () => {
  const valid = JSON.parse(example);
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.json(), fc.constant(example).chain((s) => fc.nat(s.length).map((n) => s.slice(0, n))),
      fc.record({ key: fc.constantFrom(...Object.keys(valid)), value: fc.jsonValue() }).map(({ key, value }) => JSON.stringify({ ...valid, [key]: value }))),
    (text) => {
      try {
        parseSnapshot(text, 'x.json');
      } catch (err) {
        assert.ok(err instanceof InputError);
        assert.ok(err.describe().startsWith('x.json'));
      }
    }),
    { numRuns: 300 },
  );
});

test('CLI: a bad snapshot exits 2 with one message and no stack trace, in every format', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostnet-'));
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, example.slice(0, 100));
  for (const format of ['text', 'json']) {
    const r = hostnet(['check', '--snapshot', bad, '--format', format]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^hostnet: ${bad.replace(/[/.]/g, '\\$&')}:\\d+:\\d+: not valid JSON`));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  const missing = hostnet(['check', '--snapshot', join(dir, 'nope.json')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.json: cannot read snapshot: no such file or directory/);
});

test('CLI: usage errors exit 2', () => {
  const r = hostnet(['check', '--format', 'yaml']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /argument 'yaml' is invalid/);
});

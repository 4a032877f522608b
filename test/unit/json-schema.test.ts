import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { snapshotJsonSchema } from '../../src/snapshot/json-schema.js';

test('the published JSON Schema is the one the zod schema gives (run `npm run schema` after a change)', () => {
  const published = readFileSync(new URL('../../schema/snapshot.schema.json', import.meta.url), 'utf8');
  assert.equal(published, snapshotJsonSchema());
});

test('the JSON Schema requires the top-level sections', () => {
  const schema = JSON.parse(snapshotJsonSchema());
  for (const key of ['schema', 'host', 'interfaces', 'routes', 'files', 'commands', 'gaps']) {
    assert.ok(schema.required.includes(key), key);
  }
});

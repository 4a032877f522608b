// Publishes the snapshot schema as JSON Schema: schema/snapshot.schema.json.
// A test fails when the published file differs from what this writes, so it never goes stale.
import { writeFileSync } from 'node:fs';
import { snapshotJsonSchema } from '../src/snapshot/json-schema.js';

writeFileSync(new URL('../schema/snapshot.schema.json', import.meta.url), snapshotJsonSchema());
console.log('wrote schema/snapshot.schema.json');

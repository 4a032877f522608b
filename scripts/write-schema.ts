// Publishes the snapshot schema as JSON Schema (schema/snapshot.schema.json) and writes the validator
// compiled from it (src/snapshot/validate.generated.js, typed by validate.generated.d.ts beside it).
// Tests fail when either differs from what this writes, so neither goes stale.
import { writeFileSync } from 'node:fs';
import { snapshotJsonSchema, snapshotValidatorSource } from '../src/snapshot/json-schema.js';

writeFileSync(new URL('../schema/snapshot.schema.json', import.meta.url), snapshotJsonSchema());
writeFileSync(new URL('../src/snapshot/validate.generated.js', import.meta.url), snapshotValidatorSource());
console.log('wrote schema/snapshot.schema.json and src/snapshot/validate.generated.js');

// Publishes the snapshot schema as JSON Schema (schema/snapshot.schema.json) and writes the validator
// compiled from it (src/snapshot/validate.generated.js). Tests fail when either differs from what this
// writes, so neither goes stale.
import { writeFileSync } from 'node:fs';
import { SNAPSHOT_VALIDATOR_TYPES, snapshotJsonSchema, snapshotValidatorSource } from '../src/snapshot/json-schema.js';

writeFileSync(new URL('../schema/snapshot.schema.json', import.meta.url), snapshotJsonSchema());
writeFileSync(new URL('../src/snapshot/validate.generated.js', import.meta.url), snapshotValidatorSource());
writeFileSync(new URL('../src/snapshot/validate.generated.d.ts', import.meta.url), SNAPSHOT_VALIDATOR_TYPES);
console.log('wrote schema/snapshot.schema.json and src/snapshot/validate.generated.js');

// Publishes the snapshot schema as JSON Schema (schema/snapshot.schema.json) and writes the validator
// compiled from it (generated/snapshot-validator.js, typed by snapshot-validator.d.ts beside it; generated/ is outside
// src/ and the linters skip it).
// Tests fail when either differs from what this writes, so neither goes stale.
import { writeFileSync } from 'node:fs';
import { snapshotJsonSchema, snapshotValidatorSource } from '../src/snapshot/json-schema.js';

writeFileSync(new URL('../schema/snapshot.schema.json', import.meta.url), snapshotJsonSchema());
writeFileSync(new URL('../generated/snapshot-validator.js', import.meta.url), snapshotValidatorSource());
console.log('wrote schema/snapshot.schema.json and generated/snapshot-validator.js');

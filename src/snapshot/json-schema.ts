/** The snapshot schema as JSON Schema (draft 2020-12), for users and other tools. */
import { z } from 'zod';
import { SNAPSHOT_SCHEMA, SnapshotSchema } from './schema.js';

export function snapshotJsonSchema(): string {
  const schema = z.toJSONSchema(SnapshotSchema, { io: 'input' });
  return `${JSON.stringify({
    ...schema,
    title: `hostnet snapshot (${SNAPSHOT_SCHEMA})`,
    description: 'One host\'s network state as hostnet collect recorded it.',
  }, null, 2)}\n`;
}

/** What `collect --redact` leaves out, applied to a snapshot already taken (the agent's GET /snapshot). */
import type { Snapshot } from './schema.js';

export function redactSnapshot(snapshot: Snapshot): Snapshot {
  return { ...snapshot, scope: { ...snapshot.scope, redacted: true }, host: { ...snapshot.host, machineId: null } };
}

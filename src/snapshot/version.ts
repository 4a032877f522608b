/**
 * The snapshot format's version, apart from the zod schema so that writing a snapshot (collect)
 * does not load the validator only reading one needs.
 */
export const SNAPSHOT_SCHEMA = 'hostnet.snapshot/v1';

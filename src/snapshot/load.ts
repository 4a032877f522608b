/**
 * Reading a snapshot file: parse, check the schema version, validate, and turn every failure into an
 * InputError that names the file and the field, so a bad snapshot never ends in a stack trace.
 */
import { readFileSync } from 'node:fs';
import { locateJsonError } from '../json-errors.js';
import type { z } from 'zod';
import { InputError } from '../errors.js';
import { SNAPSHOT_SCHEMA, SnapshotSchema, type Snapshot } from './schema.js';

export function loadSnapshotFile(path: string): Snapshot {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read snapshot: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, path,
      'give the path of a file written by `hostnet collect -o FILE`');
  }
  return parseSnapshot(text, path);
}

export function parseSnapshot(text: string, path: string): Snapshot {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const located = locateJsonError(text);
    const problem = text.trim() === '' ? 'the file is empty' : located ? located.problem : (err as Error).message;
    throw new InputError(`not valid JSON: ${problem}`,
      located ? `${path}:${located.line}:${located.column}` : path,
      text.trim() === '' ? undefined : 'the file may be truncated; collect it again with `hostnet collect -o FILE`');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InputError('not a hostnet snapshot: the top level must be a JSON object', path);
  }
  const declared = (data as Record<string, unknown>).schema;
  if (declared !== SNAPSHOT_SCHEMA) {
    throw new InputError(
      declared === undefined
        ? 'not a hostnet snapshot: it has no "schema" field'
        : `unsupported snapshot schema ${JSON.stringify(declared)}; this hostnet reads ${SNAPSHOT_SCHEMA}`,
      path, 'collect the snapshot again with this version of hostnet');
  }
  const result = SnapshotSchema.safeParse(data);
  if (!result.success) {
    throw new InputError(`invalid snapshot:\n${formatIssues(result.error.issues, data)}`, path);
  }
  return result.data;
}

/** One line per problem, naming the field by path (and the interface by name where there is one). */
function formatIssues(issues: z.core.$ZodIssue[], data: unknown): string {
  const shown = issues.slice(0, 10).map((issue) => `  ${describePath(issue.path, data)}: ${issue.message}`);
  if (issues.length > 10) shown.push(`  ... and ${issues.length - 10} more`);
  return shown.join('\n');
}

function describePath(path: PropertyKey[], data: unknown): string {
  let node: unknown = data;
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') {
      const item = Array.isArray(node) ? node[key] : undefined;
      const name = item && typeof item === 'object' ? (item as Record<string, unknown>).name : undefined;
      out += typeof name === 'string' ? `[${key}](${name})` : `[${key}]`;
    } else {
      out += out ? `.${String(key)}` : String(key);
    }
    node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return out || '(top level)';
}

/**
 * Reading a snapshot file: parse, check the schema version, validate, and turn every failure into an
 * InputError that names the file and the field, so a bad snapshot never ends in a stack trace.
 * Validation is the published JSON Schema compiled to code (generated/snapshot-validator.js, made from the zod
 * schema by `npm run schema`): it fills in defaults in place instead of building a second tree, which
 * keeps a node agent re-reading a 10,000-interface snapshot small.
 */
import { readFileSync } from 'node:fs';
import { locateJsonError } from '../json-errors.js';
import { InputError, inWords } from '../errors.js';
import type { Snapshot } from './schema.js';
import { validate, type ValidationError } from '../../generated/snapshot-validator.js';
import { SNAPSHOT_SCHEMA } from './version.js';

export function loadSnapshotFile(path: string): Snapshot {
  // The text is read and parsed in a function of its own so that it is garbage before validation runs.
  return validateSnapshot(readJsonFile(path), path);
}

export function parseSnapshot(text: string, path: string): Snapshot {
  return validateSnapshot(parseJson(text, path), path);
}

function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`cannot read snapshot: ${inWords(err)}`, path,
      code === 'EISDIR' ? BUNDLE_HINT : 'give the path of a file written by `npx hostnet collect -o FILE`');
  }
  return parseJson(text, path);
}

/** What to do with a support bundle given where a snapshot file is expected. */
const BUNDLE_HINT = 'a support bundle (sosreport, must-gather, calicovppctl export: directory or tarball) is read with `hostnet collect --from PATH -o FILE`';

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    if (/\.(tar(\.\w+)?|tgz|txz)$/.test(path)) throw new InputError('not a snapshot: a tarball', path, BUNDLE_HINT);
    const located = locateJsonError(text);
    const problem = text.trim() === '' ? 'the file is empty' : located ? located.problem : (err as Error).message;
    throw new InputError(`not valid JSON: ${problem}`,
      located ? `${path}:${located.line}:${located.column}` : path,
      text.trim() === '' ? undefined : 'the file may be truncated; collect it again with `npx hostnet collect -o FILE`');
  }
}

function validateSnapshot(data: unknown, path: string): Snapshot {
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
  if (!validate(data)) {
    throw new InputError(`invalid snapshot:\n${formatIssues(validate.errors ?? [], data)}`, path);
  }
  return data as Snapshot;
}

/** One line per field in trouble, naming it by path (and the interface by name where there is one). */
function formatIssues(errors: ValidationError[], data: unknown): string {
  const byField = new Map<string, { path: (string | number)[]; problems: string[] }>();
  for (const error of errors) {
    if (error.keyword === 'anyOf') continue; // its branches' errors say what was wanted
    const path = fieldPath(error);
    const key = JSON.stringify(path);
    const field = byField.get(key) ?? { path, problems: [] };
    const problem = describeError(error);
    if (!field.problems.includes(problem)) field.problems.push(problem);
    byField.set(key, field);
  }
  const fields = [...byField.values()];
  const shown = fields.slice(0, 10).map((f) => `  ${describePath(f.path, data)}: ${joinAlternatives(f.problems)}`);
  if (fields.length > 10) shown.push(`  ... and ${fields.length - 10} more`);
  return shown.join('\n');
}

/** The field an error is about: a missing property is named as the field, not its parent. */
function fieldPath(error: ValidationError): (string | number)[] {
  const path: (string | number)[] = error.instancePath.split('/').slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  if (error.keyword === 'required') path.push(String(error.params.missingProperty));
  return path;
}

function describeError(error: ValidationError): string {
  const p = error.params;
  switch (error.keyword) {
    case 'required': return 'missing';
    case 'type': return `expected ${String(p.type).replace(',', ' or ')}`;
    case 'const': return `expected ${JSON.stringify(p.allowedValue)}`;
    case 'enum': return `expected one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'pattern': return `expected a string matching ${String(p.pattern)}`;
    case 'minimum': case 'maximum': return `expected a number ${error.keyword === 'minimum' ? '>=' : '<='} ${String(p.limit)}`;
    case 'minLength': return `expected at least ${String(p.limit)} character(s)`;
    default: return error.message ?? error.keyword;
  }
}

/** "expected integer" and "expected null" for one field (a nullable one) read as "expected integer or null". */
function joinAlternatives(problems: string[]): string {
  if (problems.length > 1 && problems.every((p) => p.startsWith('expected '))) return `expected ${problems.map((p) => p.slice(9)).join(' or ')}`;
  return problems.join('; ');
}

function describePath(path: (string | number)[], data: unknown): string {
  let node: unknown = data;
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') {
      const item = Array.isArray(node) ? node[key] : undefined;
      const name = item && typeof item === 'object' ? (item as Record<string, unknown>).name : undefined;
      out += typeof name === 'string' && name !== '' ? `[${key}](${name})` : `[${key}]`;
    } else {
      out += out ? `.${String(key)}` : String(key);
    }
    node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return out || '(top level)';
}

/**
 * Where a JSON text stops being JSON. JSON.parse does not always say where it failed; a second,
 * tolerant parse that collects errors with offsets does, and names the problem in words.
 */
import { parse as parseTolerant, printParseErrorCode, type ParseError } from 'jsonc-parser';

export interface JsonErrorLocation {
  line: number;
  column: number;
  problem: string;
}

export function locateJsonError(text: string): JsonErrorLocation | undefined {
  const errors: ParseError[] = [];
  parseTolerant(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (!first) return undefined;
  const before = text.slice(0, first.offset);
  const words = printParseErrorCode(first.error).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return { line: before.split('\n').length, column: first.offset - before.lastIndexOf('\n'), problem: words };
}

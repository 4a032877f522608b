/**
 * YAML aliases: the parser accepts a `*name` whose `&name` anchor is missing or comes later, and only
 * fails when the document is turned into values. Readers ask first, to report it on its line.
 */
import { isAlias, visit, type Document } from 'yaml';

/** The offset of the first `*alias` whose `&anchor` does not come before it, or null. */
export function unresolvedAliasOffset(doc: Document): number | null {
  let offset: number | null = null;
  visit(doc, {
    Alias(_, node) {
      if (isAlias(node) && node.resolve(doc) === undefined) {
        offset = node.range?.[0] ?? 0;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return offset;
}

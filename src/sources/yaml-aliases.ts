/**
 * YAML aliases: `*name` stands for the node anchored `&name` before it. The readers walk nodes (for
 * line numbers), so aliases are replaced by copies of what they stand for first; the parser accepts
 * an alias whose anchor is missing, comes later or encloses it, which a reader reports as not valid
 * YAML on the alias's line, as Kubernetes' and Helm's YAML readers refuse it.
 */
import { isAlias, isNode, visit, type Document, type Node } from 'yaml';

/** Replaces every alias by a copy of its node; the offset of the first one that cannot be, or null. */
export function resolveAliases(doc: Document): number | null {
  let unresolved: number | null = null;
  visit(doc, {
    Alias(_, node) {
      const target = isAlias(node) ? node.resolve(doc) : undefined;
      const at = node.range?.[0] ?? 0;
      const encloses = target?.range && target.range[0] <= at && at < target.range[2];
      if (!target || encloses || !isNode(target)) {
        unresolved = at;
        return visit.BREAK;
      }
      return target.clone() as Node;
    },
  });
  return unresolved;
}

export const UNRESOLVED_ALIAS = 'not valid YAML: an alias (*name) without its anchor (&name) before it';

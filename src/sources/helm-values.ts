/**
 * A Helm values file (YAML) read with positions, so a check can name the line of `tmm.cniNetworks`
 * or of a resource limit. Only the first document counts, as Helm reads it.
 */
import { isMap, isScalar, isSeq, LineCounter, type Node as YamlNode } from 'yaml';
import { parseK8sYamlDocument } from './k8s-yaml.js';
import { resolveAliases, UNRESOLVED_ALIAS } from './yaml-aliases.js';

export interface ValueAt {
  value: unknown;
  line: number;
}

/** An input problem, shaped like a check Diagnostic. */
export interface ValuesDiagnostic {
  where: string;
  message: string;
}

export interface HelmValues {
  file: string;
  /** The value at a key path (`['tmm', 'resources', 'limits', 'cpu']`, or a number for a list index). */
  at(path: readonly (string | number)[]): ValueAt | undefined;
  diagnostics: ValuesDiagnostic[];
}

export function parseHelmValues(file: string, text: string): HelmValues {
  const lineCounter = new LineCounter();
  const doc = parseK8sYamlDocument(text, lineCounter);
  const diagnostics: ValuesDiagnostic[] = [];
  const lineOf = (offset: number | undefined): number => (offset === undefined ? 1 : lineCounter.linePos(offset).line);
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    diagnostics.push({ where: `${file}:${lineOf(err.pos[0])}`, message: `not valid YAML: ${err.message.split('\n')[0]!.replace(/:$/, '')}; the values file is not checked` });
    return { file, at: () => undefined, diagnostics };
  }
  const alias = resolveAliases(doc);
  if (alias !== null) {
    diagnostics.push({ where: `${file}:${lineOf(alias)}`, message: `${UNRESOLVED_ALIAS}; the values file is not checked` });
    return { file, at: () => undefined, diagnostics };
  }
  if (doc.contents !== null && !isMap(doc.contents) && !(isScalar(doc.contents) && doc.contents.value === null)) {
    diagnostics.push({ where: `${file}:1`, message: 'a values file must be a mapping at the top level; the values file is not checked' });
    return { file, at: () => undefined, diagnostics };
  }
  return {
    file,
    diagnostics,
    at(path) {
      let node: unknown = doc.contents;
      for (const key of path) {
        if (typeof key === 'number') node = isSeq(node) ? node.items[key] : undefined;
        else node = isMap(node) ? node.get(key, true) : undefined;
        if (node === undefined || node === null) return undefined;
      }
      const n = node as YamlNode;
      return { value: isScalar(n) ? n.value : n.toJSON(), line: lineOf(n.range?.[0]) };
    },
  };
}

// The layers of src/ and what each may import (docs/architecture.md), as eslint `no-restricted-imports`
// blocks: one per layer and directory depth, so that a relative import is refused exactly when it
// resolves into a layer the importing one may not use.

/** Layer -> the layers it may import. A layer not listed here may be imported by none but `cli`. */
export const LAYERS = {
  net: [],
  snapshot: [],
  sources: ['snapshot', 'net'],
  collect: ['sources', 'snapshot', 'net'],
  model: ['sources', 'snapshot', 'net'],
  rules: ['model', 'sources', 'snapshot', 'net'],
  sim: ['rules', 'model', 'sources', 'snapshot', 'net'],
  plan: ['sim', 'rules', 'model', 'sources', 'snapshot', 'net'],
  render: ['plan', 'sim', 'rules', 'model', 'sources', 'snapshot', 'net'],
  fix: ['rules', 'model', 'sources', 'snapshot', 'net'],
  agent: ['collect', 'render', 'fix', 'plan', 'sim', 'rules', 'model', 'sources', 'snapshot', 'net'],
  cli: ['agent', 'collect', 'render', 'fix', 'plan', 'sim', 'rules', 'model', 'sources', 'snapshot', 'net'],
};

/**
 * Single files allowed one upward import, each with its reason; the list should only shrink.
 * rules/verify.ts checks a race fix by running the race explorer (sim), which itself uses rules;
 * collect/cluster.ts shares the API-call error classification with the agent.
 */
export const EXCEPTIONS = {
  'src/rules/verify.ts': ['sim'],
  'src/collect/cluster.ts': ['agent'],
};

const PURE = ['sources', 'model', 'rules', 'sim', 'plan'];
const IO_MODULES = ['node:fs', 'node:fs/*', 'node:child_process', 'node:net', 'fs', 'child_process'];
const MAX_DEPTH = 5;

function forbidden(layer, extra = []) {
  const allowed = new Set([layer, ...LAYERS[layer], ...extra]);
  return Object.keys(LAYERS).filter((l) => !allowed.has(l));
}

/** `no-restricted-imports` options for a file `depth` directories below src/ in `layer`. */
function options(layer, depth, extra) {
  const up = '\\.\\./'.repeat(depth);
  const patterns = [];
  const banned = forbidden(layer, extra);
  if (banned.length) {
    patterns.push({
      regex: `^${up}(${banned.join('|')})/`,
      message: `${layer} may import only ${LAYERS[layer].join(', ') || 'nothing of ours but src/*.ts'} (docs/architecture.md: data flows one way)`,
    });
  }
  if (PURE.includes(layer)) patterns.push({ group: IO_MODULES, message: 'the model is pure: I/O belongs in src/collect, src/fix or src/cli' });
  return ['error', { paths: [{ name: 'child_process', message: 'use node:child_process' }], patterns }];
}

export function layerBoundaries() {
  const blocks = [];
  for (const layer of Object.keys(LAYERS)) {
    for (let depth = 1; depth <= MAX_DEPTH; depth++) {
      const files = [`src/${layer}/${'*/'.repeat(depth - 1)}*.ts`];
      blocks.push({ files, rules: { 'no-restricted-imports': options(layer, depth, []) } });
    }
  }
  for (const [file, extra] of Object.entries(EXCEPTIONS)) {
    const [, layer, ...rest] = file.split('/');
    blocks.push({ files: [file], rules: { 'no-restricted-imports': options(layer, rest.length, extra) } });
  }
  return blocks;
}

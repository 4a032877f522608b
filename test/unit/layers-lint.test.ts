// The import-boundary lint (scripts/layers.mjs): an import of a layer above fails `npm run lint`, one
// of a layer below passes, at every directory depth; checked by linting planted files through
// ESLint's API with the project's own config (nothing is written into src/).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESLint } from 'eslint';
// @ts-expect-error: plain ESM script without types
import { EXCEPTIONS, LAYERS } from '../../scripts/layers.mjs';

const layers = LAYERS as Record<string, string[]>;
const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

function importOf(fromDepth: number, layer: string): string {
  return `import type { X } from '${'../'.repeat(fromDepth)}${layer}/planted.js';\nexport type Y = X;\n`;
}

test('every layer pair at depths 1 and 2: an import outside the allowed list fails, inside passes', async () => {
  let refused = 0;
  let passed = 0;
  for (const from of Object.keys(layers)) {
    for (const to of Object.keys(layers)) {
      if (to === from) continue;
      for (const depth of [1, 2]) {
        const file = `src/${from}/${depth === 2 ? 'sub/' : ''}planted.ts`;
        const errors = await boundaryErrors(file, importOf(depth, to));
        const allowed = layers[from]!.includes(to);
        assert.equal(errors.length === 0, allowed, `${file} importing ${to}: ${errors.join('; ') || 'no error'}`);
        if (allowed) passed++;
        else refused++;
      }
    }
  }
  // The table has both kinds in quantity: the test can fail either way.
  assert.ok(refused > 50 && passed > 50, `refused ${refused}, passed ${passed}`);
});

test('the one import the issue found (a model file importing a rules type) fails; its fixed form passes', async () => {
  const errors = await boundaryErrors('src/model/input-diagnostics.ts', "import type { Diagnostic } from '../rules/types.js';\nexport type D = Diagnostic;\n");
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /model may import only sources, snapshot, net/);
  assert.deepEqual(await boundaryErrors('src/model/input-diagnostics.ts', "import type { Diagnostic } from '../snapshot/diagnostic.js';\nexport type D = Diagnostic;\n"), []);
});

test('depth is exact: a relative path that stays inside the layer is not mistaken for another layer', async () => {
  // src/model/link/x.ts importing ../rules/… means src/model/rules/…, not src/rules/.
  assert.deepEqual(await boundaryErrors('src/model/link/planted.ts', importOf(1, 'rules')), []);
  assert.equal((await boundaryErrors('src/model/link/planted.ts', importOf(2, 'rules'))).length, 1);
});

test('purity stays enforced beside the boundaries; the listed exceptions allow only their one layer', async () => {
  assert.equal((await boundaryErrors('src/rules/planted.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n")).length, 1);
  assert.deepEqual(await boundaryErrors('src/collect/planted.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n"), []);
  for (const [file, extra] of Object.entries(EXCEPTIONS as Record<string, string[]>)) {
    const depth = file.split('/').length - 2;
    assert.deepEqual(await boundaryErrors(file, importOf(depth, extra[0]!)), [], file);
    assert.equal((await boundaryErrors(file, importOf(depth, 'cli'))).length, 1, file);
  }
});

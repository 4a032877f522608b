/**
 * The .link engine as the CLI ships it: src/model/link bundled by esbuild with the CLI's own options
 * (scripts/bundle.mjs). Importing src/ through tsx would measure its on-the-fly transform as well (a
 * name-keeping wrapper around every function), about 1.4x slower than the code users run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleModule } from '../scripts/bundle.mjs';

export type LinkEngine = typeof import('../src/model/link/index.js');

export async function shippedLinkEngine(): Promise<LinkEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'hostnet-bench-link-'));
  try {
    const file = await bundleModule('src/model/link/index.ts', join(dir, 'link.mjs'));
    return (await import(pathToFileURL(file).href)) as LinkEngine;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// `npm run build`: the CLI bundled into dist/ (scripts/bundle.mjs says how), executable.
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { bundle } from './bundle.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// Chunk names carry content hashes: start from an empty dist/ so no stale chunk lingers.
rmSync('dist', { recursive: true, force: true });
chmodSync(await bundle('dist', pkg.version), 0o755);
for (const bin of Object.values(pkg.bin)) chmodSync(bin, 0o755);

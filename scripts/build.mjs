// Bundles the CLI into one file so that start-up reads one module instead of hundreds.
import { build } from 'esbuild';
import { chmodSync, readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const outfile = 'dist/hostnet.js';
// Chunk names carry content hashes: start from an empty dist/ so no stale chunk lingers.
rmSync('dist', { recursive: true, force: true });
await build({
  // The CLI, and the worker that reads sysfs beside it (src/collect/sysfs.ts loads it by name).
  entryPoints: { hostnet: 'src/cli/main.ts', 'chunks/sysfs-worker': 'src/collect/sysfs-worker.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  // Prefer ES module builds: some packages' CommonJS entry is a UMD wrapper a bundler cannot follow.
  mainFields: ['module', 'main'],
  target: 'node20',
  format: 'esm',
  // One chunk per verb: a verb loads only its own code (src/cli/main.ts imports verbs lazily).
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  minify: false,
  legalComments: 'linked',
  define: { __HOSTNET_VERSION__: JSON.stringify(pkg.version) },
  // CommonJS dependencies inside an ES module bundle need a real `require` for Node built-ins.
  banner: { js: "import { createRequire as __hostnetRequire } from 'node:module'; const require = __hostnetRequire(import.meta.url);" },
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);

// How the CLI is bundled: one entry that loads each verb lazily from a chunk of its own, and the
// worker that reads sysfs beside the chunks (src/collect/sysfs.ts loads it by name). Used by
// `npm run build` (and so by `npm test`, which runs the bundle).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** What every bundle shares: the code benchmarks measure is compiled as the CLI's is. */
const COMMON = {
  bundle: true,
  platform: 'node',
  // Prefer ES module builds: some packages' CommonJS entry is a UMD wrapper a bundler cannot follow.
  mainFields: ['module', 'main'],
  target: 'node20',
  format: 'esm',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
};

/** Bundles into `outdir`; returns the path of the entry file (kubectl-hostnet.js and kubectl_complete-hostnet.js beside it). */
export async function bundle(outdir, version) {
  await build({
    ...COMMON,
    entryPoints: {
      hostnet: `${root}src/cli/main.ts`,
      'chunks/sysfs-worker': `${root}src/collect/sysfs-worker.ts`,
      // The kubectl plugin and its completion helper (kubectl finds both on PATH by these names).
      'kubectl-hostnet': `${root}src/kubectl/main.ts`,
      'kubectl_complete-hostnet': `${root}src/kubectl/complete-main.ts`,
    },
    outdir,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    legalComments: 'linked',
    define: { __HOSTNET_VERSION__: JSON.stringify(version) },
    // CommonJS dependencies inside an ES module bundle need a real `require` for Node built-ins.
    banner: { js: "import { createRequire as __hostnetRequire } from 'node:module'; const require = __hostnetRequire(import.meta.url);" },
  });
  return `${outdir}/hostnet.js`;
}

/**
 * One module of src/ (and what it imports) bundled alone to `outfile`, compiled as the CLI is: for
 * benchmarks that call the model directly and must measure the code that ships, not a transpile-on-load.
 */
export async function bundleModule(entry, outfile) {
  await build({ ...COMMON, entryPoints: [`${root}${entry}`], outfile });
  return outfile;
}

/** Types of scripts/bundle.mjs for the TypeScript files that call it (benchmarks, tests). */
export function bundle(outdir: string, version: string): Promise<string>;
export function bundleModule(entry: string, outfile: string): Promise<string>;

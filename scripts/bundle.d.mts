/** Bundles the CLI into `outdir` (see scripts/bundle.mjs); returns the path of the entry file. */
export function bundle(outdir: string, version: string): Promise<string>;

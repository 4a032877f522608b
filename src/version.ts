/** The version, fixed into the bundle at build time; read from package.json when run from source. */
import { createRequire } from 'node:module';

declare const __HOSTNET_VERSION__: string | undefined;

export const VERSION: string =
  typeof __HOSTNET_VERSION__ === 'string'
    ? __HOSTNET_VERSION__
    : (createRequire(import.meta.url)('../package.json') as { version: string }).version;

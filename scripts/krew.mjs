// `npm run krew -- --base-url URL [--out DIR]`: the krew archive of the built bundle and its manifest,
// in dist-krew/ (or DIR).
// The archive is reproducible (sorted names, fixed times and owners, gzip without a timestamp), so its
// sha256 in the manifest names exactly one file.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const arg = (name) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const baseUrl = arg('--base-url');
if (!baseUrl || !/^https:\/\//.test(baseUrl)) {
  console.error('npm run krew -- --base-url https://HOST/PATH   (where the archive will be downloaded from)');
  process.exit(2);
}
if (!existsSync(join(root, 'dist', 'kubectl-hostnet.js'))) {
  console.error('dist/kubectl-hostnet.js is missing: run `npm run build` first');
  process.exit(2);
}
const version = `v${pkg.version}`;
const out = arg('--out') ?? join(root, 'dist-krew');
const stage = join(out, 'stage');
rmSync(out, { recursive: true, force: true });
mkdirSync(join(stage, 'kubectl-hostnet'), { recursive: true });
cpSync(join(root, 'dist'), join(stage, 'kubectl-hostnet'), { recursive: true });
cpSync(join(root, 'LICENSE'), join(stage, 'kubectl-hostnet', 'LICENSE'));
const archive = `kubectl-hostnet-${version}.tar.gz`;
const tar = spawnSync('sh', ['-c', 'tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$1" -cf - kubectl-hostnet | gzip -n -9 > "$2"', 'sh', stage, join(out, archive)], { stdio: 'inherit' });
if (tar.status !== 0) process.exit(tar.status ?? 1);
rmSync(stage, { recursive: true, force: true });
const sha256 = createHash('sha256').update(readFileSync(join(out, archive))).digest('hex');
const manifest = readFileSync(join(root, 'deploy', 'krew', 'hostnet.yaml'), 'utf8')
  .replace(/^(#.*\n)+/, '')
  .replaceAll('{{VERSION}}', version)
  .replaceAll('{{URI}}', `${baseUrl.replace(/\/+$/, '')}/${archive}`)
  .replaceAll('{{SHA256}}', sha256);
writeFileSync(join(out, 'hostnet.yaml'), manifest);
console.log(`${join(out, archive)} (sha256 ${sha256})\n${join(out, 'hostnet.yaml')}`);

// Runs the test suite with Node's own test runner: every test/**/*.test.ts file.
// `--unit` leaves out test/system (the tests that need root, namespaces and udevd).
// The tests run the CLI as users get it, the bundle in dist/, so the bundle is built first.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const unitOnly = process.argv.includes('--unit');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return unitOnly && path === join('test', 'system') ? [] : find(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const files = find('test').filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(2);
}
const system = files.filter((f) => f.startsWith(join('test', 'system'))).length;
const root = process.getuid?.() === 0;
console.error(`hostnet tests: ${files.length} files, ${system} of them on the real system (test/system).
  They run the built bundle (dist/), built first. The real-system tests need root and Debian's iproute2 udev
  tcpdump ethtool strace libvirt-clients libxml2-utils chromium (\`npm run setup\` installs them, as root);
  they create and delete their own network namespaces and never change the host's configuration.
  ${root ? 'Running as root.' : 'Not root: the real-system tests skip and say why.'}${process.env.CI === 'true' ? ' CI=true: a test that cannot run fails instead of skipping.' : ''}
  The whole suite takes about 5 minutes on 2 cores; a [progress] line reports each file as it ends.`);
const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=./scripts/test-progress.mjs', '--test-reporter-destination=stderr', ...files],
{ stdio: 'inherit', env: { ...process.env, HOSTNET_TEST_FILES: String(files.length) } });
process.exit(result.status ?? 1);

// The bundle users run (npm test builds it before any test, and tests must not rebuild it: others run
// it at the same time): it starts and answers like the source does.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = `${root}dist/hostnet.js`;

test('the bundle runs --version, --help, a check on a snapshot and a live collection', () => {
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
  const version = spawnSync(process.execPath, [dist, '--version'], { encoding: 'utf8' });
  assert.equal(version.status, 0, version.stderr);
  assert.equal(version.stdout.trim(), pkg.version);
  const help = spawnSync(process.execPath, [dist, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: hostnet/);
  const check = spawnSync(process.execPath, [dist, 'check', '--snapshot', `${root}test/fixtures/snapshots/minimal.json`, '--format', 'json'], { encoding: 'utf8' });
  assert.ok(check.status === 0 || check.status === 1, check.stderr);
  assert.equal(JSON.parse(check.stdout).schema, 'hostnet.report/v1');
  // A live collection of this process's own namespace needs no root; it runs the sysfs worker.
  const collect = spawnSync(process.execPath, [dist, 'collect'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(collect.status, 0, collect.stderr);
  const snapshot = JSON.parse(collect.stdout) as { interfaces: { name: string; addrAssignType: number | null }[]; gaps: { source: string }[] };
  assert.ok(!snapshot.gaps.some((g) => g.source === '/sys/class/net'), JSON.stringify(snapshot.gaps));
  assert.ok(snapshot.interfaces.some((i) => i.addrAssignType !== null), 'sysfs facts arrived from the worker');
});

// Running tools: runLarge (output through an unlinked temporary file) must give what run (a pipe)
// gives, for large outputs written in small pieces, for failures, missing tools and timeouts.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { run, runLarge } from '../../src/collect/exec.js';

const NODE = process.execPath;

test('runLarge returns a large output written in small pieces whole, as run does', async () => {
  // 200,000 writes of a line each, with multi-byte characters: the way ip -j writes a route table.
  const script = "for (let i = 0; i < 200000; i++) require('fs').writeSync(1, `{\"dst\":\"10.${i}\",\"dev\":\"é${i % 7}\"}\\n`)";
  const [viaFile, viaPipe] = await Promise.all([runLarge([NODE, '-e', script]), run([NODE, '-e', script])]);
  assert.ok(viaFile.ok && viaPipe.ok);
  assert.equal(viaFile.stdout.split('\n').length, 200_001);
  assert.equal(viaFile.stdout, viaPipe.stdout);
});

test('runLarge: empty output, a failing command, a missing tool and a timeout are what run reports', async () => {
  const cases: [string[], number][] = [
    [['true'], 60_000],
    [['sh', '-c', 'echo partial; echo "Cannot open netlink socket: Operation not permitted" >&2; exit 2'], 60_000],
    [['sh', '-c', 'echo "Error: something" >&2; exit 1'], 60_000],
    [['hostnet-no-such-tool', 'x'], 60_000],
    [['sleep', '5'], 300],
  ];
  for (const [argv, timeout] of cases) {
    const [viaFile, viaPipe] = await Promise.all([runLarge(argv, timeout), run(argv, timeout)]);
    assert.deepEqual(viaFile, viaPipe, argv.join(' '));
  }
  const timedOut = await runLarge(['sleep', '5'], 300);
  assert.deepEqual(timedOut, { ok: false, gap: { source: 'sleep 5', reason: 'timeout', detail: 'no answer within 0.3 s' } });
});

test('runLarge leaves no file behind, whatever the command did', async () => {
  await Promise.all([
    ...Array.from({ length: 10 }, () => runLarge(['echo', 'x'])),
    runLarge(['false']),
    runLarge(['hostnet-no-such-tool']),
    runLarge(['sleep', '5'], 100),
  ]);
  const mine = (dir: string) => readdirSync(dir).filter((f) => f.startsWith(`hostnet-${process.pid}-`));
  assert.deepEqual(['/dev/shm', tmpdir()].filter((d) => existsSync(d)).flatMap(mine), []);
});

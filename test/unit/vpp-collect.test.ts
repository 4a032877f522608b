// Collecting vppctl outputs: recorded when vppctl exists, nothing (and no gap) when it does not, a gap
// when it cannot reach VPP. vppctl is not installed on the test machines, so a stand-in script on PATH
// answers with recorded outputs.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { collectVpp, VPPCTL_COMMANDS } from '../../src/collect/vpp.js';
import { buildHost } from '../../src/model/host.js';
import { calicoVppInputs } from '../../src/model/vpp/inputs.js';
import { parseSnapshot } from '../../src/snapshot/load.js';
import { readFileSync } from 'node:fs';

async function withPath<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = `${dir}:/usr/bin:/bin`;
  try {
    return await fn();
  } finally {
    process.env.PATH = saved;
  }
}

test('vppctl present: every command recorded with its argv, and the inputs find them', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hn-vppctl-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fixture = (n: string): string => readFileSync(new URL(`../fixtures/vpp/${n}`, import.meta.url), 'utf8');
  writeFileSync(join(dir, 'addr.txt'), fixture('sh-int-addr.seed002.txt'));
  writeFileSync(join(dir, 'punt.txt'), fixture('sh-ip-punt-redirect.seed002.txt'));
  writeFileSync(join(dir, 'vppctl'), `#!/bin/sh
case "$*" in
  "show interface address") cat "${dir}/addr.txt" ;;
  "show ip punt redirect") cat "${dir}/punt.txt" ;;
  *) echo "" ;;
esac
`);
  chmodSync(join(dir, 'vppctl'), 0o755);
  const got = await withPath(dir, collectVpp);
  assert.deepEqual(got.gaps, []);
  assert.deepEqual(got.commands.map((c) => c.argv), VPPCTL_COMMANDS.map((a) => [...a]));
  const base = parseSnapshot(readFileSync(new URL('../fixtures/snapshots/minimal.json', import.meta.url), 'utf8'), 'm');
  const inputs = calicoVppInputs(buildHost({ ...base, commands: got.commands }));
  assert.equal(inputs.vppctl.interfaceAddress?.value[1]?.unnumberedOf, 'avf-0/d8/a/0');
  assert.equal(inputs.vppctl.puntRedirect?.value[0]?.paths[0]?.interface, 'tap0');
});

test('vppctl absent: nothing recorded, no gap; VPP not running: gaps', async (t) => {
  const empty = mkdtempSync(join(tmpdir(), 'hn-vppctl-none-'));
  t.after(() => rmSync(empty, { recursive: true, force: true }));
  assert.deepEqual(await withPath(empty, collectVpp), { commands: [], gaps: [] });
  writeFileSync(join(empty, 'vppctl'), '#!/bin/sh\necho "clib_socket_init: connect (fd 3, \'/run/vpp/cli.sock\'): No such file or directory" >&2\nexit 1\n');
  chmodSync(join(empty, 'vppctl'), 0o755);
  const down = await withPath(empty, collectVpp);
  assert.equal(down.commands.length, 0);
  assert.equal(down.gaps.length, VPPCTL_COMMANDS.length);
  assert.match(down.gaps[0]!.detail, /cli\.sock/);
});

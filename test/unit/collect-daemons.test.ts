// collect's record of the daemons: `systemctl is-active` keeps its answer whatever its exit code (3
// when a unit is inactive), the iptables nat table is kept raw, and the model reads both back. The
// tools are stand-ins on PATH that print what the real ones print.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { collectDaemons } from '../../src/collect/daemons.js';
import { cniChains } from '../../src/model/firewalld.js';
import { buildHost } from '../../src/model/host.js';
import { activeState } from '../../src/model/services.js';
import { parseSnapshot } from '../../src/snapshot/load.js';

async function withPath<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = dir;
  try {
    return await fn();
  } finally {
    process.env.PATH = saved;
  }
}

function tool(dir: string, name: string, script: string): void {
  writeFileSync(join(dir, name), `#!/bin/sh\n${script}\n`);
  chmodSync(join(dir, name), 0o755);
}

test('systemctl is-active exiting 3 is an answer; iptables-save is kept; the model reads both', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hn-daemons-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  tool(dir, 'systemctl', 'printf "active\\ninactive\\ninactive\\nactive\\n"; exit 3');
  tool(dir, 'iptables-save', 'printf "*nat\\n:PREROUTING ACCEPT [0:0]\\n:KUBE-SERVICES - [0:0]\\n:CNI-HOSTPORT-DNAT - [0:0]\\nCOMMIT\\n"');
  const got = await withPath(dir, () => collectDaemons(true));
  assert.deepEqual(got.gaps, []);
  assert.deepEqual(got.commands.map((c) => [c.argv[0], c.exitCode]), [['systemctl', 3], ['iptables-save', 0]]);
  const base = parseSnapshot(readFileSync(new URL('../fixtures/snapshots/minimal.json', import.meta.url), 'utf8'), 'm');
  const host = buildHost({ ...base, commands: got.commands });
  assert.equal(activeState(host, 'NetworkManager.service').state, 'active');
  assert.equal(activeState(host, 'firewalld.service').state, 'inactive');
  assert.equal(activeState(host, 'nm-cloud-setup.timer').state, 'active');
  assert.deepEqual(cniChains(host).chains, ['CNI-HOSTPORT-DNAT', 'KUBE-SERVICES']);
});

test('no systemd (systemctl prints nothing and fails), no iptables: gaps, not failures', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hn-daemons-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  tool(dir, 'systemctl', 'echo "System has not been booted with systemd as init system (PID 1). Can\'t operate." >&2; exit 1');
  const got = await withPath(dir, () => collectDaemons(true));
  assert.deepEqual(got.commands, []);
  assert.deepEqual(got.gaps.map((g) => [g.source.split(' ')[0], g.reason]), [['systemctl', 'failed'], ['iptables-save', 'missing-tool']]);
  assert.match(got.gaps[0]!.detail, /not been booted with systemd/);
});

test('systemd not init (no /run/systemd/system): systemctl is not run, the gap says why', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hn-daemons-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  tool(dir, 'systemctl', `touch ${join(dir, 'ran')}; echo active`);
  const got = await withPath(dir, () => collectDaemons(false));
  assert.equal(existsSync(join(dir, 'ran')), false, 'systemctl was run');
  assert.deepEqual(got.gaps.map((g) => [g.source.split(' ')[0], g.reason]), [['systemctl', 'unsupported'], ['iptables-save', 'missing-tool']]);
  assert.match(got.gaps[0]!.detail, /systemd is not this system's init/);
});

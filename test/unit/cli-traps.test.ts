/**
 * Options that used to trap a newcomer, and the exit codes of docs/output.md#exit-codes, from the
 * command line as users run it (the bundle).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hostnet, hostnetArgv } from '../helpers/system.js';

const PREDEPLOY = 'examples/vpp-e810-predeploy/snapshot.json';
const REWRITTEN = 'examples/vpp-e810-mac-rewritten/snapshot.json';

test('nad check --values FILE before the NAD files leaves the NAD files to the command', () => {
  const r = hostnet(['nad', 'check', '--values', 'examples/cnf-macvlan/values.yaml', 'examples/cnf-macvlan/nads.yaml', '--config-only']);
  assert.ok([0, 1].includes(r.code), r.stderr);
  assert.match(r.stdout, /2 NetworkAttachmentDefinitions from examples\/cnf-macvlan\/nads\.yaml with values examples\/cnf-macvlan\/values\.yaml/);
  const two = hostnet(['nad', 'check', '--values', 'examples/cnf-macvlan/values.yaml', '--values', 'examples/cnf-macvlan/values-broken.yaml', 'examples/cnf-macvlan/nads.yaml', '--config-only']);
  assert.match(two.stdout, /with values examples\/cnf-macvlan\/values\.yaml, examples\/cnf-macvlan\/values-broken\.yaml/);
});

test('an unknown rule id is an error naming the closest known ones', () => {
  const typo = hostnet(['check', '--snapshot', PREDEPLOY, '--ignore', 'link/mac-polcy-race']);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /^hostnet: --ignore link\/mac-polcy-race: no rule has this id\n {2}hint: the closest known: link\/mac-policy-race, /);
  assert.equal(typo.stdout, '');
  const none = hostnet(['fix', '--snapshot', PREDEPLOY, '--rule', 'no/such-rule']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /--rule no\/such-rule: no rule has this id/);
  const known = hostnet(['check', '--snapshot', PREDEPLOY, '--ignore', 'link/mac-policy-race', '--ignore', 'vpp/tap-mac']);
  assert.ok([0, 1].includes(known.code), known.stderr);
});

test('fix: --out with --apply is refused; --out lists the files instead of the diff', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hn-fix-out-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const both = hostnet(['fix', '--snapshot', REWRITTEN, '--apply', '--out', dir]);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--out and --apply cannot be combined/);
  const out = hostnet(['fix', '--snapshot', REWRITTEN, '--out', dir]);
  assert.equal(out.code, 1, 'the findings the fixes are for are errors');
  assert.doesNotMatch(out.stdout, /^\+\+\+|^@@/m, 'no diff');
  const path = join(dir, 'etc/systemd/network/10-hostnet-keep-mac-tun.link');
  assert.match(out.stdout, new RegExp(`^wrote 1 file below ${dir}:\\n {2}${path} {2}\\(fixes link/mac-policy-race on ens2f0, link/mac-rewritten-by-udev on ens2f0\\)\\n$`));
  assert.ok(existsSync(path));
});

test('fix exits 1 while it shows fixes for findings at or above --fail-on, 0 when there are none', () => {
  const shown = hostnet(['fix', '--snapshot', REWRITTEN]);
  assert.equal(shown.code, 1, shown.stderr);
  assert.match(shown.stdout, /\+\+\+ \/etc\/systemd\/network\/10-hostnet-keep-mac-tun\.link/);
  const clean = hostnet(['fix', '--snapshot', 'examples/vpp-e810-fixed/snapshot.json']);
  assert.equal(clean.code, 0, clean.stdout);
});

test('file errors are words naming the file, not ENOENT or EISDIR', () => {
  const missing = hostnet(['check', '--snapshot', 'no/such/file.json']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^hostnet: no\/such\/file\.json: cannot read snapshot: no such file or directory\n/);
  const dir = hostnet(['check', '--snapshot', PREDEPLOY, '--input', 'calico-vpp-config=examples']);
  assert.equal(dir.code, 2);
  assert.match(dir.stderr, /^hostnet: examples: .*is a directory, not a file/);
  const out = hostnet(['check', '--snapshot', PREDEPLOY, '-o', 'examples']);
  assert.equal(out.code, 2);
  assert.match(out.stderr, /examples: cannot write output: is a directory, not a file/);
  for (const r of [missing, dir, out]) assert.doesNotMatch(r.stderr, /E[A-Z]{3,}\b/, 'no error code in the message');
});

test('the process is called hostnet, so `pidof hostnet` finds it', async () => {
  const [node, ...argv] = hostnetArgv(['nad', 'check', '-', '--config-only']);
  const child = spawn(node!, argv, { stdio: ['pipe', 'ignore', 'ignore'] });
  try {
    // It waits for the NADs on stdin; by then main() has named the process.
    let comm = '';
    for (let i = 0; i < 50 && comm !== 'hostnet'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      comm = readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim();
    }
    assert.equal(comm, 'hostnet');
  } finally {
    child.stdin.end();
    child.kill();
  }
});

test('a reader that closes the pipe early ends hostnet quietly, with the exit code so far', async () => {
  // `hostnet check ... | head -1`: the shell's pipe, reproduced with a reader that closes it before
  // hostnet writes (so every run meets the closed pipe, not only the ones head wins).
  const [cmd, ...args] = hostnetArgv(['check', '--snapshot', REWRITTEN, '--format', 'json']);
  const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.doesNotMatch(stderr, /EPIPE|node:events|at /, stderr);
  assert.ok(code === 0 || code === 1, `exit code ${code}: ${stderr}`);
});

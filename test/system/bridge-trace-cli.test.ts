// `hostnet trace frame` and the lab inputs from the command line: output shapes, exit codes, and the
// messages a user gets for bad input (one line naming what and where, exit 2, no stack trace).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { hostnet } from '../helpers/system.js';

const EX = fileURLToPath(new URL('../../examples/lab-lacp/', import.meta.url));
const BEFORE = join(EX, 'kvm-host-before.json');

test('trace frame from a snapshot: text and JSON agree, several frames give an array', () => {
  const text = hostnet(['trace', 'frame', '--snapshot', BEFORE, '--bridge', 't5_br9', '--in', 'vnet19', '--proto', 'lacp']);
  assert.equal(text.code, 1, text.stderr); // not forwarded: exit 1, as check exits 1 on a finding
  assert.match(text.stdout, /^verdict: local: passed up on vnet19, not forwarded$/m);
  const one = hostnet(['trace', 'frame', '--snapshot', BEFORE, '--bridge', 't5_br9', '--in', 'vnet19', '--dst', '01-80-C2-00-00-02', '--format', 'json']);
  const j = JSON.parse(one.stdout);
  assert.deepEqual([j.verdict, j.egress, j.passedUpOn, j.protocol], ['local', [], ['vnet19'], 'lacp']);
  assert.ok(j.steps.every((s: Record<string, unknown>) => typeof s.stage === 'string' && typeof s.reason === 'string'));
  const forwarded = hostnet(['trace', 'frame', '--snapshot', BEFORE, '--bridge', 't5_br9', '--in', 'vnet12', '--proto', 'broadcast']);
  assert.equal(forwarded.code, 0, forwarded.stderr);
  const many = JSON.parse(hostnet(['trace', 'frame', '--snapshot', BEFORE, '--bridge', 't5_br9', '--in', 'vnet12', '--proto', 'stp', 'lldp', 'broadcast', '--format', 'json']).stdout);
  assert.deepEqual(many.map((t: { verdict: string }) => t.verdict), ['forwarded', 'local', 'forwarded']);
});

test('trace frame: bad bridge, port, address or protocol is one message and exit 2', () => {
  const cases: [string[], RegExp][] = [
    [['--bridge', 'nobr', '--in', 'vnet19', '--proto', 'lacp'], /nobr is not a bridge here\n {2}hint: bridges: t5_br1, /],
    [['--bridge', 't5_br9', '--in', 'vnet1', '--proto', 'lacp'], /vnet1 is not a port of t5_br9\n {2}hint: ports of t5_br9: vnet12, vnet19/],
    [['--bridge', 't5_br9', '--in', 'vnet19', '--dst', '01:80:c2:00:00'], /--dst "01:80:c2:00:00" is not a MAC address/],
    [['--bridge', 't5_br9', '--in', 'vnet19', '--proto', 'bpdu'], /unknown protocol "bpdu"\n {2}hint: one of stp, pause, lacp/],
    [['--bridge', 't5_br9', '--in', 'vnet19'], /give --dst MAC or --proto NAME/],
  ];
  for (const [args, message] of cases) {
    const r = hostnet(['trace', 'frame', '--snapshot', BEFORE, ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, 'no stack trace');
  }
  const help = hostnet(['trace', 'frame', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Examples:\n {2}npx hostnet trace frame --snapshot examples\/lab-lacp\/kvm-host-before\.json --bridge t5_br9 --in vnet19 --proto lacp/);
});

test('check with the lab intent: findings exit 1; a broken intent or libvirt file names its line, exit 2', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hn-bridge-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ok = hostnet(['check', '--snapshot', BEFORE, '--input', `lab-intent=${join(EX, 'intent.yaml')}`, '--format', 'json']);
  assert.equal(ok.code, 1);
  const ids = JSON.parse(ok.stdout).findings.map((f: { ruleId: string }) => f.ruleId);
  assert.equal(ids.filter((x: string) => x === 'bridge/l2-control-blocked').length, 11);
  assert.ok(ids.includes('libvirt/virtio-in-lacp-bond'));
  const after = hostnet(['check', '--snapshot', join(EX, 'kvm-host-after.json'), '--input', `lab-intent=${join(EX, 'intent.yaml')}`]);
  assert.equal(after.code, 0, after.stdout);

  writeFileSync(join(dir, 'intent.yaml'), 'links:\n  - bridge: t5_br9\n    carries: [lacp, lldpp]\n');
  const bad = hostnet(['check', '--snapshot', BEFORE, '--input', `lab-intent=${join(dir, 'intent.yaml')}`]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, new RegExp(`${join(dir, 'intent.yaml')}:3: links\\.0\\.carries\\.1: one of stp, lacp`));
  writeFileSync(join(dir, 'vm.xml'), '<domain>\n  <name>x</name>\n  <devices>\n</domain>\n');
  const xml = hostnet(['check', '--snapshot', BEFORE, '--input', `libvirt-domain=${join(dir, 'vm.xml')}`]);
  assert.equal(xml.code, 2);
  assert.match(xml.stderr, new RegExp(`${join(dir, 'vm.xml')}:4: not well-formed XML`));
  const bond = hostnet(['check', '--snapshot', BEFORE, '--input', `proc-net-bonding=${join(EX, 'server1/before/bond0')}`, '--format', 'json']);
  assert.ok(JSON.parse(bond.stdout).findings.some((f: { ruleId: string }) => f.ruleId === 'bond/speed-duplex-unknown'));
});

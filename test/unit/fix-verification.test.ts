// How each fix is verified: every fix of every finding on the examples says how it was checked; no fix
// is verified by the state its own commands declare; the MAC fixes are checked by the race explorer on
// the next tap with their .link file, and the restore is stated apart.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildHost } from '../../src/model/host.js';
import { runChecks, verifyFix } from '../../src/rules/engine.js';
import { ALL_RULES } from '../../src/rules/index.js';
import type { Finding } from '../../src/rules/types.js';
import { parseSnapshot } from '../../src/snapshot/load.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { hostnet } from '../helpers/system.js';
import { bridge, file, fixture, iface, port, snapshot } from './bridge-lab-helpers.js';

const EXAMPLES = [
  'calico-vpp-broken/snapshot.json', 'calico-vpp-healthy/snapshot.json', 'calico-vpp-predeploy/snapshot.json',
  'vpp-e810-mac-rewritten/snapshot.json', 'vpp-e810-predeploy/snapshot.json', 'vpp-e810-fixed/snapshot.json',
  'lab hypervisor', 'lab guest',
];
const load = (p: string): Snapshot => parseSnapshot(readFileSync(new URL(`../../examples/${p}`, import.meta.url), 'utf8'), p);
const findings = (p: string): Finding[] => runChecks(buildHost(HOSTS[p] ?? load(p)), ALL_RULES).findings;

// The seed's hypervisor (bridges standing for wires, virtio NICs in a bond) and its guest (the bond).
const HOSTS: Record<string, Snapshot> = {
  'lab hypervisor': snapshot([
    bridge('t5_br9', 10), bridge('t5_br10', 11),
    port('vnet4', 20, 't5_br9', { mac: 'fe:54:00:5e:00:14' }), port('vnet15', 21, 't5_br9', { mac: 'fe:54:00:5e:01:04' }),
    port('vnet7', 22, 't5_br10', { mac: 'fe:54:00:5e:00:24' }), port('vnet16', 23, 't5_br10', { mac: 'fe:54:00:5e:01:05' }),
  ], [
    file('/etc/libvirt/qemu/t5_server1.xml', fixture('libvirt/server1.xml')),
    file('/run/libvirt/qemu/t5_server1.xml', fixture('libvirt/server1-live.xml')),
    file('/lab/intent.yaml', 'links:\n  - name: leaf1-server1\n    bridge: t5_br9\n    carries: [lacp, lldp]\nbonds:\n  - vm: t5_server1\n    members: [52:54:00:5e:01:04, 52:54:00:5e:01:05]\n', 'lab-intent'),
  ], '6.1.0-18-amd64'),
  'lab guest': snapshot([
    iface('ens4', 3, { driver: 'virtio_net', master: 'bond0', slaveKind: 'bond', speed: null, duplex: 'unknown' }),
    iface('ens5', 4, { driver: 'virtio_net', master: 'bond0', slaveKind: 'bond', speed: null, duplex: 'unknown' }),
  ], [file('/proc/net/bonding/bond0', fixture('bonding/virtio-unknown-speed.txt'))], '6.1.0-18-amd64'),
};

test('every fix on the examples carries its verification; none is verified by its declared state alone', () => {
  let fixes = 0;
  let verified = 0;
  for (const p of EXAMPLES) {
    for (const f of findings(p)) {
      for (const fix of f.fixes) {
        fixes++;
        const v = fix.verification;
        assert.ok(v, `${p} ${f.ruleId}: no verification`);
        assert.equal(fix.verified, v.verified);
        assert.match(v.summary, v.verified ? /^verified: / : /^unverified: /);
        if (!v.verified) continue;
        verified++;
        assert.ok(v.checks.every((c) => c.passed), `${p} ${f.ruleId}: verified with a failed check`);
        assert.ok(v.checks.some((c) => c.method !== 'declared-state'), `${p} ${f.ruleId}: verified by its declared state alone`);
      }
    }
  }
  // The examples must exercise both outcomes, or this test says little.
  assert.ok(fixes >= 10 && verified >= 4 && verified < fixes, `fixes ${fixes}, verified ${verified}`);
});

test('vpp/tap-mac carries the .link its title names; the race explorer checks it on the next tap, the restore is stated apart', () => {
  const f = findings('calico-vpp-broken/snapshot.json').find((x) => x.ruleId === 'vpp/tap-mac')!;
  const fix = f.fixes[0]!;
  assert.equal(fix.files.length, 1);
  assert.match(fix.files[0]!.path, /^\/etc\/systemd\/network\/\d+-hostnet-keep-mac-tun\.link$/);
  assert.match(fix.files[0]!.content, /Driver=tun[\s\S]*MACAddressPolicy=none/);
  assert.ok(fix.title.includes(fix.files[0]!.path));
  assert.deepEqual(fix.verification!.checks.map((c) => [c.method, c.passed]), [['race-explorer', true], ['declared-state', true], ['real-system', true]]);
  assert.match(fix.verification!.checks[0]!.detail, /orderings of the next \S+ tap's bring-up .*: none ends without/);
});

test('link/mac-rewritten-by-udev: verified by the race explorer with the files (next tap) and by the MAC restore (now), each stated', () => {
  const f = findings('vpp-e810-mac-rewritten/snapshot.json').find((x) => x.ruleId === 'link/mac-rewritten-by-udev')!;
  const v = f.fixes[0]!.verification!;
  assert.deepEqual(v.checks.map((c) => [c.method, c.passed]), [['race-explorer', true], ['declared-state', true], ['real-system', true]]);
  assert.equal(v.verified, true);
});

test('the race check looks at the files only: a fix whose .link file does nothing is not verified by its MAC restore', () => {
  const s = load('vpp-e810-mac-rewritten/snapshot.json');
  const host = buildHost(s);
  const rule = ALL_RULES.find((r) => r.meta.id === 'link/mac-rewritten-by-udev')!;
  const f = rule.check(host)[0]!;
  // The same fix with a .link that matches nothing: the restore alone still clears the finding.
  const hollow = { ...f.fixes[0]!, files: f.fixes[0]!.files.map((x) => ({ ...x, content: x.content.replace(/Driver=\S+/, 'Driver=no-such-driver') })) };
  const v = verifyFix(host, rule, f, hollow);
  assert.equal(v.verified, false);
  assert.deepEqual(v.checks.map((c) => [c.method, c.passed]), [['race-explorer', false], ['declared-state', true], ['real-system', true]]);
  assert.match(v.summary, /still end without/);
});

test('a fix that only declares a state change is unverified, and says so', () => {
  const rule = ALL_RULES.find((r) => r.meta.id === 'link/mac-rewritten-by-udev')!;
  const host = buildHost(load('vpp-e810-mac-rewritten/snapshot.json'));
  const f = rule.check(host)[0]!;
  const declaredOnly = { title: 'set the MAC back', files: [], changes: f.fixes[0]!.changes, commands: ['ip link set ...'] };
  const v = verifyFix(host, rule, f, declaredOnly);
  assert.equal(v.verified, false);
  assert.match(v.summary, /only the state its own commands declare clears the finding/);
});

test('advice without files or a modelled effect is unverified as advice', () => {
  const rule = ALL_RULES.find((r) => r.meta.id === 'link/mac-rewritten-by-udev')!;
  const host = buildHost(load('vpp-e810-mac-rewritten/snapshot.json'));
  const f = rule.check(host)[0]!;
  const v = verifyFix(host, rule, f, { title: 'ask someone', files: [], commands: [] });
  assert.deepEqual([v.verified, v.checks.length], [false, 0]);
  assert.match(v.summary, /advice only/);
});

test('every test a fix names as its real-system check exists', () => {
  for (const p of EXAMPLES) {
    for (const f of findings(p)) {
      for (const fix of f.fixes) {
        if (fix.testedBy) assert.ok(existsSync(new URL(`../../${fix.testedBy.test}`, import.meta.url)), `${f.ruleId} names ${fix.testedBy.test}`);
      }
    }
  }
});

test('every output format shows how the fix was checked, not a bare yes', () => {
  const snap = 'examples/vpp-e810-mac-rewritten/snapshot.json';
  const dir = mkdtempSync(join(tmpdir(), 'hn-verif-'));
  try {
    const run = (args: string[]) => hostnet(['check', '--snapshot', snap, ...args]).stdout;
    const race = /the race explorer ran all \d+ orderings of the next ens2f0 tap's bring-up/;
    const text = run([]);
    assert.match(text, /\n {6}verified:\n {8}- with \/etc\/systemd\/network\/10-hostnet-keep-mac-tun\.link in place, link\/mac-policy-race no longer reports it\n/);
    assert.match(text, race);
    assert.doesNotMatch(text, /the finding is gone with it/);
    const json = JSON.parse(run(['--format', 'json'])) as { findings: Finding[] };
    for (const f of json.findings) for (const x of f.fixes) assert.ok(x.verification && x.verification.checks.length > 0 && !('verifyBy' in x));
    const sarif = JSON.parse(run(['--format', 'sarif'])) as { runs: { results: { properties: { fixVerification: { summary: string; checks: unknown[] }[] }; fixes?: { description: { text: string } }[] }[] }[] };
    for (const r of sarif.runs[0]!.results) {
      assert.ok(r.properties.fixVerification.every((v) => v.checks.length > 0 && /^verified: /.test(v.summary)));
      assert.ok((r.fixes ?? []).every((x) => /\(verified: /.test(x.description.text)));
    }
    assert.match(run(['--format', 'junit']), race);
    const html = join(dir, 'r.html');
    hostnet(['report', '--snapshot', snap, '-o', html]);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /<p class="verified">Verified:<\/p><ul class="verified"><li>with \/etc\/systemd\/network\/10-hostnet-keep-mac-tun\.link in place/);
    assert.match(page, /the race explorer ran all \d+ orderings of the next ens2f0 tap(&#39;|&#x27;|')s bring-up/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

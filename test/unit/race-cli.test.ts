// `hostnet race` end to end from source: exit codes, text timeline, JSON, --with-fix, bad input.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hostnet } from '../helpers/system.js';

const EXAMPLE = new URL('../../examples/vpp-e810-predeploy/snapshot.json', import.meta.url).pathname;

test('race on the seed node: exit 1, the losing timeline, the exact share', () => {
  const r = hostnet(['race', '--snapshot', EXAMPLE]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /ens2f0: Calico\/VPP tap replacing uplink ens2f0; VPP holds 40:a6:b7:3c:1e:50/);
  assert.match(r.stdout, /t0 kernel creates tap ens2f0 \(random MAC, addr_assign_type=1 random\)/);
  assert.match(r.stdout, /t1 udevd handles the add event of ens2f0: reads addr_assign_type=1 \(random\) → \/lib\/systemd\/network\/99-default\.link:16 MACAddressPolicy → persistent, will write [0-9a-f:]{17}/);
  assert.match(r.stdout, /t5 VPP sets the MAC of ens2f0 to 40:a6:b7:3c:1e:50/);
  assert.match(r.stdout, /t6 udevd writes [0-9a-f:]{17} to ens2f0/);
  assert.match(r.stdout, /→ LOST: tap MAC [0-9a-f:]{17} ≠ uplink MAC in VPP 40:a6:b7:3c:1e:50/);
  assert.match(r.stdout, /losing: 4 \(26\.67%\)/);
});

test('race --with-fix: exit 0, zero losing orderings, names the fix file', () => {
  const r = hostnet(['race', '--snapshot', EXAMPLE, '--with-fix']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /fix file: \/etc\/systemd\/network\/10-hostnet-keep-mac-tun\.link/);
  assert.match(r.stdout, /losing: 0 \(0\.00%\)/);
  assert.match(r.stdout, /No ordering loses with the fix applied\./);
});

test('race --format json -o FILE: counts, share and the counterexample steps', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostnet-race-'));
  try {
    const out = join(dir, 'race.json');
    const r = hostnet(['race', '--snapshot', EXAMPLE, '--format', 'json', '-o', out, '--replay']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    const j = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(j.withFix, false);
    assert.equal(j.reduction, true);
    assert.equal(typeof j.orderings, 'string');
    assert.equal(BigInt(j.losing) * 1000n / BigInt(j.orderings), BigInt(Math.floor(j.losingShare * 1000)));
    const tap = j.taps[0];
    assert.equal(tap.name, 'ens2f0');
    assert.deepEqual(tap.actors, ['kernel', 'udevd', 'vpp', 'admin']);
    assert.equal(tap.counterexample.at(-1).actor, 'udevd');
    assert.ok(tap.counterexample.every((s: { t: number }, i: number) => s.t === i));
    assert.equal(BigInt(tap.byOutcome.won) + BigInt(tap.byOutcome.lost) + BigInt(tap.byOutcome.unknown), BigInt(tap.orderings));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('race --naive executes every ordering and agrees with the reduced exploration', () => {
  const reduced = JSON.parse(hostnet(['race', '--snapshot', EXAMPLE, '--format', 'json']).stdout);
  const naive = JSON.parse(hostnet(['race', '--snapshot', EXAMPLE, '--format', 'json', '--naive']).stdout);
  assert.equal(naive.reduction, false);
  assert.equal(naive.losing, reduced.losing);
  assert.equal(naive.orderings, reduced.orderings);
  assert.equal(naive.tracesExplored, Number(naive.orderings));
  assert.ok(reduced.tracesExplored < naive.tracesExplored);
});

test('race exits 2 with a clear message when there is nothing to explore or the input is bad', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostnet-race-'));
  try {
    const s = JSON.parse(readFileSync(EXAMPLE, 'utf8'));
    s.files = s.files.filter((f: { role: string | null }) => f.role !== 'calico-vpp-config');
    const bare = join(dir, 'bare.json');
    writeFileSync(bare, JSON.stringify(s));
    const none = hostnet(['race', '--snapshot', bare]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no Calico\/VPP uplink to explore/);
    assert.match(none.stderr, /--input calico-vpp-config=FILE/);
    assert.doesNotMatch(none.stderr, /at .*\.ts:\d+/);

    const wrong = hostnet(['race', '--snapshot', EXAMPLE, '--uplink', 'eth9']);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /eth9 is not a Calico\/VPP uplink here/);
    assert.match(wrong.stderr, /uplinks: ens2f0/);

    const missing = hostnet(['race', '--snapshot', join(dir, 'nope.json')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.json/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('race exits 2 when the MAC VPP holds for the uplink cannot be known', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostnet-race-'));
  try {
    // The uplink NIC is not in the snapshot and there is no vppctl output: the expected MAC is unknown.
    const s = JSON.parse(readFileSync(EXAMPLE, 'utf8'));
    s.interfaces = s.interfaces.filter((i: { name: string }) => i.name !== 'ens2f0');
    const file = join(dir, 'no-nic.json');
    writeFileSync(file, JSON.stringify(s));
    const r = hostnet(['race', '--snapshot', file]);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stdout, /unknown: 15 \(100\.00%\)/);
    assert.match(r.stdout, /the MAC VPP holds for ens2f0 is not known/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('race --help shows examples and exit codes', () => {
  const r = hostnet(['race', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--with-fix/);
  assert.match(r.stdout, /Exit codes: 0 no ordering loses, 1 some ordering loses, 2 could not evaluate/);
  assert.match(r.stdout, /hostnet race --snapshot examples\/vpp-e810-predeploy\/snapshot\.json --with-fix/);
});

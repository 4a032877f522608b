// examples/lab-lacp shows real output: what hostnet prints today for the committed snapshots must be
// what the README and output/ show (build.sh regenerates everything, as root, from scratch).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { hostnet } from '../helpers/system.js';
import { assertSameText } from '../helpers/text.js';

const EX = fileURLToPath(new URL('../../examples/lab-lacp/', import.meta.url));
const out = (name: string) => readFileSync(join(EX, 'output', name), 'utf8');
/**
 * Input paths are printed absolute, so the recorded pages name the checkout build.sh ran in and the
 * test prints this checkout's; both are cut down to the example's own files. The rule count and the
 * summary of what was looked at change as rules are added elsewhere.
 */
const stable = (text: string) => text.replace(/\S*\/examples\/lab-lacp\//g, '').split('\n').filter((l) => !/^\d+ rules run/.test(l)).join('\n');

test('the example traces are what trace frame prints for the committed snapshots', () => {
  // trace frame exits 1 for a frame that is not forwarded (the LACPDU before the fix).
  const cases: [string, string[], number][] = [
    ['trace-lacp-before.txt', ['--snapshot', join(EX, 'kvm-host-before.json'), '--bridge', 't5_br9', '--in', 'vnet19', '--proto', 'lacp'], 1],
    ['trace-lacp-after.txt', ['--snapshot', join(EX, 'kvm-host-after.json'), '--bridge', 't5_br9', '--in', 'vnet19', '--proto', 'lacp'], 0],
    ['trace-leaf1-after.txt', ['--snapshot', join(EX, 'kvm-host-after.json'), '--bridge', 't5_br9', '--in', 'vnet12', '--proto', 'lacp', 'lldp', 'stp'], 0],
  ];
  for (const [file, args, code] of cases) {
    const r = hostnet(['trace', 'frame', ...args]);
    assert.equal(r.code, code, `${file}: ${r.stderr}`);
    assertSameText(r.stdout, out(file), file, r.stderr);
  }
});

test('the example checks find what output/ shows, before and after the fixes', () => {
  const cases: [string, string[], number][] = [
    ['check-kvm-before.txt', ['--snapshot', join(EX, 'kvm-host-before.json'), '--input', `lab-intent=${join(EX, 'intent.yaml')}`], 1],
    ['check-kvm-after.txt', ['--snapshot', join(EX, 'kvm-host-after.json'), '--input', `lab-intent=${join(EX, 'intent.yaml')}`], 0],
    ['check-server1-before.txt', ['--snapshot', join(EX, 'server1-guest.json'), '--input', `proc-net-bonding=${join(EX, 'server1/before/bond0')}`], 1],
    ['check-server1-after.txt', ['--snapshot', join(EX, 'server1-guest.json'), '--input', `proc-net-bonding=${join(EX, 'server1/after/bond0')}`], 0],
  ];
  for (const [file, args, code] of cases) {
    const r = hostnet(['check', ...args]);
    assert.equal(r.code, code, `${file}: ${r.stderr}`);
    assertSameText(stable(r.stdout.replace(/^hostnet check: .*\n/, '')), stable(out(file).replace(/^hostnet check: .*\n/, '')), file, r.stderr);
  }
});

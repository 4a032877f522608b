// vppctl show errors (both layouts), the l3 mac mismatch rule, and show hardware-interfaces pasted
// without its indentation.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildHost } from '../../src/model/host.js';
import { l3MacMismatch } from '../../src/rules/vpp/l3-mac-mismatch.js';
import { runChecks } from '../../src/rules/engine.js';
import { parseSnapshot } from '../../src/snapshot/load.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { parseShowErrors, parseShowHardwareInterfaces } from '../../src/sources/vppctl.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/vpp/${name}`, import.meta.url), 'utf8');
const example = (p: string): Snapshot => parseSnapshot(readFileSync(new URL(`../../examples/${p}`, import.meta.url), 'utf8'), p);
const withErrors = (s: Snapshot, text: string): Snapshot => ({ ...s, files: [...s.files, { path: '/tmp/sh-err.txt', content: text, mask: null, role: 'vppctl-show-errors' }] });

test('show errors: the 2016 layout as pasted in VPP-314, and the layout with severities', () => {
  const old = parseShowErrors(fixture('sh-errors.vpp-314-pasted.txt'), 'a');
  assert.deepEqual(old.diagnostics, []);
  assert.deepEqual(old.value.map((e) => [e.count, e.node, e.reason, e.severity]), [
    [26954731, 'vpe-icmp4-oam', 'vpe icmp4 oam replies processed', null],
    [26954758, 'vxlan-encap', 'good packets encapsulated', null],
    [53909489, 'l2-output', 'L2 output packets', null],
    [53909489, 'l2-input', 'L2 input packets', null],
  ]);
  const now = parseShowErrors(fixture('sh-errors.l3-mac-mismatch.txt'), 'b');
  assert.deepEqual(now.diagnostics, []);
  assert.deepEqual(now.value.map((e) => [e.count, e.node, e.reason, e.severity, e.line]), [
    [1423, 'ethernet-input', 'l3 mac mismatch', 'error', 2],
    [12, 'ethernet-input', 'unknown ethernet type', 'error', 3],
    [3, 'ethernet-input', 'unknown vlan', 'error', 4],
  ]);
  const junk = parseShowErrors('hello there\n', 'c');
  assert.equal(junk.value.length, 0);
  assert.match(junk.diagnostics.map((d) => d.message).join('\n'), /show errors/);
});

test('l3 mac mismatch: on the broken example it names the tap-mac cause; silent without the counter', () => {
  const broken = runChecks(buildHost(withErrors(example('calico-vpp-broken/snapshot.json'), fixture('sh-errors.l3-mac-mismatch.txt'))), [l3MacMismatch]).findings;
  assert.equal(broken.length, 1);
  assert.match(broken[0]!.message, /VPP dropped 1423 frame\(s\) in ethernet-input as "l3 mac mismatch"/);
  assert.match(broken[0]!.message, /vpp\/tap-mac/);
  assert.deepEqual(broken[0]!.evidence[0], { message: 'ethernet-input: 1423 l3 mac mismatch', file: '/tmp/sh-err.txt', line: 2, value: '1423' });
  assert.ok(broken[0]!.evidence.some((e) => /^and vpp\/tap-mac/.test(e.message)));
  const healthy = example('calico-vpp-healthy/snapshot.json');
  const f = runChecks(buildHost(withErrors(healthy, fixture('sh-errors.l3-mac-mismatch.txt'))), [l3MacMismatch]).findings;
  assert.equal(f.length, 1, 'the counter alone is evidence');
  assert.match(f[0]!.message, /changed behind VPP's back/);
  assert.equal(runChecks(buildHost(withErrors(healthy, fixture('sh-errors.vpp-314-pasted.txt'))), [l3MacMismatch]).findings.length, 0);
  assert.equal(runChecks(buildHost(healthy), [l3MacMismatch]).findings.length, 0);
});

const HARDWARE = ['sh-hardware.avf-pastebin.txt', 'sh-hardware.bond-pastebin.txt', 'sh-hardware.v18-cli-doc.txt', 'sh-hardware.v21-tap-rst.txt'];

test('show hardware-interfaces pasted without indentation reads as the original (docs/calico-vpp.md)', () => {
  for (const name of HARDWARE) {
    const text = fixture(name);
    const original = parseShowHardwareInterfaces(text, name);
    const pasted = parseShowHardwareInterfaces(text.split('\n').map((l) => l.trimStart()).join('\n'), name);
    assert.deepEqual(pasted.diagnostics, original.diagnostics, name);
    assert.deepEqual(pasted.value, original.value, name);
  }
});

test('property: any mix of lost indentation and a prompt line leaves the interfaces and MACs unchanged', () => {
  fc.assert(fc.property(fc.constantFrom(...HARDWARE), fc.infiniteStream(fc.boolean()), fc.boolean(), (name, strip, prompt) => {
    const text = fixture(name);
    const mangled = (prompt ? 'vpp# show hardware-interfaces\n' : '') + text.split('\n').map((l) => (strip.next().value ? l.trimStart() : l)).join('\n');
    const a = parseShowHardwareInterfaces(text, name).value;
    const b = parseShowHardwareInterfaces(mangled, name).value;
    assert.deepEqual(b.map((h) => [h.name, h.hwIfIndex, h.linkUp, h.mac]), a.map((h) => [h.name, h.hwIfIndex, h.linkUp, h.mac]));
  }), { numRuns: 100 });
});

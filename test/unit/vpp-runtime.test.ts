// vppctl `show runtime`: read as src/vlib/node_cli.c prints it (threads, rates, one row per graph node),
// from VPP's own published sample; shown beside vpp/l3-mac-mismatch as the frames ethernet-input handled.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildHost } from '../../src/model/host.js';
import { runChecks } from '../../src/rules/engine.js';
import { l3MacMismatch } from '../../src/rules/vpp/l3-mac-mismatch.js';
import { parseSnapshot } from '../../src/snapshot/load.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { parseShowRuntime } from '../../src/sources/vppctl.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/vpp/${name}`, import.meta.url), 'utf8');
const example = (p: string): Snapshot => parseSnapshot(readFileSync(new URL(`../../examples/${p}`, import.meta.url), 'utf8'), p);

test("show run from VPP's handoffdemo README: two workers, their nodes, states with spaces or not", () => {
  const r = parseShowRuntime(fixture('sh-run.handoffdemo-readme.txt'), 'run.txt');
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.value.map((t) => [t.index, t.name, t.lcore, t.time, t.rateIn, t.nodes.length]), [[1, 'vpp_wk_0', 0, 133.9, 0.037331, 3], [2, 'vpp_wk_1', 2, 133.9, 0, 4]]);
  const pg = r.value[0]!.nodes[1]!;
  assert.deepEqual([pg.name, pg.state, pg.calls, pg.vectors, pg.suspends, pg.clocks, pg.vectorsPerCall, pg.line], ['pg-input', 'disabled', 2, 5, 0, 55800, 2.5, 7]);
});

test('without workers there is no Thread line; process nodes have states of two words; junk is left out with a diagnostic', () => {
  const main = 'Time 6152.9, average vectors/node 0.00, last 128 main loops 0.00 per node 0.00\n  vector rates in 0.0000e0, out 0.0000e0, drop 0.0000e0, punt 0.0000e0\n             Name                 State         Calls          Vectors        Suspends         Clocks       Vectors/Call\nacl-plugin-fa-cleaner-process  event wait                0               0               1          3.66e4            0.00\ndpdk-input                       polling         215610621         3817733               0          2.98e4             .02\n';
  const r = parseShowRuntime(main, 'm');
  assert.deepEqual(r.value.map((t) => [t.index, t.name, t.nodes.map((n) => `${n.name}:${n.state}:${n.vectorsPerCall}`)]), [[0, 'vpp_main', ['acl-plugin-fa-cleaner-process:event wait:0', 'dpdk-input:polling:0.02']]]);
  const junk = parseShowRuntime('hello there\n', 'j');
  assert.deepEqual(junk.value, []);
  assert.ok(junk.diagnostics.some((d) => /does not look like the output of `show runtime`/.test(d.message)), JSON.stringify(junk.diagnostics));
});

test('property: rows laid out as node_cli.c pads them, or with the indentation lost, read back', () => {
  const name = fc.stringMatching(/^[a-z][a-z0-9/-]{0,28}$/);
  const state = fc.constantFrom('active', 'polling', 'disabled', 'event wait', 'any wait', 'interrupt wait');
  const row = fc.record({ name, state, calls: fc.nat(1e9), vectors: fc.nat(1e9), suspends: fc.nat(1e6) });
  fc.assert(fc.property(fc.array(row, { minLength: 1, maxLength: 8 }), fc.boolean(), (rows, pasted) => {
    const pad = (s: string, w: number): string => (pasted ? `${s} ` : s.padStart(w));
    const lines = rows.map((r) => `${pasted ? '' : '  '}${r.name.padEnd(30)} ${pad(r.state, 10)} ${pad(String(r.calls), 15)} ${pad(String(r.vectors), 15)} ${pad(String(r.suspends), 15)} ${pad('1.00e3', 15)} ${pad('0.00', 15)}`);
    const r = parseShowRuntime(`Thread 1 vpp_wk_0 (lcore 3)\n${lines.join('\n')}\n`, 'p');
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.value[0]!.nodes.map((n) => [n.name, n.state, n.calls, n.vectors, n.suspends]), rows.map((x) => [x.name, x.state, x.calls, x.vectors, x.suspends]));
  }), { numRuns: 200 });
});

test('vpp/l3-mac-mismatch shows the frames ethernet-input handled when show runtime is given', () => {
  const run = '  vpp# show run\nThread 1 vpp_wk_0 (lcore 2)\nTime 21.5, 10 sec internal node vector rate 0.00 loops/sec 6740197.88\n  vector rates in 4.2183e3, out 3.7118e3, drop 0.0000e0, punt 0.0000e0\n             Name                 State         Calls          Vectors        Suspends         Clocks       Vectors/Call\nethernet-input                   active                381           90499               0          1.91e1          237.53\n';
  const s = example('calico-vpp-broken/snapshot.json');
  const files = [...s.files, { path: 'err.txt', content: fixture('sh-errors.l3-mac-mismatch.txt'), mask: null, role: 'vppctl-show-errors' }];
  const without = runChecks(buildHost({ ...s, files }), [l3MacMismatch]).findings[0]!;
  assert.ok(!without.evidence.some((e) => /show runtime/.test(e.message)));
  const withRun = runChecks(buildHost({ ...s, files: [...files, { path: 'run.txt', content: run, mask: null, role: 'vppctl-show-runtime' }] }), [l3MacMismatch]).findings[0]!;
  const ev = withRun.evidence.find((e) => /show runtime/.test(e.message));
  assert.deepEqual([ev?.message, ev?.file, ev?.line], ['show runtime: ethernet-input handled 90499 frame(s) on thread 1 (vpp_wk_0) in 21.5 s', 'run.txt', 6]);
});

// The MTU bounds of the macvlan model against the kernel: masters of many MTUs, and for each a spread
// of `mtu` values (edges and random ones); the model says whether the plugin and the kernel create the
// child; the kernel's answer comes from creating it the way the plugin does (no MTU attribute for 0).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import fc from 'fast-check';
import { mtuProblem } from '../../src/model/macvlan/index.js';
import { netns, requireRealSystem } from '../helpers/system.js';

test('macvlan mtu bounds: model and kernel agree', (t) => {
  if (!requireRealSystem(t, { tools: ['ip'] })) return;
  const ns = netns(t, 'hn-nadm');
  const masters = [68, 576, 1280, 1400, 1500, 9000];
  const mismatches: string[] = [];
  let n = 0;
  let accepted = 0;
  masters.forEach((masterMtu, i) => {
    ns.ip('link', 'add', `m${i}`, 'mtu', String(masterMtu), 'type', 'veth', 'peer', 'name', `p${i}`);
    const edges = [0, 1, 67, 68, 69, masterMtu - 1, masterMtu, masterMtu + 1, 65535];
    const random = fc.sample(fc.integer({ min: 0, max: 10000 }), { numRuns: 12, seed: 42 + i });
    for (const mtu of [...new Set([...edges, ...random])].filter((m) => m >= 0)) {
      const name = `c${i}x${n++}`;
      const r = spawnSync('ip', ['-n', ns.name, 'link', 'add', 'link', `m${i}`, 'name', name, ...(mtu > 0 ? ['mtu', String(mtu)] : []), 'type', 'macvlan', 'mode', 'bridge']);
      // The plugin's own check runs before the kernel; for mtu > master the kernel refuses as well.
      const kernel = r.status === 0;
      const model = mtuProblem(mtu, masterMtu) === undefined;
      if (kernel) accepted++;
      if (kernel !== model) mismatches.push(`master ${masterMtu}, mtu ${mtu}: model ${model}, kernel ${kernel}`);
      if (kernel) spawnSync('ip', ['-n', ns.name, 'link', 'del', name]);
    }
  });
  assert.deepEqual(mismatches, []);
  assert.ok(accepted > 0 && accepted < n, `${accepted} of ${n} accepted`);
});

// Port flags recorded by `collect` reach the bridge model without a live host: a hairpin port sends
// a broadcast back out of itself, and nothing is listed as assumed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bridgeView } from '../../src/model/bridge/index.js';
import { buildHost } from '../../src/model/host.js';
import { iface, snapshot } from './bridge-lab-helpers.js';

test('recorded port flags replace the kernel defaults the model would otherwise assume', () => {
  const ports = (flags: Record<string, boolean> | undefined) => [
    iface('br0', 1, { kind: 'bridge', bridge: { groupFwdMask: 0, stpState: 0, vlanFiltering: false } }),
    iface('p1', 2, { master: 'br0', slaveKind: 'bridge', bridgePort: { groupFwdMask: 0, state: 'forwarding', ...(flags ? { flags } : {}) } }),
    iface('p2', 3, { master: 'br0', slaveKind: 'bridge', bridgePort: { groupFwdMask: 0, state: 'forwarding', ...(flags ? { flags: { ...flags, hairpin: false } } : {}) } }),
  ];
  const recorded = bridgeView(buildHost(snapshot(ports({ learning: true, flood: false, mcast_flood: true, bcast_flood: true, hairpin: true, isolated: false }))), 'br0')!;
  assert.deepEqual(recorded.assumptions.filter((a) => a.startsWith('port flags')), []);
  assert.equal(recorded.ports.find((p) => p.name === 'p1')!.flags.hairpin, true);
  assert.equal(recorded.ports.find((p) => p.name === 'p1')!.flags.flood, false);
  const unknown = bridgeView(buildHost(snapshot(ports(undefined))), 'br0')!;
  assert.ok(unknown.assumptions.some((a) => a.startsWith('port flags')));
  assert.equal(unknown.ports.find((p) => p.name === 'p1')!.flags.hairpin, false, 'the kernel default');
});

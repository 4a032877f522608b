// The guest fix of bond/speed-duplex-unknown applied for real: its `ethtool -s` commands, taken from the
// finding, run on real tap devices (tun implements the same ethtool call as virtio_net); a live
// collection of the namespace then shows the speed and full duplex, and the rule no longer fires on it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildHost } from '../../src/model/host.js';
import { speedDuplexUnknown } from '../../src/rules/bond/speed-duplex-unknown.js';
import { runChecks } from '../../src/rules/engine.js';
import { parseSnapshot } from '../../src/snapshot/load.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { hostnet, netns, requireRealSystem } from '../helpers/system.js';

const BONDING = readFileSync(new URL('../fixtures/bonding/virtio-unknown-speed.txt', import.meta.url), 'utf8');

function collect(ns: string): Snapshot {
  const r = hostnet(['collect', '--netns', ns]);
  assert.equal(r.code, 0, r.stderr);
  return parseSnapshot(r.stdout, `collect --netns ${ns}`);
}

/** The live namespace with the guest's bonding status beside it, as a guest snapshot would have it. */
function withBond(s: Snapshot): Snapshot {
  return { ...s, files: [...s.files, { path: '/proc/net/bonding/bond0', content: BONDING, mask: null, role: null }] };
}

test('the speed/duplex fix, applied to real taps, gives them the speed and full duplex the bond needs', (t) => {
  if (!requireRealSystem(t, { tools: ['ip', 'ethtool'] })) return;
  const ns = netns(t, 'hn-fixsd');
  for (const dev of ['ens4', 'ens5']) {
    ns.ip('tuntap', 'add', 'dev', dev, 'mode', 'tap');
    ns.ip('link', 'set', dev, 'up');
    // A state the bond refuses (half duplex), so the read-back shows the fix's own effect.
    ns.exec('ethtool', '-s', dev, 'speed', '100', 'duplex', 'half');
  }
  const before = runChecks(buildHost(withBond(collect(ns.name))), [speedDuplexUnknown]).findings;
  assert.equal(before.length, 1, 'half duplex on both ports: the rule fires');
  const fix = before[0]!.fixes[0]!;
  assert.equal(fix.verified, true);
  assert.ok(fix.verification!.checks.some((c) => c.method === 'real-system' && c.detail.includes('test/system/fix-speed-duplex.test.ts')));
  const ethtool = fix.commands.filter((c) => c.startsWith('ethtool -s '));
  assert.equal(ethtool.length, 2);
  // The commands as the user runs them (argument arrays, no shell), then the port cycle they ask for.
  for (const command of ethtool) ns.exec(...command.split(/\s+/));
  for (const dev of ['ens4', 'ens5']) {
    ns.ip('link', 'set', dev, 'down');
    ns.ip('link', 'set', dev, 'up');
  }
  const after = collect(ns.name);
  for (const dev of ['ens4', 'ens5']) {
    const iface = after.interfaces.find((i) => i.name === dev)!;
    assert.deepEqual([iface.speed, iface.duplex], [fix.changes!.find((c) => c.interface === dev)!.set.speed, 'full']);
  }
  assert.deepEqual(runChecks(buildHost(withBond(after)), [speedDuplexUnknown]).findings, [], 'the rule is silent on the collected state');
});

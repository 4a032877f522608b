// The /proc/net/bonding parser on recorded texts, and on generated ones written in the kernel's format.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BondingParseError, aggregatorHasNoPartner, parseBonding, slaveHasNoPartner } from '../../src/sources/bonding.js';
import { fixture } from './bridge-lab-helpers.js';

test('a healthy 802.3ad bond: mode, aggregator, slaves, partner details', () => {
  const b = parseBonding(fixture('bonding/healthy-8023ad.txt'), '/proc/net/bonding/bond0');
  assert.equal(b.name, 'bond0');
  assert.equal(b.driverVersion, 'v6.1.0-18-amd64');
  assert.equal(b.is8023ad, true);
  assert.equal(b.modeLine, 3);
  assert.equal(b.transmitHashPolicy, 'layer3+4 (1)');
  assert.equal(b.lacp?.rate, 'slow');
  assert.equal(b.lacp?.active, true);
  assert.deepEqual(b.lacp?.activeAggregator, { line: 18, id: 1, ports: 2, actorKey: 15, partnerKey: 1, partnerMac: '00:00:00:00:01:01' });
  assert.deepEqual(b.slaves.map((s) => [s.name, s.speed, s.duplex, s.aggregatorId]), [['ens4', 10000, 'full', 1], ['ens5', 10000, 'full', 1]]);
  assert.deepEqual(b.slaves[1]!.partner, { systemPriority: 127, systemMac: '00:00:00:00:01:01', key: 1, portPriority: 127, portNumber: 2, portState: 63 });
  assert.equal(b.slaves[0]!.actor?.portState, 61);
  assert.equal(b.slaves.some(slaveHasNoPartner), false);
  assert.equal(aggregatorHasNoPartner(b), false);
});

test('virtio without speed: Unknown speed and duplex, each port alone, no partner', () => {
  const b = parseBonding(fixture('bonding/virtio-unknown-speed.txt'), '/proc/net/bonding/bond0');
  assert.deepEqual(b.slaves.map((s) => [s.name, s.speed, s.duplex, s.aggregatorId, s.speedLine, s.duplexLine]),
    [['ens4', null, null, 1, 27, 28], ['ens5', null, null, 2, 54, 55]]);
  assert.equal(b.slaves.every(slaveHasNoPartner), true);
  assert.equal(aggregatorHasNoPartner(b), true);
  assert.equal(b.lacp?.activeAggregator?.actorKey, 0);
});

test('no partner: speed known, defaulted actor state', () => {
  const b = parseBonding(fixture('bonding/no-partner.txt'), '/proc/net/bonding/bond0');
  assert.deepEqual(b.slaves.map((s) => [s.speed, s.duplex, s.actor?.portState, slaveHasNoPartner(s)]), [[10000, 'full', 69, true], [10000, 'full', 69, true]]);
});

test('older and legacy-free formats: "Port Interface", no 802.3ad block, Aggregator ID N/A', () => {
  const text = `Ethernet Channel Bonding Driver: v3.7.1 (April 27, 2011)

Bonding Mode: fault-tolerance (active-backup)
Primary Slave: None
Currently Active Slave: eth0
MII Status: up

Port Interface: eth0
Slave Interface: eth0
MII Status: up
Speed: 1000 Mbps
Duplex: half
Aggregator ID: N/A
`;
  const b = parseBonding(text, '/proc/net/bonding/bond1');
  assert.equal(b.is8023ad, false);
  assert.equal(b.lacp, null);
  assert.equal(b.slaves.length, 1, 'Port and Slave Interface lines name one port');
  assert.deepEqual([b.slaves[0]!.speed, b.slaves[0]!.duplex, b.slaves[0]!.aggregatorId], [1000, 'half', null]);
});

test('a file that is not a bonding status is refused with its line', () => {
  assert.throws(() => parseBonding('hello\nworld\n', '/tmp/x'), (e: unknown) => e instanceof BondingParseError && e.line === 1);
});

test('property: any 802.3ad status written in the kernel format parses back to its values', () => {
  const slaveArb = fc.record({
    name: fc.stringMatching(/^[a-z][a-z0-9]{1,10}$/),
    speed: fc.option(fc.integer({ min: 1, max: 800000 }), { nil: null }),
    duplex: fc.option(fc.constantFrom('full' as const, 'half' as const), { nil: null }),
    agg: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: null }),
    state: fc.integer({ min: 0, max: 255 }),
    partnerMac: fc.constantFrom('00:00:00:00:00:00', '02:05:86:71:12:00'),
  });
  fc.assert(fc.property(fc.uniqueArray(slaveArb, { selector: (s) => s.name, maxLength: 4 }), (slaves) => {
    const text = ['Ethernet Channel Bonding Driver: v6.6.0', '', 'Bonding Mode: IEEE 802.3ad Dynamic link aggregation', 'MII Status: up', '', '802.3ad info', 'LACP rate: fast',
      ...slaves.flatMap((s) => ['', `Slave Interface: ${s.name}`, 'MII Status: up', `Speed: ${s.speed === null ? 'Unknown' : `${s.speed} Mbps`}`,
        `Duplex: ${s.duplex ?? 'Unknown'}`, 'Link Failure Count: 0', 'Permanent HW addr: 52:54:00:00:00:01', 'Slave queue ID: 0',
        ...(s.agg === null ? ['Aggregator ID: N/A'] : [`Aggregator ID: ${s.agg}`, 'Actor Churn State: none', 'Partner Churn State: none',
          'details actor lacp pdu:', '    system priority: 65535', `    port state: ${s.state}`,
          'details partner lacp pdu:', `    system mac address: ${s.partnerMac}`, '    port state: 1'])])].join('\n');
    const b = parseBonding(text, '/proc/net/bonding/b');
    assert.deepEqual(b.slaves.map((s) => [s.name, s.speed, s.duplex, s.aggregatorId, s.actor?.portState ?? null]),
      slaves.map((s) => [s.name, s.speed, s.duplex, s.agg, s.agg === null ? null : s.state]));
    b.slaves.forEach((s, n) => assert.equal(slaveHasNoPartner(s), slaves[n]!.agg !== null && (slaves[n]!.partnerMac === '00:00:00:00:00:00' || (slaves[n]!.state & 0x40) !== 0)));
  }));
});

// The bonding texts people really have: older drivers without Speed:/Duplex:, no active aggregator, a port
// down, ports split over aggregators, an unknown mode; and generated texts in bond_procfs.c's layout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildHost } from '../../src/model/host.js';
import { inputDiagnostics } from '../../src/model/input-diagnostics.js';
import { ALL_RULES } from '../../src/rules/index.js';
import { noActiveAggregator } from '../../src/rules/bond/no-active-aggregator.js';
import { noLacpPartner } from '../../src/rules/bond/no-lacp-partner.js';
import { slaveDown } from '../../src/rules/bond/slave-down.js';
import { splitAggregators } from '../../src/rules/bond/split-aggregators.js';
import { runChecks } from '../../src/rules/engine.js';
import { parseBonding } from '../../src/sources/bonding.js';
import { file, fixture, snapshot } from './bridge-lab-helpers.js';

const hostWith = (text: string) => buildHost(snapshot([], [file('/proc/net/bonding/bond0', text)]));
const bondRules = ALL_RULES.filter((r) => r.meta.id.startsWith('bond/'));

test('a v3.5.0 driver prints no Speed:/Duplex: lines: no speed finding, nothing quoted that was not printed', () => {
  const text = fixture('bonding/telegraf-v3.5.0-8023ad.txt');
  const bond = parseBonding(text, '/proc/net/bonding/bond0');
  assert.deepEqual(bond.slaves.map((s) => [s.speedLine, s.duplexLine]), [[null, null], [null, null]]);
  const report = runChecks(hostWith(text), bondRules);
  assert.deepEqual(report.findings.map((f) => f.ruleId), ['bond/no-active-aggregator']);
  assert.ok(!JSON.stringify(report).includes('Unknown'), 'no invented "Unknown" quote');
});

test('no active aggregator: the driver\'s own line is the evidence, each port named with its aggregator', () => {
  const f = runChecks(hostWith(fixture('bonding/telegraf-v3.5.0-8023ad.txt')), [noActiveAggregator]).findings[0]!;
  assert.match(f.message, /bond0 \(802\.3ad\) has no active aggregator: none of eth1, eth2/);
  assert.deepEqual(f.evidence.map((e) => e.line), [13, 19, 25]);
  assert.deepEqual(f.evidence.slice(1).map((e) => e.message), ['eth1: MII up, aggregator N/A', 'eth2: MII up, aggregator N/A']);
  for (const ok of ['healthy-8023ad.txt', 'no-partner.txt', 'split-aggregators.txt']) {
    assert.equal(runChecks(hostWith(fixture(`bonding/${ok}`)), [noActiveAggregator]).findings.length, 0, ok);
  }
});

test('a port with MII Status: down is named, with its line and failure count; the bond runs on the rest', () => {
  const f = runChecks(hostWith(fixture('bonding/telegraf-v3.6.0-active-backup.txt')), [slaveDown]).findings;
  assert.equal(f.length, 1);
  assert.equal(f[0]!.message, 'bond0: eth3 is down (MII status); the bond runs on eth2');
  assert.deepEqual(f[0]!.evidence.map((e) => [e.interface, e.line, e.message]), [['eth3', 12, 'eth3: MII Status: down, 2 link failure(s) so far']]);
  assert.equal(runChecks(hostWith(fixture('bonding/healthy-8023ad.txt')), [slaveDown]).findings.length, 0);
});

test('ports in different aggregators: which port, which aggregator, which is active', () => {
  const f = runChecks(hostWith(fixture('bonding/split-aggregators.txt')), [splitAggregators, noLacpPartner]).findings;
  assert.deepEqual(f.map((x) => x.ruleId), ['bond/split-aggregators']);
  assert.equal(f[0]!.message, 'bond0 (802.3ad): its ports are in 2 aggregators (1: ens4; 2: ens5); only aggregator 1 is active, so ens5 carries no traffic');
  assert.deepEqual(f[0]!.evidence.map((e) => [e.line, e.value ?? null]), [[18, null], [32, '1'], [59, '2']]);
  assert.match(f[0]!.evidence[1]!.message, /partner system 00:00:00:00:01:01 \(active\)/);
  // Ports without a partner are in aggregators of their own too: no-lacp-partner explains those, not this rule.
  assert.equal(runChecks(hostWith(fixture('bonding/no-partner.txt')), [splitAggregators]).findings.length, 0);
});

test('an unknown bonding mode is a diagnostic naming the file and line', () => {
  const text = fixture('bonding/healthy-8023ad.txt').replace('IEEE 802.3ad Dynamic link aggregation', 'unknown');
  const d = inputDiagnostics(hostWith(text));
  assert.deepEqual(d.map((x) => x.where), ['/proc/net/bonding/bond0:3']);
  assert.match(d[0]!.message, /unknown bonding mode "unknown"/);
  const known = fixture('bonding/telegraf-v3.6.0-active-backup.txt').replace('(active-backup)', '(active-backup) (fail_over_mac active)');
  assert.deepEqual(inputDiagnostics(hostWith(known)), []);
});

// Generated bonds laid out as bond_procfs.c prints them, with or without the lines older drivers lack.
interface GenSlave { mii: 'up' | 'down'; speed: number | 'Unknown' | null; agg: number | null; partner: boolean }
const genSlave = fc.record({
  mii: fc.constantFrom('up' as const, 'down' as const),
  speed: fc.constantFrom(1000, 10000, 'Unknown' as const, null),
  agg: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
  partner: fc.boolean(),
});

function render(slaves: GenSlave[], active: number | null, details: boolean): string {
  const out = ['Ethernet Channel Bonding Driver: v6.1.0', '', 'Bonding Mode: IEEE 802.3ad Dynamic link aggregation', 'MII Status: up', '', '802.3ad info', 'LACP rate: slow'];
  if (active === null) out.push('bond bond0 has no active aggregator');
  else out.push('Active Aggregator Info:', `\tAggregator ID: ${active}`, '\tNumber of ports: 1', '\tActor Key: 15', '\tPartner Key: 1', '\tPartner Mac Address: 00:00:00:00:01:01');
  slaves.forEach((s, i) => {
    out.push('', `Slave Interface: eth${i}`, `MII Status: ${s.mii}`);
    if (s.speed !== null) out.push(`Speed: ${s.speed === 'Unknown' ? 'Unknown' : `${s.speed} Mbps`}`, `Duplex: ${s.speed === 'Unknown' ? 'Unknown' : 'full'}`);
    out.push('Link Failure Count: 0', `Aggregator ID: ${s.agg ?? 'N/A'}`);
    if (details) {
      out.push('details actor lacp pdu:', `    port key: ${s.speed === 'Unknown' ? 0 : 15}`, `    port state: ${s.partner ? 61 : 69}`);
      out.push('details partner lacp pdu:', `    system mac address: ${s.partner ? '00:00:00:00:01:01' : '00:00:00:00:00:00'}`, `    port state: ${s.partner ? 63 : 1}`);
    }
  });
  return `${out.join('\n')}\n`;
}

test('generated bonds: findings quote only printed lines and name exactly the ports they are about', () => {
  const seen = { noSpeedLines: 0, unknown: 0, split: 0, down: 0, noActive: 0 };
  fc.assert(fc.property(fc.array(genSlave, { minLength: 1, maxLength: 4 }), fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }), fc.boolean(), (slaves, active, details) => {
    const text = render(slaves, active, details);
    const lines = text.split('\n');
    const findings = runChecks(hostWith(text), bondRules).findings;
    const byRule = (id: string) => findings.filter((f) => f.ruleId === id);
    for (const e of findings.flatMap((f) => f.evidence)) {
      if (e.field === 'speed' && e.line !== undefined && /Speed /.test(e.message)) assert.match(lines[e.line - 1]!, /^Speed: /);
      if (e.field === 'duplex' && e.line !== undefined) assert.match(lines[e.line - 1]!, /^Duplex: /);
    }
    // speed-duplex-unknown: exactly the ports the driver reports (Speed line, else the actor key) without a speed.
    const unfit = slaves.map((s, i) => (s.speed === 'Unknown' ? `eth${i}` : null)).filter(Boolean);
    const sd = byRule('bond/speed-duplex-unknown');
    assert.equal(sd.length, unfit.length > 0 ? 1 : 0);
    if (unfit.length > 0) assert.match(sd[0]!.message, new RegExp(`but ${unfit.join(', ')} report`));
    const down = slaves.flatMap((s, i) => (s.mii === 'down' ? [`eth${i}`] : []));
    assert.deepEqual(byRule('bond/slave-down').flatMap((f) => f.evidence.map((e) => e.interface)), down);
    assert.equal(byRule('bond/no-active-aggregator').length, active === null ? 1 : 0);
    const partnered = slaves.filter((s) => s.mii === 'up' && s.agg !== null && !(details && !s.partner));
    assert.equal(byRule('bond/split-aggregators').length, new Set(partnered.map((s) => s.agg)).size > 1 ? 1 : 0);
    if (slaves.some((s) => s.speed === null)) seen.noSpeedLines++;
    if (unfit.length > 0) seen.unknown++;
    if (byRule('bond/split-aggregators').length > 0) seen.split++;
    if (down.length > 0) seen.down++;
    if (active === null) seen.noActive++;
  }), { numRuns: 300 });
  for (const [k, v] of Object.entries(seen)) assert.ok(v > 10, `the generator covers ${k} (${v})`);
});

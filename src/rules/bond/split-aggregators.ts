/**
 * bond/split-aggregators: an 802.3ad bond's up ports, each with an LACP partner, sit in different
 * aggregators. Only the active aggregator carries traffic; the others' ports idle. The usual cause: the
 * ports go to two switches that are not one logical partner (no MLAG/vPC), or to two LAGs of one switch.
 * Ports without a partner are bond/no-lacp-partner's.
 */
import type { Host } from '../../model/host.js';
import { slaveHasNoPartner, type BondSlave, type BondStatus } from '../../sources/bonding.js';
import type { Evidence, Finding, Rule } from '../types.js';
import { bondsOf } from './speed-duplex-unknown.js';

export const splitAggregators: Rule = {
  meta: {
    id: 'bond/split-aggregators',
    title: 'An 802.3ad bond\'s ports are split over several aggregators: only one carries traffic',
    severity: 'warning',
    references: [
      'drivers/net/bonding/bond_3ad.c ad_port_selection_logic(): ports join one aggregator only with the same partner system and key',
      'Documentation/networking/bonding.rst, "802.3ad" and ad_select',
    ],
  },
  check(host: Host): Finding[] {
    const findings: Finding[] = [];
    for (const bond of bondsOf(host)) {
      if (!bond.is8023ad) continue;
      const ports = bond.slaves.filter((s) => s.miiStatus === 'up' && s.aggregatorId !== null && !slaveHasNoPartner(s));
      const ids = [...new Set(ports.map((s) => s.aggregatorId))];
      if (ids.length < 2) continue;
      const active = bond.lacp?.activeAggregator?.id ?? null;
      const idle = active === null ? [] : ports.filter((s) => s.aggregatorId !== active);
      findings.push({
        ruleId: 'bond/split-aggregators',
        severity: 'warning',
        interface: bond.name,
        message: `${bond.name} (802.3ad): its ports are in ${ids.length} aggregators (${groups(ports)})` +
          (active === null ? '; which one is active is not shown (read as root for "Active Aggregator Info")'
            : `; only aggregator ${active} is active, so ${idle.map((s) => s.name).join(', ') || 'no port'} carr${idle.length === 1 ? 'ies' : 'y'} no traffic`),
        evidence: evidenceFor(bond, ports),
        fixes: [{
          title: 'Make every port see the same LACP partner: connect them to one switch (or an MLAG/vPC pair) and one port-channel there',
          files: [],
          commands: [
            ...ports.map((s) => `cat /sys/class/net/${s.name}/bonding_slave/ad_aggregator_id`),
            '# on the switch: all ports in one port-channel / LAG; across two switches, MLAG (vPC, MC-LAG) is required',
          ],
        }],
      });
    }
    return findings;
  },
};

function groups(ports: BondSlave[]): string {
  const by = new Map<number | null, string[]>();
  for (const s of ports) by.set(s.aggregatorId, [...(by.get(s.aggregatorId) ?? []), s.name]);
  return [...by].map(([id, names]) => `${id}: ${names.join(', ')}`).join('; ');
}

function evidenceFor(bond: BondStatus, ports: BondSlave[]): Evidence[] {
  const agg = bond.lacp?.activeAggregator;
  return [
    ...(agg ? [{ message: `active aggregator ${agg.id ?? '?'} (${agg.ports ?? '?'} port(s), partner ${agg.partnerMac ?? '?'})`, file: bond.path, line: agg.line }] : []),
    ...ports.map((s) => ({
      message: `${s.name}: aggregator ${s.aggregatorId}, partner system ${s.partner?.systemMac ?? 'not shown'}${agg && s.aggregatorId === agg.id ? ' (active)' : ''}`,
      file: bond.path, line: s.aggregatorIdLine ?? s.line, interface: s.name, field: 'aggregatorId', value: String(s.aggregatorId),
    })),
  ];
}

/**
 * bond/no-active-aggregator: the bonding driver says "bond X has no active aggregator". In 802.3ad mode
 * the transmit path drops every frame when no aggregator is active (bond_3ad.c), so nothing passes,
 * whatever the ports' MII status says.
 */
import type { Host } from '../../model/host.js';
import type { Evidence, Finding, Rule } from '../types.js';
import { bondsOf } from './speed-duplex-unknown.js';

export const noActiveAggregator: Rule = {
  meta: {
    id: 'bond/no-active-aggregator',
    title: 'An 802.3ad bond has no active aggregator: no frame passes',
    severity: 'error',
    references: [
      'drivers/net/bonding/bond_procfs.c: "bond %s has no active aggregator"',
      'drivers/net/bonding/bond_3ad.c bond_3ad_get_active_agg_info() and the 802.3ad transmit path (no active aggregator: the frame is dropped)',
    ],
  },
  check(host: Host): Finding[] {
    const findings: Finding[] = [];
    for (const bond of bondsOf(host)) {
      const line = bond.lacp?.noActiveAggregatorLine;
      if (!bond.is8023ad || line === null || line === undefined) continue;
      const evidence: Evidence[] = [
        { message: `${bond.name}: "bond ${bond.name} has no active aggregator"`, file: bond.path, line },
        ...bond.slaves.map((s) => ({
          message: `${s.name}: MII ${s.miiStatus ?? '?'}, aggregator ${s.aggregatorId ?? 'N/A'}`,
          file: bond.path, line: s.aggregatorIdLine ?? s.line, interface: s.name,
        })),
      ];
      const ports = bond.slaves.length === 0 ? 'it has no ports' : `none of ${bond.slaves.map((s) => s.name).join(', ')} is in an aggregator that is up`;
      findings.push({
        ruleId: 'bond/no-active-aggregator',
        severity: 'error',
        interface: bond.name,
        message: `${bond.name} (802.3ad) has no active aggregator: ${ports}, and the driver drops every frame it is given to send`,
        evidence,
        fixes: [{
          title: 'Bring a port up and into an aggregator: check the ports\' carrier, their speed and duplex, and that the switch side runs LACP on the same ports',
          files: [],
          commands: [
            `ip -d link show master ${bond.name}`,
            ...bond.slaves.map((s) => `ethtool ${s.name}   # Link detected: yes, a speed, Duplex: Full`),
            `cat /sys/class/net/${bond.name}/bonding/min_links   # an aggregator with fewer ports than this stays inactive`,
          ],
        }],
      });
    }
    return findings;
  },
};

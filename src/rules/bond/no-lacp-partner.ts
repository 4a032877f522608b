/**
 * bond/no-lacp-partner: an 802.3ad bond whose ports have received no LACPDU: the partner is the default
 * (system 00:00:00:00:00:00, the actor's state "defaulted"), each port sits alone in its own aggregator.
 * In a lab the usual cause is a Linux bridge on the path that swallows 01:80:c2:00:00:02.
 */
import type { Host } from '../../model/host.js';
import { aggregatorHasNoPartner, slaveHasNoPartner } from '../../sources/bonding.js';
import type { Evidence, Finding, Rule } from '../types.js';
import { bondsOf, linkUnfitForLacp } from './speed-duplex-unknown.js';

export const noLacpPartner: Rule = {
  meta: {
    id: 'bond/no-lacp-partner',
    title: 'An 802.3ad bond has no LACP partner on its up ports',
    severity: 'error',
    references: [
      'seeds/004 (no LACP frames reached the server; "cat /proc/net/bonding/bond0" showed no partner)',
      'drivers/net/bonding/bond_3ad.c ad_agg_selection_logic(): "No 802.3ad response from the link partner"',
    ],
  },
  check(host: Host): Finding[] {
    const findings: Finding[] = [];
    for (const bond of bondsOf(host)) {
      if (!bond.is8023ad) continue;
      const lonely = bond.slaves.filter((s) => s.miiStatus === 'up' && slaveHasNoPartner(s));
      if (lonely.length === 0 && !aggregatorHasNoPartner(bond)) continue;
      const localOff = lonely.filter((s) => linkUnfitForLacp(host, s));
      const agg = bond.lacp?.activeAggregator;
      const evidence: Evidence[] = [
        ...(agg ? [{ message: `active aggregator ${agg.id ?? '?'}: ${agg.ports ?? '?'} port(s), partner ${agg.partnerMac ?? '?'}`, file: bond.path, line: agg.line }] : []),
        ...lonely.map((s) => ({
          message: `${s.name}: aggregator ${s.aggregatorId ?? 'N/A'}, partner system ${s.partner?.systemMac ?? '?'}, actor state ${s.actor?.portState ?? '?'}` +
            `${s.actor?.portState !== null && s.actor?.portState !== undefined && s.actor.portState & 0x40 ? ' (defaulted: no LACPDU received)' : ''}`,
          file: bond.path, line: s.line, interface: s.name,
        })),
      ];
      const cause = localOff.length > 0
        ? `${localOff.map((s) => s.name).join(', ')} ${localOff.length === 1 ? 'has' : 'have'} LACP disabled locally (unknown speed or duplex: see bond/speed-duplex-unknown), so ${localOff.length === 1 ? 'it neither sends nor takes' : 'they neither send nor take'} LACPDUs; `
        : '';
      findings.push({
        ruleId: 'bond/no-lacp-partner',
        severity: 'error',
        interface: bond.name,
        message: `${bond.name} (802.3ad) has no LACP partner on ${lonely.map((s) => s.name).join(', ') || 'its active aggregator'}: ${cause}` +
          'no LACPDU from the other side arrives. Each port is an individual link, and a switch that insists on LACP keeps them down',
        evidence,
        fixes: [{
          title: 'Find where the LACPDUs stop: watch for them on the ports, then on the path (a Linux bridge between VMs swallows them unless its ports let 0x4 through)',
          files: [],
          commands: [
            ...lonely.map((s) => `tcpdump -e -n -i ${s.name} ether proto 0x8809   # LACPDUs from the partner?`),
            '# on the hypervisor: hostnet trace frame --bridge BR --in PORT --proto lacp; hostnet check --input lab-intent=FILE',
          ],
        }],
      });
    }
    return findings;
  },
};

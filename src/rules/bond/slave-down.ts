/**
 * bond/slave-down: a bond's port reports "MII Status: down". The bond runs on fewer links than it was
 * built with (no redundancy left in active-backup, less bandwidth in 802.3ad), often unnoticed because
 * the bond itself stays up.
 */
import type { Host } from '../../model/host.js';
import type { Finding, Rule } from '../types.js';
import { bondsOf } from './speed-duplex-unknown.js';

export const slaveDown: Rule = {
  meta: {
    id: 'bond/slave-down',
    title: 'A bond port has MII status down',
    severity: 'warning',
    references: [
      'drivers/net/bonding/bond_procfs.c bond_info_show_slave(): "MII Status: %s" (up, going down, down, going back)',
      'Documentation/networking/bonding.rst, "Querying Bonding Configuration"',
    ],
  },
  check(host: Host): Finding[] {
    const findings: Finding[] = [];
    for (const bond of bondsOf(host)) {
      const down = bond.slaves.filter((s) => s.miiStatus === 'down');
      if (down.length === 0) continue;
      const up = bond.slaves.filter((s) => s.miiStatus === 'up').map((s) => s.name);
      findings.push({
        ruleId: 'bond/slave-down',
        severity: 'warning',
        interface: bond.name,
        message: `${bond.name}: ${down.map((s) => s.name).join(', ')} ${down.length === 1 ? 'is' : 'are'} down (MII status); ` +
          `the bond runs on ${up.length === 0 ? 'no port at all' : up.join(', ')}`,
        evidence: down.map((s) => ({
          message: `${s.name}: MII Status: down${s.linkFailureCount !== null ? `, ${s.linkFailureCount} link failure(s) so far` : ''}`,
          file: bond.path, line: s.miiStatusLine ?? s.line, interface: s.name, field: 'miiStatus', value: 'down',
        })),
        fixes: [{
          title: 'Find why the port has no carrier: administratively down, cable or switch port, or (in a VM) the host side of its link',
          files: [],
          commands: down.flatMap((s) => [`ip link show ${s.name}`, `ethtool ${s.name} | grep -i 'link detected'`]),
        }],
      });
    }
    return findings;
  },
};

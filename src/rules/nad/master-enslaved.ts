/**
 * nad/master-enslaved: a bridge port or a bond slave already has the kernel's receive handler, so a
 * macvlan or ipvlan cannot be created on it ("Device or resource busy"); the child must hang off the
 * bridge or the bond itself. Loopback and non-Ethernet devices are refused as well.
 */
import { resolveMaster, stackingProblem } from '../../model/macvlan/index.js';
import type { Finding, Rule } from '../types.js';
import { hasNode, nadEvidence, onNode, stackedAttachments } from './inputs.js';

export const masterEnslaved: Rule = {
  meta: {
    id: 'nad/master-enslaved',
    title: 'The master of a macvlan/ipvlan network is a bridge port or bond slave (or not Ethernet)',
    severity: 'error',
    references: ['Linux drivers/net/macvlan.c (macvlan_port_create: netdev_rx_handler_register)', 'containernetworking/plugins macvlan README'],
  },
  check(host) {
    if (!hasNode(host)) return [];
    const out: Finding[] = [];
    for (const a of stackedAttachments(host)) {
      if (a.conf.linkInContainer) continue;
      const m = resolveMaster(a.conf, host);
      if (!m.ok) continue;
      const problem = stackingProblem(m.iface);
      if (!problem) continue;
      const upper = m.iface.master;
      out.push({
        ruleId: this.meta.id, severity: 'error', interface: m.name,
        message: `${a.nad.name ?? '(unnamed)'}: ${problem}${onNode(host)}${upper ? `; use "master": "${upper}" instead` : ''}`,
        evidence: [nadEvidence(a.nad, `master ${m.name}`), { message: upper ? `${m.name} has master ${upper} (${m.iface.slaveKind ?? 'unknown kind'})` : `link type ${m.iface.linkType ?? 'unknown'}`, interface: m.name, field: 'master' }],
        fixes: [],
      });
    }
    return out;
  },
};

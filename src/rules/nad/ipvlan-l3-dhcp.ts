/**
 * nad/ipvlan-l3-dhcp: an ipvlan attachment in l3 or l3s mode with the dhcp IPAM. In L3 modes the
 * ipvlan device neither sends nor receives broadcast or multicast, so DHCP's broadcast DISCOVER and
 * OFFER never pass: the dhcp plugin times out and every pod using the network fails to start.
 */
import type { Finding, Rule } from '../types.js';
import { nadEvidence, pluginLabel, stackedAttachments } from './inputs.js';

export const ipvlanL3Dhcp: Rule = {
  meta: {
    id: 'nad/ipvlan-l3-dhcp',
    title: 'ipvlan in l3 or l3s mode with dhcp IPAM: DHCP cannot work',
    severity: 'error',
    references: [
      'Documentation/networking/ipvlan.rst (L3 mode: slaves do not receive broadcast or multicast)',
      'containernetworking/plugins plugins/main/ipvlan and plugins/ipam/dhcp',
    ],
  },
  check(host) {
    const out: Finding[] = [];
    for (const a of stackedAttachments(host, ['ipvlan'])) {
      if ((a.conf.mode !== 'l3' && a.conf.mode !== 'l3s') || a.conf.ipamType !== 'dhcp') continue;
      out.push({
        ruleId: this.meta.id, severity: 'error',
        message: `${a.nad.name ?? '(unnamed)'}: ${pluginLabel(a)} in mode ${a.conf.mode} with "ipam": {"type": "dhcp"}: an L3-mode ipvlan passes no broadcast, ` +
          'so the DHCP exchange never completes and every pod using the network fails to get an address',
        evidence: [nadEvidence(a.nad, `"mode": "${a.conf.mode}", "ipam": {"type": "dhcp"}`)],
        fixes: [{
          title: 'Use ipvlan mode l2 for DHCP, or keep l3/l3s with a static IPAM (host-local, whereabouts, static)',
          files: [],
          commands: ['# in spec.config: "mode": "l2"   or   "ipam": {"type": "whereabouts", "range": "..."}'],
        }],
      });
    }
    return out;
  },
};

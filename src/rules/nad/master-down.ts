/**
 * nad/master-down: the macvlan, ipvlan and vlan plugins create the pod's interface on a master that is down without complaint,
 * and the interface inherits the master's state: the pod gets a link with no carrier.
 */
import { resolveMaster } from '../../model/macvlan/index.js';
import type { Finding, Rule } from '../types.js';
import { hasNode, masterAttachments, nadEvidence, onNode } from './inputs.js';

export const masterDown: Rule = {
  meta: {
    id: 'nad/master-down',
    title: 'The master interface of a macvlan/ipvlan/vlan network is down or has no carrier',
    severity: 'error',
    references: ['Linux drivers/net/macvlan.c (child operstate follows the lower device)', 'Linux net/8021q/vlan.c (vlan_device_event: netif_stacked_transfer_operstate, a VLAN follows its real device)'],
  },
  check(host) {
    if (!hasNode(host)) return [];
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const a of masterAttachments(host)) {
      if (a.conf.linkInContainer || a.conf.loadErrors.length > 0) continue;
      const m = resolveMaster(a.conf, host);
      if (!m.ok || seen.has(`${a.nad.name}/${m.name}`)) continue;
      seen.add(`${a.nad.name}/${m.name}`);
      const up = m.iface.flags.includes('UP');
      const carrier = m.iface.flags.includes('LOWER_UP');
      if (up && carrier) continue;
      out.push({
        ruleId: this.meta.id, severity: up ? 'warning' : 'error', interface: m.name,
        message: up
          ? `${a.nad.name ?? '(unnamed)'}: master ${m.name} is up but has no carrier${onNode(host)} (operstate ${m.iface.operstate ?? 'unknown'}): pods get a link that passes no traffic; check the cable, the switch port or the VM's virtual NIC`
          : `${a.nad.name ?? '(unnamed)'}: master ${m.name} is administratively down${onNode(host)}: pods get a link with no carrier`,
        evidence: [nadEvidence(a.nad, `master ${m.name}`), { message: `flags ${m.iface.flags.join(',') || '(none)'}`, interface: m.name, field: 'flags' }],
        fixes: up ? [] : [{ title: `bring ${m.name} up (and make it persistent in the node's network configuration)`, files: [], commands: [`ip link set dev ${m.name} up`],
          changes: [{ interface: m.name, set: { flags: [...m.iface.flags, 'UP'] } }] }],
      });
    }
    return out;
  },
};

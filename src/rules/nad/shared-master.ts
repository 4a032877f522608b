/**
 * nad/shared-master: networks that share a master are one Ethernet segment. Two NADs meant as
 * different networks (an internal and an external one) on the same master are not separated at all;
 * a passthru network wants the master to itself (the kernel refuses a second child, or a passthru
 * child beside others); and a master carries either macvlan or ipvlan children, never both.
 */
import { nodeMacvlanChildren, resolveMaster } from '../../model/macvlan/index.js';
import type { Finding, Rule } from '../types.js';
import { hasNode, nadEvidence, nadRef, onNode, stackedAttachments, type StackedAttachment } from './inputs.js';

export const sharedMaster: Rule = {
  meta: {
    id: 'nad/shared-master',
    title: 'Several networks on one master: not separated, or refused by the kernel',
    severity: 'error',
    references: ['seeds/003 (internal on ens224, external on ens256)', 'containernetworking/plugins macvlan README (macvlan and ipvlan cannot share a master)', 'Linux drivers/net/macvlan.c (passthru: one child per lower device)'],
  },
  check(host) {
    const node = hasNode(host);
    const groups = new Map<string, StackedAttachment[]>();
    for (const a of stackedAttachments(host)) {
      if (a.conf.linkInContainer || a.conf.loadErrors.length > 0) continue;
      const key = node ? (resolveMaster(a.conf, host) as { name?: string }).name : a.conf.master;
      if (key === undefined) continue;
      groups.set(key, [...(groups.get(key) ?? []), a]);
    }
    const out: Finding[] = [];
    for (const [master, list] of groups) {
      const where = node ? onNode(host) : '';
      const evidence = list.map((a) => nadEvidence(a.nad, `${nadRef(a.nad)}: ${a.conf.type} mode ${a.conf.modeText || '(default)'} on ${master}`));
      const names = [...new Set(list.map((a) => a.nad.name ?? '(unnamed)'))];
      const types = new Set(list.map((a) => a.conf.type));
      if (types.size > 1) {
        out.push({ ruleId: this.meta.id, severity: 'error', interface: master, evidence, fixes: [],
          message: `${names.join(' and ')} put both macvlan and ipvlan on master ${master}${where}; a device carries one or the other, so whichever comes second fails (Device or resource busy)` });
        continue;
      }
      const passthru = list.filter((a) => a.conf.mode === 'passthru');
      const existing = node ? nodeMacvlanChildren(host, master) : [];
      if (passthru.length > 0 && (list.length > 1 || existing.length > 0)) {
        out.push({ ruleId: this.meta.id, severity: 'error', interface: master, evidence: [...evidence, ...existing.map((c) => ({ message: `${c.iface.name} is already a macvlan of ${master} in mode ${c.mode}`, interface: c.iface.name }))], fixes: [],
          message: `${passthru.map((a) => a.nad.name).join(', ')} use passthru on ${master}${where}, which must be the master's only macvlan, but ${master} also carries ${list.length > 1 ? 'other networks' : 'macvlan interfaces of the node'}; the kernel refuses the second (Invalid argument)` });
        continue;
      }
      if (names.length > 1) {
        out.push({ ruleId: this.meta.id, severity: 'warning', interface: master, evidence, fixes: [],
          message: `${names.join(', ')} are different networks on the same master ${master}${where}: they are one Ethernet segment, not separate networks${list.every((a) => a.conf.mode === 'bridge') ? ' (in bridge mode their pods even talk directly)' : ''}; give each its own NIC (as seed 003 does with ens224 and ens256) or a VLAN interface of its own` });
      }
    }
    return out;
  },
};

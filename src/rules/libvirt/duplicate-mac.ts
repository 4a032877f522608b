/**
 * libvirt/duplicate-mac: one MAC address on two NICs, in one domain or in two on this host. Two
 * guests (or two NICs of one) answering for one MAC make a bridge's forwarding table flap between
 * their ports: frames reach one or the other at random, ARP and LACP break.
 */
import { buildLab, type LabNic } from '../../model/bridge/lab.js';
import type { Host } from '../../model/host.js';
import type { Finding, Rule } from '../types.js';

export const duplicateMac: Rule = {
  meta: {
    id: 'libvirt/duplicate-mac',
    title: 'One MAC address on two libvirt NICs',
    severity: 'error',
    references: [
      'libvirt formatdomain "Network interfaces": <mac address> must be unique; libvirt only generates unique ones when none is given',
      'net/bridge/br_fdb.c: a source MAC seen on another port moves the FDB entry',
    ],
  },
  check(host: Host): Finding[] {
    const byMac = new Map<string, LabNic[]>();
    for (const n of buildLab(host).nics) {
      if (n.nic.mac) byMac.set(n.nic.mac, [...(byMac.get(n.nic.mac) ?? []), n]);
    }
    return [...byMac].filter(([, nics]) => nics.length > 1).map(([mac, nics]): Finding => {
      const where = nics.map((n) => `${n.domain.name} ${n.nic.alias ?? n.nic.targetDev ?? `NIC at line ${n.nic.line}`}`);
      return {
        ruleId: 'libvirt/duplicate-mac',
        severity: 'error',
        message: `MAC ${mac} is on ${nics.length} NICs (${where.join(', ')}): on one bridge the forwarding table flaps between them and frames reach either at random`,
        evidence: nics.map((n) => ({ message: `${n.domain.name}: <mac address='${mac}'/>${n.bridge ? ` on ${n.bridge}` : ''}`, file: n.domain.path, line: n.nic.line, value: mac })),
        fixes: [{
          title: 'Give each NIC but one a new MAC: delete its <mac> line and libvirt generates a unique one (52:54:00:...)',
          files: [],
          commands: nics.slice(1).map((n) => `virsh edit ${n.domain.name}   # remove <mac address='${mac}'/> from the NIC at line ${n.nic.line}`),
        }],
      };
    });
  },
};

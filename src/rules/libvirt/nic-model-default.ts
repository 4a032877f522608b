/**
 * libvirt/nic-model-default: an x86 guest NIC with no <model>. libvirt then lets QEMU use its default
 * emulated NIC, rtl8139: a 100 Mb/s card emulated in software, one queue, no offloads, far slower
 * than virtio and not what a lab meant to measure or bond.
 */
import { buildLab } from '../../model/bridge/lab.js';
import type { Host } from '../../model/host.js';
import type { Finding, Rule } from '../types.js';

/** Interface types whose guest device has no NIC model to choose. */
const NO_MODEL = new Set(['hostdev', 'vdpa', 'vhostuser']);

export const nicModelDefault: Rule = {
  meta: {
    id: 'libvirt/nic-model-default',
    title: 'A guest NIC has no <model>: QEMU emulates an rtl8139',
    severity: 'warning',
    references: [
      'libvirt src/qemu/qemu_domain.c qemuDomainDefaultNetModel(): rtl8139 on x86 when no model is given',
      'libvirt formatdomain "Setting the NIC model"',
    ],
  },
  check(host: Host): Finding[] {
    const nics = buildLab(host).nics.filter((n) => n.nic.model === null && !NO_MODEL.has(n.nic.type ?? '')
      && (n.domain.arch === null || /^(x86_64|i686)$/.test(n.domain.arch)));
    const byDomain = new Map<string, typeof nics>();
    for (const n of nics) byDomain.set(n.domain.name, [...(byDomain.get(n.domain.name) ?? []), n]);
    return [...byDomain].map(([name, list]): Finding => ({
      ruleId: 'libvirt/nic-model-default',
      severity: 'warning',
      message: `${name}: ${list.length} NIC(s) without <model> (${list.map((n) => n.nic.mac ?? `line ${n.nic.line}`).join(', ')}): QEMU emulates an rtl8139, 100 Mb/s, one queue, no offloads`,
      evidence: list.map((n) => ({ message: `<interface type='${n.nic.type ?? '?'}'> ${n.nic.mac ?? ''} has no <model>`, file: n.domain.path, line: n.nic.line, field: 'model' })),
      fixes: [{
        title: "Give each NIC a model: <model type='virtio'/> (the guest needs virtio_net, which every current Linux has), or e1000e where the guest has no virtio driver",
        files: [],
        commands: [`virsh edit ${name}   # add <model type='virtio'/> inside each <interface>, then restart the VM`],
      }],
    }));
  },
};

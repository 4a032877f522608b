/**
 * nad/mtu-invalid: the macvlan plugin refuses an mtu outside [0, master MTU] ("invalid MTU"), and the
 * kernel refuses a macvlan or ipvlan larger than its lower device or below Ethernet's minimum of 68.
 * 0 or no mtu inherits the master's.
 */
import { ETH_MIN_MTU, mtuProblem, resolveMaster } from '../../model/macvlan/index.js';
import type { Finding, Rule } from '../types.js';
import { hasNode, nadEvidence, onNode, stackedAttachments, vlanAttachments } from './inputs.js';

export const mtuInvalid: Rule = {
  meta: {
    id: 'nad/mtu-invalid',
    title: 'mtu of a macvlan/ipvlan/vlan network is larger than the master\'s, or below 68',
    severity: 'error',
    references: ['containernetworking/plugins plugins/main/macvlan/macvlan.go (loadConf: invalid MTU)', 'containernetworking/plugins plugins/main/vlan/vlan.go (loadConf: invalid MTU)', 'Linux drivers/net/macvlan.c (macvlan_common_newlink)'],
  },
  check(host) {
    const out: Finding[] = [];
    for (const a of stackedAttachments(host)) {
      if (a.conf.loadErrors.length > 0) continue;
      if (a.conf.mtu < 0) {
        out.push({ ruleId: this.meta.id, severity: 'error', message: `${a.nad.name ?? '(unnamed)'}: mtu ${a.conf.mtu} is negative; the plugin refuses it`, evidence: [nadEvidence(a.nad, `"mtu": ${a.conf.mtu}`)], fixes: [] });
        continue;
      }
      if (a.conf.mtu > 0 && a.conf.mtu < ETH_MIN_MTU) {
        out.push({ ruleId: this.meta.id, severity: 'error', evidence: [nadEvidence(a.nad, `"mtu": ${a.conf.mtu}`)], fixes: [],
          message: `${a.nad.name ?? '(unnamed)'}: mtu ${a.conf.mtu} is below Ethernet's minimum of ${ETH_MIN_MTU}; the plugin passes it on and the kernel refuses it (mtu less than device minimum). Use 0 to inherit the master's MTU, or at least ${ETH_MIN_MTU}` });
        continue;
      }
      if (!hasNode(host) || a.conf.linkInContainer || a.conf.mtu === 0) continue;
      const m = resolveMaster(a.conf, host);
      if (!m.ok) continue;
      const problem = mtuProblem(a.conf.mtu, m.iface.mtu);
      if (!problem) continue;
      out.push({
        ruleId: this.meta.id, severity: 'error', interface: m.name,
        message: `${a.nad.name ?? '(unnamed)'}: mtu ${a.conf.mtu} is larger than master ${m.name}'s ${m.iface.mtu}${onNode(host)}; the plugin fails with "${problem}". Lower "mtu" or raise ${m.name}'s MTU (and the switch's)`,
        evidence: [nadEvidence(a.nad, `"mtu": ${a.conf.mtu}`), { message: `${m.name} mtu ${m.iface.mtu}`, interface: m.name, field: 'mtu', value: String(m.iface.mtu) }],
        fixes: [],
      });
    }
    for (const a of vlanAttachments(host)) {
      if (a.conf.loadErrors.length > 0 || !hasNode(host) || a.conf.linkInContainer || a.conf.mtu === 0) continue;
      const master = host.interface(a.conf.master!);
      if (!master || (a.conf.mtu >= 0 && a.conf.mtu <= master.mtu)) continue;
      const problem = `invalid MTU ${a.conf.mtu}, must be [0, master MTU(${master.mtu})]`;
      out.push({
        ruleId: this.meta.id, severity: 'error', interface: master.name,
        message: `${a.nad.name ?? '(unnamed)'}: vlan mtu ${a.conf.mtu} is outside [0, master ${master.name}'s ${master.mtu}]${onNode(host)}; the plugin fails with "${problem}"`,
        evidence: [nadEvidence(a.nad, `"mtu": ${a.conf.mtu}`), { message: `${master.name} mtu ${master.mtu}`, interface: master.name, field: 'mtu', value: String(master.mtu) }],
        fixes: [],
      });
    }
    return out;
  },
};

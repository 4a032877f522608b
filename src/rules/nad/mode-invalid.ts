/**
 * nad/mode-invalid: the macvlan plugin accepts bridge (also the empty string), private, vepa and
 * passthru, and the ipvlan plugin l2, l3 and l3s, exactly as written (case matters). Anything else
 * fails every pod that uses the network with "unknown macvlan mode". The kernel's macvlan `source`
 * mode exists but the plugin cannot create it.
 */
import { IPVLAN_PLUGIN_MODES, MACVLAN_PLUGIN_MODES } from '../../model/macvlan/index.js';
import type { Finding, Rule } from '../types.js';
import { nadEvidence, pluginLabel, stackedAttachments } from './inputs.js';

export const modeInvalid: Rule = {
  meta: {
    id: 'nad/mode-invalid',
    title: 'macvlan or ipvlan mode the CNI plugin does not accept',
    severity: 'error',
    references: ['containernetworking/plugins plugins/main/macvlan/macvlan.go (modeFromString)', 'containernetworking/plugins plugins/main/ipvlan/ipvlan.go (modeFromString)'],
  },
  check(host) {
    const out: Finding[] = [];
    for (const a of stackedAttachments(host)) {
      if (a.conf.mode !== undefined) continue;
      const allowed = a.conf.type === 'macvlan' ? MACVLAN_PLUGIN_MODES : IPVLAN_PLUGIN_MODES;
      const lower = a.conf.modeText.toLowerCase();
      const hint = (allowed as readonly string[]).includes(lower) ? ` (the plugin compares case-sensitively: write "${lower}")`
        : a.conf.type === 'macvlan' && lower === 'source' ? ' (the kernel has a source mode, but the plugin cannot create it)' : '';
      out.push({
        ruleId: this.meta.id, severity: 'error',
        message: `${a.nad.name ?? '(unnamed)'}: ${pluginLabel(a)} mode ${JSON.stringify(a.conf.modeText)} is not one the plugin accepts (${allowed.join(', ')})${hint}; every pod using it fails with "unknown ${a.conf.type} mode"`,
        evidence: [nadEvidence(a.nad, `"mode": ${JSON.stringify(a.conf.modeText)}`)],
        fixes: [],
      });
    }
    return out;
  },
};

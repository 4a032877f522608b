/**
 * nad/master-missing: the master a macvlan, ipvlan or vlan network names must exist on every node its pods
 * can run on. When the config names none, the plugin takes the interface of the node's first default
 * route, which is usually the node's primary network and rarely what a secondary network wants.
 */
import { resolveMaster } from '../../model/macvlan/index.js';
import type { Finding, Rule } from '../types.js';
import { hasNode, masterAttachments, nadEvidence, onNode, pluginLabel } from './inputs.js';

export const masterMissing: Rule = {
  meta: {
    id: 'nad/master-missing',
    title: 'The master interface of a macvlan/ipvlan/vlan network does not exist on the node',
    severity: 'error',
    references: ['containernetworking/plugins plugins/main/macvlan/macvlan.go (getDefaultRouteInterfaceName, loadConf)', 'containernetworking/plugins plugins/main/vlan/vlan.go (loadConf: getMTUByName)', 'seeds/003 (masters ens224 and ens256)'],
  },
  check(host) {
    if (!hasNode(host)) return [];
    const out: Finding[] = [];
    for (const a of masterAttachments(host)) {
      if (a.conf.linkInContainer || a.conf.loadErrors.length > 0) continue; // the master is then looked up inside the pod
      const m = resolveMaster(a.conf, host);
      const label = a.nad.name ?? '(unnamed)';
      if (!m.ok) {
        const nics = host.interfaces.filter((i) => i.kind === null && i.linkType === 'ether').map((i) => i.name);
        out.push({
          ruleId: this.meta.id, severity: 'error', interface: m.name,
          message: m.defaulted
            ? `${label}: ${pluginLabel(a)} names no master and the plugin cannot pick one${onNode(host)}: ${m.reason}`
            : `${label}: master ${m.name} does not exist${onNode(host)}; pods using this network fail there with "${a.conf.type === 'vlan' ? 'Link not found' : m.reason}"`,
          evidence: [nadEvidence(a.nad, m.defaulted ? '"master" is omitted' : `"master": ${JSON.stringify(m.name)}`),
            { message: `the node's Ethernet NICs: ${nics.join(', ') || 'none'}` }],
          fixes: [],
        });
      } else if (m.defaulted) {
        out.push({
          ruleId: this.meta.id, severity: 'warning', interface: m.name,
          message: `${label}: ${pluginLabel(a)} names no master, so the plugin uses the default-route interface ${m.name}${onNode(host)}: the pods share the node's primary network; name the intended NIC in "master"`,
          evidence: [nadEvidence(a.nad, '"master" is omitted'), { message: `the first default route goes out ${m.name}`, interface: m.name }],
          fixes: [],
        });
      }
    }
    return out;
  },
};

/**
 * firewalld/reload-flushes-cni: firewalld runs on a Kubernetes node in a configuration whose reload
 * flushes every iptables chain: kube-proxy's rules are gone until its next sync, and the CNI portmap
 * plugin's hostPort rules until the pod is re-created (rancher/rke2#10469, containernetworking/plugins#512,
 * firewalld/firewalld#779, k3s-io/k3s#7542).
 */
import { cniChains, FIREWALLD_CONF, FIREWALLD_DIRECT, firewalldReload, isPortmapChain } from '../../model/firewalld.js';
import type { Host } from '../../model/host.js';
import { cniDeviceOf } from '../../model/cni-devices.js';
import { unitOn } from '../../model/services.js';
import type { Evidence, Finding, Fix, Rule } from '../types.js';

const ID = 'firewalld/reload-flushes-cni';

export const reloadFlushesCni: Rule = {
  meta: {
    id: ID,
    title: 'A firewalld reload flushes kube-proxy\'s and the CNI\'s iptables chains',
    severity: 'error',
    references: [
      'firewalld src/firewall/core/fw.py (reload, flush, may_skip_flush_direct_backends) and ipXtables.py (build_flush_rules: -F -X -Z of every table)',
      'firewalld.conf(5): FirewallBackend, FlushAllOnReload',
      'rancher/rke2#10469, containernetworking/plugins#512, firewalld/firewalld#779, k3s-io/k3s#7542',
    ],
  },
  check(host: Host): Finding[] {
    const on = unitOn(host, 'firewalld.service');
    if (!on) return [];
    const reload = firewalldReload(host);
    if (!reload.flushesIptables) return [];
    const seen = cniChains(host);
    const cni = host.interfaces.filter((i) => cniDeviceOf(i.name));
    if (seen.chains.length === 0 && (seen.source !== null || cni.length === 0)) return [];
    const portmap = seen.chains.filter(isPortmapChain);
    const why = reload.backend.value === 'iptables' ? 'FirewallBackend=iptables' : `${reload.directRules} direct rule(s) in ${FIREWALLD_DIRECT}`;
    const evidence: Evidence[] = [
      on,
      reload.backend.setting
        ? { message: `FirewallBackend=${reload.backend.value}`, file: FIREWALLD_CONF, line: reload.backend.setting.line }
        : { message: 'FirewallBackend is not set: nftables (firewalld\'s default)' },
      ...(reload.directRules > 0 ? [{ message: `${reload.directRules} direct rule(s): with them firewalld flushes its iptables backends on every reload`, file: FIREWALLD_DIRECT }] : []),
      reload.flushAllOnReload.setting
        ? { message: `FlushAllOnReload=${reload.flushAllOnReload.setting.value}`, file: FIREWALLD_CONF, line: reload.flushAllOnReload.setting.line }
        : { message: 'FlushAllOnReload is not set: yes (firewalld\'s default); runtime-only settings are dropped on reload too' },
      seen.chains.length > 0
        ? { message: `chains a reload deletes: ${seen.chains.slice(0, 8).join(', ')}${seen.chains.length > 8 ? `, ... (${seen.chains.length})` : ''} (${seen.source})` }
        : { message: `no rule set was recorded; this is a Kubernetes node (${cni.slice(0, 3).map((i) => i.name).join(', ')}), whose kube-proxy and CNI keep chains in iptables`, interface: cni[0]!.name },
    ];
    return [{
      ruleId: ID,
      severity: portmap.length > 0 ? 'error' : 'warning',
      message: `firewalld runs with ${why}: every \`firewall-cmd --reload\` (or restart) flushes all iptables chains. kube-proxy's rules are missing until its next sync` +
        (portmap.length > 0 ? `, and the hostPort rules of the CNI portmap plugin (${portmap.slice(0, 3).join(', ')}) never come back until their pods are re-created` : '; hostPort rules of the CNI portmap plugin would not come back until their pods are re-created'),
      evidence,
      fixes: [fixFor(host, reload.backend.value === 'iptables', reload.directRules > 0)],
    }];
  },
};

function fixFor(host: Host, iptablesBackend: boolean, direct: boolean): Fix {
  const files: Fix['files'] = [];
  if (iptablesBackend) {
    const text = host.file(FIREWALLD_CONF)?.content ?? '';
    const lines = text.split('\n');
    const at = lines.findIndex((l) => /^\s*FirewallBackend\s*=/.test(l));
    if (at >= 0) lines[at] = 'FirewallBackend=nftables';
    files.push({ path: FIREWALLD_CONF, content: lines.join('\n') });
  }
  if (direct) files.push({ path: FIREWALLD_DIRECT, content: '<?xml version="1.0" encoding="utf-8"?>\n<direct>\n</direct>\n' });
  return {
    title: `Make a reload touch firewalld's own nftables table only: ${[iptablesBackend ? 'FirewallBackend=nftables' : null, direct ? `no direct rules (move them to policies or rich rules first; ${FIREWALLD_DIRECT} is emptied)` : null].filter(Boolean).join(' and ')}`,
    files,
    commands: ['systemctl restart firewalld   # one last flush: then restart kube-proxy and re-create the pods that use hostPort', 'kubectl -n kube-system rollout restart daemonset kube-proxy', 'firewall-cmd --reload && iptables-save -t nat | grep -c "^:KUBE-"   # the chains stay'],
  };
}

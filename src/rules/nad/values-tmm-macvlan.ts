/**
 * nad/values-tmm-macvlan: with macvlan networks, F5 SPK's TMM must be told to map the extra
 * interfaces itself (environment variable TMM_MAPRES_ADDL_VETHS_ON_DP = "TRUE") and the topology
 * manager must be off (tmm.topologyManager: false), as seed 003 says. An unquoted TRUE is a YAML
 * boolean, which Kubernetes refuses as an environment variable's value unless the chart quotes it.
 */
import type { Finding, Rule } from '../types.js';
import { nadInputs, valuesInputs } from './inputs.js';
import { CNI_NETWORKS_PATH, splitNetworkList } from './values-cni-networks.js';

const ENV = 'TMM_MAPRES_ADDL_VETHS_ON_DP';

export const valuesTmmMacvlan: Rule = {
  meta: {
    id: 'nad/values-tmm-macvlan',
    title: 'TMM chart values do not match macvlan networks (TMM_MAPRES_ADDL_VETHS_ON_DP, topologyManager)',
    severity: 'error',
    references: ['seeds/003 (Install SPK: customEnvVars and topologyManager)'],
  },
  check(host) {
    const out: Finding[] = [];
    const nads = nadInputs(host).nads;
    const isMacvlan = (name: string) => nads.some((n) => n.name === name && n.config?.plugins.some((p) => p.type === 'macvlan'));
    for (const values of valuesInputs(host)) {
      const cni = values.at(CNI_NETWORKS_PATH);
      const referenced = typeof cni?.value === 'string' ? splitNetworkList(cni.value).map((e) => e.name) : nads.map((n) => n.name ?? '');
      const macvlans = referenced.filter(isMacvlan);
      if (macvlans.length === 0) continue;
      const why = `macvlan network${macvlans.length > 1 ? 's' : ''} ${macvlans.join(', ')}`;
      const envs = values.at(['tmm', 'customEnvVars']);
      const list = Array.isArray(envs?.value) ? (envs!.value as unknown[]) : [];
      const index = list.findIndex((e) => typeof e === 'object' && e !== null && (e as Record<string, unknown>).name === ENV);
      if (index < 0) {
        out.push({ ruleId: this.meta.id, severity: 'error', fixes: [],
          message: `tmm.customEnvVars lacks ${ENV}: "TRUE", which TMM needs to use the ${why} (seed 003)`,
          evidence: [{ message: envs ? 'tmm.customEnvVars' : 'tmm.customEnvVars is not set', file: values.file, line: envs?.line ?? cni?.line ?? 1 }] });
      } else {
        const v = values.at(['tmm', 'customEnvVars', index, 'value']);
        if (v?.value === true) {
          out.push({ ruleId: this.meta.id, severity: 'error', fixes: [],
            message: `${ENV} is the YAML boolean true, not the string "TRUE": an environment variable's value must be a string; write value: "TRUE" (quoted)`,
            evidence: [{ message: `${ENV} value`, file: values.file, line: v.line }] });
        } else if (v?.value !== 'TRUE') {
          out.push({ ruleId: this.meta.id, severity: 'error', fixes: [],
            message: `${ENV} is ${JSON.stringify(v?.value ?? null)}; TMM needs "TRUE" to use the ${why}`,
            evidence: [{ message: `${ENV} value`, file: values.file, line: v?.line ?? envs!.line }] });
        }
      }
      const topo = values.at(['tmm', 'topologyManager']);
      if (topo?.value !== false) {
        out.push({ ruleId: this.meta.id, severity: topo === undefined ? 'warning' : 'error', fixes: [],
          message: topo === undefined
            ? `tmm.topologyManager is not set, so the chart's default decides; with the ${why} it must be false (seed 003): set it explicitly`
            : `tmm.topologyManager is ${JSON.stringify(topo.value)}; with the ${why} it must be false (seed 003)`,
          evidence: [{ message: 'tmm.topologyManager', file: values.file, line: topo?.line ?? cni?.line ?? 1 }] });
      }
    }
    return out;
  },
};

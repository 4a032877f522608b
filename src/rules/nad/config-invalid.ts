/**
 * nad/config-invalid: `spec.config` must be a CNI configuration the runtime and the plugin can load:
 * JSON, an object, a `type` for each plugin, a cniVersion a current plugin knows, and (for macvlan and
 * ipvlan) fields of the types the Go plugin unmarshals. The admission webhooks check only the first
 * two; the rest fails at pod creation, on the node, in the kubelet's events.
 */
import { KNOWN_CNI_VERSIONS } from '../../model/macvlan/index.js';
import type { Finding, Rule } from '../types.js';
import { nadEvidence, nadInputs, pluginLabel, stackedAttachments, vlanAttachments } from './inputs.js';

/** What libcni accepts as a network name (containernetworking/cni pkg/utils ValidateNetworkName). */
const CNI_NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/**
 * Why the config's `name` breaks the attachment, if it does. Multus fills a missing or empty name of a
 * NAD's config from metadata.name, so only a bare config is at risk: libcni refuses a conflist without
 * a name while loading it, and a single config without one when adding the network. A name of another
 * type fails the load in both cases (Go cannot unmarshal it into a string).
 */
export function configNameProblem(bare: boolean, config: { isList: boolean; name: unknown }): string | undefined {
  const name = config.name;
  if (name !== undefined && name !== null && typeof name !== 'string') {
    return `the CNI "name" is ${Array.isArray(name) ? 'an array' : typeof name}, not a string; libcni fails to load the config`;
  }
  if (!bare) return undefined;
  const where = 'read from /etc/cni/net.d by the container runtime (libcni),';
  if (name === undefined || name === null || name === '') {
    return config.isList
      ? `the conflist has no "name"; ${where} it fails with "error parsing configuration list: no name" (multus fills the name only for a NAD's spec.config, from metadata.name)`
      : `the CNI config has no "name"; ${where} every ADD fails with "missing network name:" (multus fills the name only for a NAD's spec.config, from metadata.name)`;
  }
  if (!CNI_NETWORK_NAME.test(name)) return `the CNI "name" ${JSON.stringify(name)} has characters libcni refuses (letters, digits, '_', '.', '-', starting with a letter or digit): ADD fails with "invalid characters found in network name"`;
  return undefined;
}

export const configInvalid: Rule = {
  meta: {
    id: 'nad/config-invalid',
    title: 'NetworkAttachmentDefinition spec.config is not a CNI configuration the plugin can load',
    severity: 'error',
    references: ['k8snetworkplumbingwg/multi-net-spec v1.0 (spec.config)', 'containernetworking/cni SPEC.md (network configuration)', 'containernetworking/plugins plugins/main/macvlan/macvlan.go (loadConf)', 'containernetworking/plugins plugins/main/vlan/vlan.go (loadConf)'],
  },
  check(host) {
    const out: Finding[] = [];
    const add = (severity: Finding['severity'], message: string, evidence: Finding['evidence']): void => {
      out.push({ ruleId: this.meta.id, severity, message, evidence, fixes: [] });
    };
    for (const nad of nadInputs(host).nads) {
      const label = nad.name ?? '(unnamed)';
      if (nad.configProblem) {
        add('error', `${label}: ${nad.configProblem.message}`, [nadEvidence(nad, 'spec.config', nad.configProblem.line)]);
        continue;
      }
      if (nad.configText === undefined) {
        add('warning', `${label}: no spec.config; Multus then looks for a CNI config file named ${JSON.stringify(label)} on each node, which this check cannot see`,
          [nadEvidence(nad, 'spec.config is absent', nad.place.line)]);
        continue;
      }
      const config = nad.config!;
      const version = config.cniVersion;
      if (version === undefined) {
        add('warning', `${label}: no cniVersion; the plugin then assumes 0.1.0, whose results carry no interface list`, [nadEvidence(nad, 'cniVersion is missing')]);
      } else if (typeof version !== 'string' || !(KNOWN_CNI_VERSIONS as readonly string[]).includes(version)) {
        add('error', `${label}: cniVersion ${JSON.stringify(version)} is not a CNI version (${KNOWN_CNI_VERSIONS.join(', ')}); the plugin answers "incompatible CNI versions"`,
          [nadEvidence(nad, `cniVersion: ${JSON.stringify(version)}`)]);
      }
      if (config.plugins.length === 0) add('error', `${label}: the configuration list has no plugins`, [nadEvidence(nad, 'plugins is empty')]);
      for (const p of config.plugins) {
        if (p.type === undefined || p.type === '') {
          add('error', `${label}: ${config.isList ? `plugin ${p.index}` : 'the config'} has no "type", so no plugin binary can be found`, [nadEvidence(nad, '"type" is missing')]);
        }
      }
      const nameProblem = configNameProblem(nad.bare, config);
      if (nameProblem) add(nad.bare ? 'warning' : 'error', `${label}: ${nameProblem}`, [nadEvidence(nad, config.name === undefined ? '"name" is missing' : `"name": ${JSON.stringify(config.name)}`, nad.bare ? nad.nameLine : nad.configLine)]);
      if (!nad.bare && config.name !== undefined && nad.name !== undefined && config.name !== nad.name) {
        add('note', `${label}: the CNI "name" ${JSON.stringify(config.name)} differs from the object's name; the multi-net spec strongly recommends they match`,
          [nadEvidence(nad, `"name": ${JSON.stringify(config.name)}`)]);
      }
    }
    for (const a of [...stackedAttachments(host), ...vlanAttachments(host)]) {
      for (const e of a.conf.loadErrors) {
        add('error', `${a.nad.name ?? '(unnamed)'}: ${pluginLabel(a)} would fail: ${e}`, [nadEvidence(a.nad, 'spec.config')]);
      }
    }
    return out;
  },
};

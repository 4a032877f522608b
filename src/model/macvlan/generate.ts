/**
 * `nad generate`'s domain half: a macvlan/ipvlan NetworkAttachmentDefinition from a request (checked as
 * the plugin and the API server would check it), its YAML and JSON forms, and the NICs of a node that
 * no one uses (the candidates for --from-snapshot). The CLI (src/cli/nad.ts) only wires options to it;
 * messages name the options because the request is the command line's.
 */
import { InputError } from '../../errors.js';
import { isCidr, isIp } from '../../net/ip.js';
import type { Snapshot } from '../../snapshot/schema.js';
import { isDns1123Label } from '../../sources/k8s-names.js';
import { k8sYamlString } from '../../sources/k8s-yaml.js';
import { buildHost } from '../host.js';
import { defaultRouteInterface, IPVLAN_PLUGIN_MODES, MACVLAN_PLUGIN_MODES } from './plugin.js';

/** What to generate: one network on one master (the options of `nad generate`). */
export interface NadRequest {
  name: string;
  master: string;
  type: 'macvlan' | 'ipvlan';
  mode?: string;
  namespace?: string;
  mtu?: string;
  ipam: 'none' | 'host-local' | 'dhcp';
  subnet?: string;
  rangeStart?: string;
  rangeEnd?: string;
  gateway?: string;
  cniVersion: string;
}

export interface NadSpec {
  name: string;
  namespace?: string;
  config: Record<string, unknown>;
}

export function buildSpec(opts: NadRequest): NadSpec {
  if (!isDns1123Label(opts.name)) throw new InputError(`--name ${JSON.stringify(opts.name)} is not a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters)`);
  if (opts.namespace !== undefined && !isDns1123Label(opts.namespace)) throw new InputError(`--namespace ${JSON.stringify(opts.namespace)} is not a DNS-1123 label`);
  if (!/^[^\s/:]{1,15}$/.test(opts.master)) throw new InputError(`--master ${JSON.stringify(opts.master)} is not an interface name (1-15 characters, no spaces, '/' or ':')`);
  const modes: readonly string[] = opts.type === 'macvlan' ? MACVLAN_PLUGIN_MODES : IPVLAN_PLUGIN_MODES;
  const mode = opts.mode ?? modes[0]!;
  if (!modes.includes(mode)) throw new InputError(`--mode ${JSON.stringify(mode)} is not a ${opts.type} mode the plugin accepts: ${modes.join(', ')}`);
  const config: Record<string, unknown> = { cniVersion: opts.cniVersion, name: opts.name, type: opts.type, master: opts.master, mode };
  if (opts.mtu !== undefined) {
    const mtu = Number(opts.mtu);
    if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) throw new InputError(`--mtu ${JSON.stringify(opts.mtu)} must be a whole number from 68 to 65535`);
    config.mtu = mtu;
  }
  if (opts.ipam === 'host-local') {
    if (!opts.subnet || !isCidr(opts.subnet)) throw new InputError('--ipam host-local needs --subnet CIDR (e.g. 192.168.50.0/24)');
    const range: Record<string, string> = { subnet: opts.subnet };
    for (const [key, value] of [['rangeStart', opts.rangeStart], ['rangeEnd', opts.rangeEnd], ['gateway', opts.gateway]] as const) {
      if (value === undefined) continue;
      if (!isIp(value)) throw new InputError(`--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${JSON.stringify(value)} is not an IP address`);
      range[key] = value;
    }
    config.ipam = { type: 'host-local', ranges: [[range]] };
  } else if (opts.ipam === 'dhcp') {
    if (opts.type === 'ipvlan' && (mode === 'l3' || mode === 'l3s')) {
      throw new InputError(`--ipam dhcp cannot work with ipvlan mode ${mode}: an L3-mode ipvlan passes no broadcast, so no DHCP answer arrives (nad/ipvlan-l3-dhcp); use --mode l2, or --ipam host-local`);
    }
    config.ipam = { type: 'dhcp' };
  } else {
    if (opts.subnet || opts.rangeStart || opts.rangeEnd || opts.gateway) throw new InputError('--subnet, --range-start, --range-end and --gateway need --ipam host-local');
    config.ipam = {};
  }
  return { name: opts.name, namespace: opts.namespace, config };
}

export function toObject(spec: NadSpec): Record<string, unknown> {
  return {
    apiVersion: 'k8s.cni.cncf.io/v1',
    kind: 'NetworkAttachmentDefinition',
    metadata: { name: spec.name, ...(spec.namespace ? { namespace: spec.namespace } : {}) },
    spec: { config: JSON.stringify(spec.config, null, 2) },
  };
}

/** YAML with the config as a literal block, so it reads as the JSON it is. */
export function toYaml(spec: NadSpec): string {
  const json = JSON.stringify(spec.config, null, 2).split('\n').map((l) => `    ${l}`).join('\n');
  return [
    'apiVersion: k8s.cni.cncf.io/v1',
    'kind: NetworkAttachmentDefinition',
    'metadata:',
    `  name: ${k8sYamlString(spec.name)}`,
    ...(spec.namespace ? [`  namespace: ${k8sYamlString(spec.namespace)}`] : []),
    'spec:',
    '  config: |-',
    json,
    '',
  ].join('\n');
}

/**
 * Ethernet NICs the node does not use: physical (no rtnetlink kind), not enslaved, without global
 * addresses, children or routes (other than the link-local route every IPv6 link has), and not the
 * default-route interface.
 */
export function unusedNics(snapshot: Snapshot): { free: string[]; skipped: { name: string; why: string }[] } {
  const host = buildHost(snapshot);
  const def = defaultRouteInterface(snapshot.routes);
  const free: string[] = [];
  const skipped: { name: string; why: string }[] = [];
  for (const i of snapshot.interfaces) {
    if (i.kind !== null || i.linkType !== 'ether' || i.flags.includes('LOOPBACK')) continue;
    const why = 'name' in def && def.name === i.name ? 'it carries the default route'
      : i.master ? `it is a port of ${i.master}`
        : i.addresses.some((a) => a.scope !== 'link') ? `it has addresses (${i.addresses.filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`).join(', ')})`
          : host.children(i.name).length ? `it already carries ${host.children(i.name).map((c) => c.name).join(', ')}`
            : snapshot.routes.some((r) => r.dev === i.name && r.table !== 'local' && !r.dst.startsWith('fe80:')) ? 'routes go out through it'
              : undefined;
    if (why) skipped.push({ name: i.name, why });
    else free.push(i.name);
  }
  return { free, skipped };
}

/** `s` made a DNS-1123 label: lower case, runs of other characters as `-`, at most 63 characters. */
export function dnsName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
}

/**
 * vpp/apiserver-address: the API server on this node advertises an address that is not the first
 * address of the Calico/VPP main uplink. Seed 002: the uplink's address is shared by VPP and Linux, and
 * "must also be the one the api-server will be listening on, as the first address of the uplink";
 * pods reach the API server through VPP's punt path to that address.
 */
import type { Host } from '../../model/host.js';
import { calicoVppView } from '../../model/vpp/view.js';
import type { Finding, Rule } from '../types.js';

const ID = 'vpp/apiserver-address';
export const APISERVER_MANIFEST = '/etc/kubernetes/manifests/kube-apiserver.yaml';

/** `--advertise-address=IP` (or `--bind-address`) from the kube-apiserver static pod, with its line. */
export function apiserverAddress(text: string): { address: string; flag: string; line: number } | null {
  const lines = text.split('\n');
  for (const flag of ['advertise-address', 'bind-address']) {
    const i = lines.findIndex((l) => new RegExp(`--${flag}[= ]`).test(l));
    if (i >= 0) {
      const m = new RegExp(`--${flag}[= ]"?([0-9a-fA-F:.]+)`).exec(lines[i]!);
      if (m && m[1] !== '0.0.0.0' && m[1] !== '::') return { address: m[1]!, flag, line: i + 1 };
    }
  }
  return null;
}

export const apiserverAddressRule: Rule = {
  meta: {
    id: ID,
    title: 'The API server does not use the first address of the Calico/VPP uplink',
    severity: 'warning',
    references: ['seeds/002 ("the first address of the uplink (a.k.a main interface for the host)")', 'vpp-dataplane issue #685 (CoreDNS cannot reach the API server)'],
  },
  check(host: Host): Finding[] {
    const view = calicoVppView(host);
    const manifest = host.file(APISERVER_MANIFEST);
    const uplink = view.tap ?? view.nic;
    if (!view.uplinkName || !uplink || !manifest?.content) return [];
    const api = apiserverAddress(manifest.content);
    if (!api) return [];
    const family = api.address.includes(':') ? 'inet6' : 'inet';
    const first = uplink.addresses.find((a) => a.family === family && a.scope !== 'link');
    if (first?.local === api.address) return [];
    const onUplink = uplink.addresses.some((a) => a.local === api.address);
    const elsewhere = host.interfaces.find((i) => i.name !== uplink.name && i.addresses.some((a) => a.local === api.address));
    return [{
      ruleId: ID,
      severity: onUplink ? 'warning' : 'error',
      interface: view.uplinkName,
      message: `kube-apiserver advertises ${api.address}, ${onUplink ? `a secondary address of ${view.uplinkName}` : elsewhere ? `an address of ${elsewhere.name}, not of the Calico/VPP uplink ${view.uplinkName}` : `an address not on ${view.uplinkName}`}; ` +
        `Calico/VPP expects the API server on the uplink's first address${first ? ` (${first.local})` : ''}, the one VPP shares with the host and punts to it`,
      evidence: [
        { message: `--${api.flag}=${api.address}`, file: APISERVER_MANIFEST, line: api.line },
        { message: `${view.uplinkName} addresses: ${uplink.addresses.filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`).join(', ') || 'none'}`, interface: view.uplinkName },
      ],
      fixes: first ? [{ title: `Advertise ${first.local} (kubeadm: localAPIEndpoint.advertiseAddress), or make it the uplink's first address`, files: [], commands: [] }] : [],
    }];
  },
};

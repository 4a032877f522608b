/**
 * vpp/tap-mirror: after the takeover, the tap does not carry the addresses and routes the uplink had
 * (vpp-manager's configureLinuxTap re-adds them; VPP holds the same addresses on its uplink). A missing
 * address or route leaves the host unable to answer or reach what it could before.
 */
import type { Host } from '../../model/host.js';
import { calicoVppView } from '../../model/vpp/view.js';
import type { Finding, Rule } from '../types.js';

const ID = 'vpp/tap-mirror';

export const tapMirror: Rule = {
  meta: {
    id: ID,
    title: 'The Calico/VPP tap lacks an address or route the uplink had',
    severity: 'error',
    references: ['seeds/002 (the tap is "reconfigured with all the addresses and routes that the host had configured on the original interface")', 'projectcalico/vpp-dataplane vpp-manager/vpp_runner.go configureLinuxTap()'],
  },
  check(host: Host): Finding[] {
    const view = calicoVppView(host);
    const exp = view.expectation;
    const tap = view.tap;
    if (!tap || !exp) return [];
    const findings: Finding[] = [];
    const have = new Set(tap.addresses.map((a) => `${a.local}/${a.prefixlen}`));
    for (const a of exp.addresses ?? []) {
      if (a.startsWith('fe80:') || have.has(a)) continue;
      findings.push({
        ruleId: ID, severity: 'error', interface: tap.name,
        message: `${tap.name} lacks ${a}, which ${exp.vppUplinkName ? `VPP's uplink ${exp.vppUplinkName}` : 'the uplink'} has: traffic VPP punts to the host for ${a.split('/')[0]} is not accepted`,
        evidence: [
          { message: `expected ${a}`, file: exp.addressesSource ?? exp.source },
          { message: `${tap.name} has ${[...have].join(', ') || 'no address'}`, interface: tap.name },
        ],
        fixes: [{ title: `Add ${a} to ${tap.name}`, files: [], commands: [`ip addr add ${a} dev ${tap.name}`] }],
      });
    }
    const routes = host.routes.filter((r) => r.dev === tap.name && (r.table === 'main' || r.table === '254'));
    for (const r of exp.routes ?? []) {
      if (routes.some((x) => x.family === r.family && x.dst === r.dst && (x.gateway ?? null) === (r.gateway ?? null))) continue;
      findings.push({
        ruleId: ID, severity: r.dst === 'default' ? 'error' : 'warning', interface: tap.name,
        message: `${tap.name} lacks the route ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} that the uplink had`,
        evidence: [{ message: `expected ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} dev ${tap.name}`, file: exp.source }],
        fixes: [{ title: `Add the route back on ${tap.name}`, files: [], commands: [`ip route add ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} dev ${tap.name}`] }],
      });
    }
    return findings;
  },
};

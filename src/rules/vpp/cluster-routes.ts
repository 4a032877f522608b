/**
 * vpp/cluster-routes: after the takeover, the host's routes to the service CIDRs and IP pools must go
 * through the tap, proto static, with MTU = the lowest uplink MTU minus 60 (uplink_route_watcher.go).
 * Missing, the host reaches services and pods through its default route instead of VPP (wrong source,
 * no service NAT); with a larger MTU, full-size packets do not fit once VPP encapsulates them.
 */
import type { Host } from '../../model/host.js';
import { calicoVppView } from '../../model/vpp/view.js';
import type { Finding, Rule } from '../types.js';

const ID = 'vpp/cluster-routes';

export const clusterRoutesRule: Rule = {
  meta: {
    id: ID,
    title: 'A route to the services or pools is missing from the Calico/VPP tap, or has the wrong MTU',
    severity: 'error',
    references: ['seeds/002 ("${SERVICE_CIDR} via 192.168.0.254 dev enp216s0f1 proto static mtu 1440")', 'projectcalico/vpp-dataplane calico-vpp-agent/watchers/uplink_route_watcher.go'],
  },
  check(host: Host): Finding[] {
    const view = calicoVppView(host);
    const exp = view.expectation;
    const tap = view.tap;
    if (!tap || !exp) return [];
    const findings: Finding[] = [];
    for (const want of exp.clusterRoutes) {
      const found = host.routes.filter((r) => r.dst === want.dst && (r.table === 'main' || r.table === '254') && r.type === 'unicast');
      const onTap = found.find((r) => r.dev === tap.name);
      const cmd = `ip route replace ${want.dst} via ${want.gateway} dev ${tap.name} proto static mtu ${want.mtu}`;
      if (!onTap) {
        findings.push({
          ruleId: ID, severity: 'error', interface: tap.name,
          message: `no route to ${want.dst} (${want.reason}) through ${tap.name}${found.length ? `: it goes through ${found.map((r) => r.dev).join(', ')}` : ''}; the host reaches it outside VPP (the Calico/VPP agent re-adds it while it runs: is it running?)`,
          evidence: [
            { message: `expected ${want.dst} via ${want.gateway} dev ${tap.name} proto static mtu ${want.mtu}`, file: exp.source },
            ...found.map((r) => ({ message: `found ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} dev ${r.dev ?? '?'}${r.mtu ? ` mtu ${r.mtu}` : ''}`, interface: r.dev ?? undefined })),
          ],
          fixes: [{ title: `Add the route (the agent normally does)`, files: [], commands: [cmd] }],
        });
        continue;
      }
      if (onTap.mtu !== want.mtu) {
        const bigger = onTap.mtu === null || onTap.mtu > want.mtu;
        findings.push({
          ruleId: ID, severity: bigger ? 'error' : 'warning', interface: tap.name,
          message: `the route to ${want.dst} (${want.reason}) has MTU ${onTap.mtu ?? `none (the tap's ${tap.mtu})`}, expected ${want.mtu} (lowest uplink MTU - 60): ` +
            (bigger ? 'full-size packets no longer fit once VPP encapsulates them and are dropped or fragmented' : 'packets are smaller than they need to be'),
          evidence: [
            { message: `${onTap.dst}${onTap.gateway ? ` via ${onTap.gateway}` : ''} dev ${tap.name}${onTap.mtu ? ` mtu ${onTap.mtu}` : ''}`, interface: tap.name, field: 'mtu', value: String(onTap.mtu ?? '') },
            { message: `expected mtu ${want.mtu}`, file: exp.source },
          ],
          fixes: [{ title: 'Set the MTU on the route', files: [], commands: [cmd] }],
        });
      }
    }
    return findings;
  },
};

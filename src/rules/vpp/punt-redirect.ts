/**
 * vpp/punt-redirect: VPP has no punt redirect to the host tap. Calico/VPP registers the tap as the
 * default punt path (`ip punt redirect` from any interface via 169.254.0.1 on tap0): without it,
 * traffic for the host's own address that VPP does not handle itself is dropped in VPP.
 */
import type { Host } from '../../model/host.js';
import { calicoVppView } from '../../model/vpp/view.js';
import type { Finding, Rule } from '../types.js';

const ID = 'vpp/punt-redirect';

export const puntRedirect: Rule = {
  meta: {
    id: ID,
    title: 'VPP does not punt host-bound traffic to the Calico/VPP tap',
    severity: 'error',
    references: ['seeds/002 ("sh ip punt redirect": rx local0 via 169.254.0.1 tap0)', 'projectcalico/vpp-dataplane vpp-manager/vpp_runner.go configureGlobalPunt()'],
  },
  check(host: Host): Finding[] {
    const view = calicoVppView(host);
    const exp = view.expectation;
    const punt = view.inputs.vppctl.puntRedirect;
    if (!view.tap || !exp || !punt) return [];
    const ipv4 = punt.value.filter((p) => p.family !== 'inet6');
    const ok = ipv4.some((p) => p.anyRx && p.paths.some((x) => x.interface === exp.puntInterface && (x.nextHop === null || x.nextHop === exp.puntNextHop)));
    if (ok) return [];
    return [{
      ruleId: ID,
      severity: 'error',
      interface: view.tap.name,
      message: `VPP has no punt redirect from any interface via ${exp.puntNextHop} ${exp.puntInterface}: host-bound traffic arriving on the uplink is dropped in VPP instead of reaching ${view.tap.name}` +
        (ipv4.length ? ` (it redirects ${ipv4.map((p) => `rx ${p.rx} via ${p.paths.map((x) => `${x.nextHop ?? ''} ${x.interface}`.trim()).join(', ') || '?'}`).join('; ')})` : ''),
      evidence: [{ message: ipv4.length ? `${ipv4.length} redirect(s), none via ${exp.puntNextHop} ${exp.puntInterface} from any rx` : 'no IPv4 punt redirect at all', file: punt.source }],
      fixes: [{ title: 'Restart the calico-vpp-node pod so vpp-manager configures the punt path again; by hand:', files: [], commands: [`vppctl ip punt redirect add rx all via ${exp.puntNextHop} ${exp.puntInterface}`] }],
    }];
  },
};

/**
 * vpp/tap-mac: after the takeover, the tap's MAC differs from the uplink's MAC as VPP has it. VPP
 * sends host-bound (punted) frames to the tap with the uplink's MAC as destination; a tap with
 * another MAC (udevd's MACAddressPolicy=persistent winning the race, seeds 000/001) drops them as not
 * its own, and the node loses its connectivity.
 */
import type { Host } from '../../model/host.js';
import { calicoVppView } from '../../model/vpp/view.js';
import type { Evidence, Finding, Rule } from '../types.js';

const ID = 'vpp/tap-mac';

export const tapMac: Rule = {
  meta: {
    id: ID,
    title: 'The Calico/VPP tap\'s MAC is not the uplink\'s MAC programmed in VPP',
    severity: 'error',
    references: [
      'seeds/000, seeds/001 (udevd generated a persistent MAC for the tap; packets dropped)',
      'seeds/002 (the tap has the uplink\'s MAC; the punt adjacency writes it as destination)',
      'projectcalico/vpp-dataplane docs/install/udevd.md; docs/troubleshooting.md ("l3 mac mismatch")',
    ],
  },
  check(host: Host): Finding[] {
    const view = calicoVppView(host);
    const exp = view.expectation;
    if (!view.tap || !exp) return [];
    const punt = view.inputs.vppctl.puntRedirect?.value.find((p) => p.anyRx && p.rewriteDstMac);
    const expected = exp.tapMac ?? punt?.rewriteDstMac ?? null;
    if (expected === null || view.tap.mac === expected) return [];
    const evidence: Evidence[] = [
      { message: `${view.tap.name} (tap) has MAC ${view.tap.mac ?? 'none'}${view.tap.addrAssignType === 3 ? '' : ` (addr_assign_type ${view.tap.addrAssignType ?? '?'})`}`, interface: view.tap.name, field: 'mac', value: view.tap.mac ?? '' },
      ...(exp.tapMac ? [{ message: `VPP's uplink${exp.vppUplinkName ? ` ${exp.vppUplinkName}` : ''} has MAC ${exp.tapMac}`, file: exp.tapMacSource ?? exp.source }] : []),
      ...(punt?.rewriteDstMac ? [{ message: `VPP's punt path to ${punt.paths[0]?.interface ?? 'the tap'} writes destination MAC ${punt.rewriteDstMac}`, file: view.inputs.vppctl.puntRedirect!.source, line: punt.line }] : []),
    ];
    return [{
      ruleId: ID,
      severity: 'error',
      interface: view.tap.name,
      message: `${view.tap.name} has MAC ${view.tap.mac ?? 'none'} but VPP sends host-bound traffic to ${expected}: the tap drops every punted frame (not addressed to it), so the host gets nothing from the uplink. ` +
        'Usually udevd\'s MACAddressPolicy=persistent rewrote the tap\'s MAC (see link/mac-policy-race)',
      evidence,
      fixes: [{
        title: `Give ${view.tap.name} its MAC back now, and keep udevd off it (a .link with [Match] Driver=tun, [Link] MACAddressPolicy=none; see link/mac-policy-race)`,
        files: [],
        changes: [{ interface: view.tap.name, set: { mac: expected } }],
        commands: [`ip link set dev ${view.tap.name} address ${expected}`],
      }],
    }];
  },
};

/**
 * vpp/tap-mac: after the takeover, the tap's MAC differs from the uplink's MAC as VPP has it. VPP
 * sends host-bound (punted) frames to the tap with the uplink's MAC as destination; a tap with
 * another MAC (udevd's MACAddressPolicy=persistent winning the race, seeds 000/001) drops them as not
 * its own, and the node loses its connectivity.
 */
import type { Host } from '../../model/host.js';
import { loadLinkConfigs } from '../../model/link/index.js';
import { calicoVppView } from '../../model/vpp/view.js';
import { ownedAtCreation } from '../link/owned-devices.js';
import { raceFix } from '../link/race-fix.js';
import type { Evidence, Finding, Fix, Rule } from '../types.js';

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
      fixes: [restoreAndKeep(host, view.tap.name, expected)],
    }];
  },
};

/**
 * The MAC set back now, and the .link file of link/mac-policy-race so that udevd leaves the next tap
 * alone: the race explorer checks the file on the next tap's bring-up, the restore clears today's state.
 */
function restoreAndKeep(host: Host, tap: string, expected: string): Fix {
  const set = loadLinkConfigs(host);
  const keep = raceFix(host, set, ownedAtCreation(host, set).filter((o) => o.owned.owner === 'Calico/VPP' && o.owned.name === tap));
  const restore = `ip link set dev ${tap} address ${expected}    # connectivity back now`;
  if (!keep) {
    return {
      title: `Give ${tap} its MAC back now (hostnet has no .link to keep udevd off the next tap: no driver to match it on)`,
      files: [],
      changes: [{ interface: tap, set: { mac: expected, addrAssignType: 3 } }],
      commands: [restore],
    };
  }
  return {
    title: `Give ${tap} its MAC back now, and keep udevd off the next tap with ${keep.files.map((f) => f.path).join(', ')} ([Match] Driver=tun, [Link] MACAddressPolicy=none)`,
    files: keep.files,
    changes: [{ interface: tap, set: { mac: expected, addrAssignType: 3 } }],
    commands: [restore, ...keep.commands],
    ...(keep.testedBy ? { testedBy: keep.testedBy } : {}),
    verifyBy: ['race-explorer', 'declared-state'],
  };
}

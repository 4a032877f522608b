/**
 * vpp/l3-mac-mismatch: VPP's ethernet-input counted "l3 mac mismatch": frames reached an L3 interface
 * addressed to a MAC that is not the interface's. On a Calico/VPP node this is the MAC trap seen from
 * inside VPP: something (udevd's MACAddressPolicy, NetworkManager) changed a MAC behind VPP's back, so
 * the tap's or the uplink's peers address frames to a MAC VPP does not have, and VPP drops them.
 */
import type { Host } from '../../model/host.js';
import { calicoVppView } from '../../model/vpp/view.js';
import type { Evidence, Finding, Rule } from '../types.js';
import { tapMac } from './tap-mac.js';

const ID = 'vpp/l3-mac-mismatch';

export const l3MacMismatch: Rule = {
  meta: {
    id: ID,
    title: 'VPP drops frames addressed to a MAC its interface does not have (l3 mac mismatch)',
    severity: 'error',
    references: [
      'FD.io VPP src/vnet/ethernet/node.c (ETHERNET_ERROR_L3_MAC_MISMATCH, "l3 mac mismatch"); src/vlib/error.c (show errors); src/vlib/node_cli.c (show runtime)',
      'projectcalico/vpp-dataplane docs/troubleshooting.md ("l3 mac mismatch")',
      'seeds/000, seeds/001 (udevd gave the tap another MAC; packets dropped)',
    ],
  },
  check(host: Host): Finding[] {
    const errors = calicoVppView(host).inputs.vppctl.errors;
    if (!errors) return [];
    const hits = errors.value.filter((e) => e.node === 'ethernet-input' && e.reason === 'l3 mac mismatch' && e.count > 0);
    if (hits.length === 0) return [];
    const total = hits.reduce((sum, e) => sum + e.count, 0);
    const tap = tapMac.check(host)[0];
    // With `show runtime` beside it, the frames ethernet-input handled put the drops in proportion.
    const runtime = calicoVppView(host).inputs.vppctl.runtime;
    const handled = (runtime?.value ?? []).flatMap((t) => t.nodes.filter((n) => n.name === 'ethernet-input').map((n) => ({ t, n })));
    const evidence: Evidence[] = [
      ...hits.map((e) => ({ message: `ethernet-input: ${e.count} l3 mac mismatch`, file: errors.source, line: e.line, value: String(e.count) })),
      ...handled.map(({ t, n }) => ({ message: `show runtime: ethernet-input handled ${n.vectors} frame(s) on thread ${t.index} (${t.name})${t.time !== null ? ` in ${t.time} s` : ''}`, file: runtime!.source, line: n.line, value: String(n.vectors) })),
      ...(tap ? [{ message: `and vpp/tap-mac: ${tap.message.split(':')[0]}`, interface: tap.interface }] : []),
    ];
    return [{
      ruleId: ID,
      severity: 'error',
      message: `VPP dropped ${total} frame(s) in ethernet-input as "l3 mac mismatch": they were addressed to a MAC its interface does not have. ` +
        (tap ? `The tap's MAC differs from the uplink's as VPP has it (vpp/tap-mac): that is where they come from.`
          : 'A MAC changed behind VPP\'s back (see vpp/tap-mac and link/mac-rewritten-by-udev), or the uplink\'s switch floods unicast to it; a counter that keeps growing is the MAC trap.'),
      evidence,
      fixes: [{
        title: 'See which frames and which MAC: trace ethernet-input, and compare the destination with the interfaces\' MACs',
        files: [],
        commands: [
          'vppctl clear errors; sleep 10; vppctl show errors   # still growing?',
          'vppctl trace add virtio-input 20; vppctl show trace   # the destination MAC of the dropped frames',
          'vppctl show hardware-interfaces   # the MAC VPP has per interface',
          'hostnet check --snapshot SNAPSHOT   # vpp/tap-mac and link/* name the rewrite and its fix',
        ],
      }],
    }];
  },
};

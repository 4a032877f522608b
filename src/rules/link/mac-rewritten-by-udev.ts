/**
 * link/mac-rewritten-by-udev: live proof that the race was lost. An interface a data plane owns has
 * the very MAC udevd derives for it under MACAddressPolicy=persistent (so udevd wrote it), or a MAC
 * other than the one VPP holds for the uplink (`vppctl show hardware-interfaces`). Traffic is lost now.
 */
import { loadLinkConfigs, persistentMac } from '../../model/link/index.js';
import { holderEvidence } from '../../model/mac-owners.js';
import { describeHolder } from '../../model/tun-owners.js';
import type { Evidence, Finding, Rule } from '../types.js';
import { ownedAtCreation, policyEvidence } from './owned-devices.js';
import { raceFix } from './race-fix.js';

export const macRewrittenByUdev: Rule = {
  meta: {
    id: 'link/mac-rewritten-by-udev',
    title: 'udevd rewrote the MAC of an interface a data plane owns',
    severity: 'error',
    references: ['seeds 000, 001', 'projectcalico/vpp-dataplane#465', 'projectcalico/vpp-dataplane docs/troubleshooting.md ("l3 mac mismatch")'],
  },
  check(host) {
    const set = loadLinkConfigs(host);
    const owned = ownedAtCreation(host, set).filter((o) => o.owned.state === 'existing' && o.owned.current?.mac);
    const findings: Finding[] = [];
    for (const target of owned) {
      const { owned: o, explanation: ex } = target;
      const current = o.current!.mac!;
      const machineId = host.snapshot.host.machineId;
      const derived = ex.macAddressPolicy === 'persistent' && machineId && ex.stableName ? persistentMac(machineId, ex.stableName) : null;
      const byUdev = derived !== null && derived === current;
      const mismatch = o.expectedMac !== null && o.expectedMac !== current;
      if (!byUdev && !mismatch) continue;
      // A configuration or a well-known name proves the owner needs its MAC; a holder only that it is in use.
      const severity = o.certainty === 'configured' ? 'error' : 'warning';
      const heldBy = o.holders.length > 0 ? `, held open by ${o.holders.map(describeHolder).join(', ')}` : '';
      const evidence: Evidence[] = [
        { message: `${o.name} has MAC ${current}`, interface: o.name, field: 'mac', value: current },
        ...(byUdev ? [{ message: `that is the persistent MAC udevd derives from the machine-id and "${ex.stableName}": udevd wrote it`, interface: o.name, field: 'mac', value: derived! }, ...policyEvidence(ex)] : []),
        ...(mismatch ? [{ message: `${o.owner} holds ${o.expectedMac} for it${o.owner === 'Calico/VPP' ? ' (the uplink\'s MAC in VPP)' : ''}: frames to ${current} are dropped`, interface: o.name, field: 'expectedMac', value: o.expectedMac! }] : []),
        ...(o.current!.udev?.ID_NET_LINK_FILE ? [{ message: `udev's database says ${o.current!.udev.ID_NET_LINK_FILE} was applied to it`, file: o.current!.udev.ID_NET_LINK_FILE }] : []),
        o.evidence,
        ...holderEvidence(o),
        ...(o.certainty === 'suspected' ? [{ message: `no configuration says which MAC ${o.name} must have; give the data plane's configuration (--input calico-vpp-config=FILE, or --kubeconfig) to know` }] : []),
      ];
      const race = raceFix(host, set, [target]);
      const restore = o.expectedMac ?? null;
      findings.push({
        ruleId: 'link/mac-rewritten-by-udev',
        severity,
        interface: o.name,
        message: `${o.name} (${o.owner}${heldBy}) has MAC ${current}` +
          (byUdev ? ', written by udevd under MACAddressPolicy=persistent' : '') +
          (mismatch ? `, not the ${o.expectedMac} ${o.owner} expects` : '') +
          (severity === 'error' ? ': connectivity through it is lost now' : ': if its owner set another MAC, traffic through it is lost'),
        evidence,
        fixes: race
          ? [{
              ...race,
              title: `${race.title}, and ${restore ? `the MAC set back to ${restore}` : `${o.owner} restarted so it sets the MAC again`}`,
              changes: restore ? [{ interface: o.name, set: { mac: restore, addrAssignType: 3 } }] : [],
              commands: [...(restore ? [`ip link set dev ${o.name} address ${restore}    # connectivity back now`] : []), ...race.commands],
              // The files keep the next tap's MAC (the race explorer), the restore clears today's state.
              verifyBy: o.owner === 'Calico/VPP' ? ['race-explorer', ...(restore ? ['declared-state' as const] : [])] : undefined,
            }]
          : [],
      });
    }
    return findings;
  },
};

/**
 * link/mac-policy-race: a data plane owns an interface's MAC (the Calico/VPP host tap, existing or
 * still to be created; flannel.1, vxlan.calico, cilium_*, docker0, ...), and the .link file udevd
 * applies to that interface when it is created has MACAddressPolicy=persistent or random. Whether
 * the data plane or udevd gets there first decides the MAC: a race (seeds 000 and 001).
 */
import { loadLinkConfigs } from '../../model/link/index.js';
import { holderEvidence, seedConditionsHold, type MacOwned } from '../../model/mac-owners.js';
import type { Evidence, Finding, Rule } from '../types.js';
import { policyEvidence, racedDevices } from './owned-devices.js';
import { raceFix } from './race-fix.js';

export const macPolicyRace: Rule = {
  meta: {
    id: 'link/mac-policy-race',
    title: 'udevd can rewrite the MAC of an interface a data plane owns',
    severity: 'error',
    references: [
      'seeds 000, 001 (Calico/VPP udevd race)',
      'projectcalico/vpp-dataplane docs/install/udevd.md',
      'systemd.link(5) MACAddressPolicy=',
      'moby/libnetwork#2380, flannel-io/flannel#1155, k3s-io/k3s#9957',
    ],
  },
  check(host) {
    const set = loadLinkConfigs(host);
    const atRisk = racedDevices(host, set);
    const fix = raceFix(host, set, atRisk);
    return atRisk.map(({ owned, explanation: ex }): Finding => {
      const seeds = owned.owner === 'Calico/VPP' && seedConditionsHold(owned.conditions);
      const writes = ex.macAction === 'random' ? 'a random MAC'
        : ex.macAction === 'static' ? `the static MACAddress= ${ex.resultMac}`
        : ex.resultMac ?? 'a persistent MAC (the machine-id is needed to compute it)';
      const evidence: Evidence[] = [
        { ...owned.evidence, interface: owned.name },
        ...holderEvidence(owned),
        ...policyEvidence(ex).map((e) => ({ ...e, interface: owned.name })),
        {
          message: `created with a random MAC (addr_assign_type 1), ${owned.name} gets ${writes} from udevd if udevd runs first` +
            (ex.stableName ? ` (hashed from the machine-id and "${ex.stableName}")` : ''),
          interface: owned.name, field: 'mac', value: ex.resultMac ?? undefined,
        },
        ...(owned.expectedMac ? [{ message: `${owned.owner} gives it ${owned.expectedMac}`, interface: owned.name, field: 'expectedMac', value: owned.expectedMac }] : []),
        ...conditionEvidence(owned),
        // The race explorer models the Calico/VPP tap bring-up; other data planes' steps are not modelled.
        ...(owned.owner === 'Calico/VPP' ? [{ message: `every ordering of the bring-up: hostnet race --uplink ${owned.name} (and --with-fix to see none lose)` }] : []),
      ];
      return {
        ruleId: 'link/mac-policy-race',
        severity: seeds ? 'error' : 'warning',
        interface: owned.name,
        message: `${owned.state === 'planned' ? `the tap ${owned.owner} will create as ${owned.name}` : `${owned.name} (${owned.owner})`} is matched by ${ex.linkFile} with ${ex.macAction === 'static' ? `MACAddress=${ex.resultMac}` : `MACAddressPolicy=${ex.macAddressPolicy}`}: ` +
          `if udevd handles its creation before ${owned.owner} sets the MAC, udevd writes ${writes} and ${owned.why.replace(/ \(.*\)$/, '')}` +
          (seeds ? '; the conditions of the known failure hold (several VPP workers, a multi-queue NIC)' : ''),
        evidence,
        // For the Calico/VPP tap the race explorer also runs every ordering of its bring-up with the file.
        fixes: fix ? [owned.owner === 'Calico/VPP' ? { ...fix, verifyBy: ['rules-with-files', 'race-explorer'] } : fix] : [],
      };
    });
  },
};

function conditionEvidence(owned: MacOwned): Evidence[] {
  const c = owned.conditions;
  if (!c) return [];
  const out: Evidence[] = [];
  if (c.vppWorkers) {
    out.push({ message: `VPP runs ${c.vppWorkers.count} worker thread${c.vppWorkers.count === 1 ? '' : 's'}`, file: c.vppWorkers.source, ...(c.vppWorkers.line ? { line: c.vppWorkers.line } : {}) });
  }
  if (c.uplinkNic) {
    out.push({ message: `the uplink NIC: driver ${c.uplinkNic.driver ?? 'unknown'}${c.uplinkNic.queues ? `, ${c.uplinkNic.queues} queues` : ''} (${c.uplinkNic.source})`, interface: owned.name });
  }
  return out;
}

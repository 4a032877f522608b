/**
 * vpp/networkd-permanent-mac: the uplink's systemd-networkd `.network` matches it by
 * PermanentMACAddress=. The tap Calico/VPP puts in its place has no permanent address, so networkd
 * stops managing the link: DNS is dropped and a DHCP lease is never renewed (the node is lost when it
 * expires). Calico/VPP docs/install/systemd-networkd.md; anchors §1.2.
 */
import type { Host } from '../../model/host.js';
import { firstNetworkFor, futureTap, networkFiles, networkMismatch, type NetworkFile } from '../../model/vpp/networkd.js';
import { calicoVppView } from '../../model/vpp/view.js';
import { parseUnitFile } from '../../sources/unitfile.js';
import type { Finding, Rule } from '../types.js';

const ID = 'vpp/networkd-permanent-mac';

/** The file rewritten: PermanentMACAddress= dropped from [Match], Name= added when there is none. */
function withoutPermanentMac(file: NetworkFile, name: string): string {
  const lines = file.text.split('\n');
  const parsed = parseUnitFile(file.path, file.text);
  const drop = new Set(parsed.assignments.filter((a) => a.section === 'Match' && a.key === 'PermanentMACAddress').map((a) => a.line));
  const out: string[] = [];
  let inMatch = false;
  lines.forEach((line, i) => {
    if (/^\s*\[/.test(line)) {
      inMatch = /^\s*\[Match\]\s*$/.test(line);
      out.push(line);
      if (inMatch && file.name.length === 0) out.push(`Name=${name}`);
      return;
    }
    if (drop.has(i + 1) && inMatch) {
      out.push(`# ${line.trim()}   (a tap has no permanent address; hostnet: see ${ID})`);
      return;
    }
    out.push(line);
  });
  return out.join('\n');
}

export const networkdPermanentMac: Rule = {
  meta: {
    id: ID,
    title: 'systemd-networkd matches the Calico/VPP uplink by PermanentMACAddress=, which the tap does not have',
    severity: 'error',
    references: [
      'projectcalico/vpp-dataplane docs/install/systemd-networkd.md (PR #808, #810)',
      'seeds/002 (the tap takes the uplink\'s name, MAC and addresses, not its permanent address)',
      'systemd.network(5) [Match] PermanentMACAddress=',
    ],
  },
  check(host: Host): Finding[] {
    const view = calicoVppView(host);
    const device = view.nic ?? view.tap;
    if (!view.uplinkName || !device) return [];
    const files = networkFiles(host);
    if (files.length === 0) return [];
    const tap = view.tap ?? futureTap(device);
    // The file that takes the uplink NIC today, or (after the takeover) the one naming the uplink's MAC.
    const before = view.nic
      ? firstNetworkFor(host, files, view.nic)
      : files.find((f) => [tap.mac, view.expectation?.tapMac, view.plan?.value.uplinkMac].some((m) => m && f.match.permanentMacAddress?.includes(m))) ?? null;
    if (!before || !before.match.permanentMacAddress?.length) return [];
    const after = firstNetworkFor(host, files, tap);
    if (after?.path === before.path) return [];
    const when = view.tap && !view.predicted ? 'now that VPP has replaced it with a tap' : 'once VPP replaces it with a tap';
    const consequence = after
      ? `the tap gets ${after.path} instead, which may not configure the same DHCP, DNS and routes`
      : 'no .network takes the tap: networkd leaves it unmanaged, drops its DNS servers and never renews a DHCP lease (the node goes off the network when the lease expires)';
    const fixed = withoutPermanentMac(before, view.uplinkName);
    const overridePath = `/etc/systemd/network/${before.path.slice(before.path.lastIndexOf('/') + 1)}`;
    return [{
      ruleId: ID,
      severity: after ? 'warning' : 'error',
      interface: view.uplinkName,
      message: `${before.path} matches ${view.uplinkName} by PermanentMACAddress=; ${when} (same name and MAC, no permanent address) it no longer matches: ${consequence}`,
      evidence: [
        { message: `[Match] PermanentMACAddress=${before.match.permanentMacAddress.join(' ')}`, file: before.path, line: before.lines.PermanentMACAddress, interface: view.uplinkName },
        { message: `for the tap: ${networkMismatch(host, before, tap)}`, interface: view.uplinkName },
        ...(view.inputs.config ? [{ message: `Calico/VPP takes ${view.uplinkName} (main uplink)`, file: view.inputs.config.source, ...(view.inputs.config.value.mainUplink?.line ? { line: view.inputs.config.value.mainUplink.line } : {}) }] : []),
      ],
      fixes: [{
        title: `Match ${view.uplinkName} by name instead: ${overridePath} (same name, so it replaces ${before.path}), without PermanentMACAddress=`,
        files: [{ path: overridePath, content: fixed.endsWith('\n') ? fixed : `${fixed}\n` }],
        commands: ['networkctl reload', `networkctl status ${view.uplinkName}   # "Network File: ${overridePath}"`],
      }],
    }];
  },
};

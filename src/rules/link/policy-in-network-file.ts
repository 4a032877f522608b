/**
 * link/policy-in-network-file: a key that only udevd's .link files understand (MACAddressPolicy=,
 * NamePolicy=, ...) written in a systemd-networkd .network file, where it does nothing. The classic
 * case is a MAC-race workaround put in the wrong file (flatcar coreos-overlay #279, moved to a .link
 * in #282): the trap stays armed while the file looks right.
 */
import { LINK_ONLY_KEYS } from '../../model/link/index.js';
import { parseUnitFile } from '../../sources/unitfile.js';
import type { Finding, Rule } from '../types.js';

export const policyInNetworkFile: Rule = {
  meta: {
    id: 'link/policy-in-network-file',
    title: 'A .link-only setting in a .network file does nothing',
    severity: 'warning',
    references: ['systemd.link(5)', 'systemd.network(5)', 'flatcar/coreos-overlay#279, #282'],
  },
  check(host) {
    const findings: Finding[] = [];
    for (const file of host.snapshot.files) {
      if (!/\.network(\.d\/[^/]+\.conf)?$/.test(file.path) || file.content === null) continue;
      const parsed = parseUnitFile(file.path, file.content);
      for (const a of parsed.assignments) {
        if (!LINK_ONLY_KEYS.has(a.key)) continue;
        findings.push({
          ruleId: 'link/policy-in-network-file',
          severity: 'warning',
          message: `${a.key}= in ${file.path} [${a.section}] does nothing: systemd-networkd ignores it; only a .link file read by udevd applies it`,
          evidence: [{ message: `${a.key}=${a.value}`, file: file.path, line: a.line }],
          fixes: [{
            title: `move ${a.key}= into a .link file under /etc/systemd/network with a [Match] for the same devices, named to sort before the file that applies to them today (see npx hostnet link explain IFNAME)`,
            files: [],
            commands: [],
          }],
        });
      }
    }
    return findings;
  },
};

/**
 * The fix for the MAC race: a .link file that matches the data-plane-owned devices (by driver,
 * narrowed to their names with OriginalName=) and tells udevd to leave their MAC alone
 * (MACAddressPolicy=none, NamePolicy=keep), named so that it sorts before the file that applies
 * today; first match wins, so it takes over for exactly those devices.
 */
import { basename } from 'node:path/posix';
import type { Host } from '../../model/host.js';
import type { LinkConfigSet } from '../../model/link/index.js';
import type { Fix, FixFile } from '../types.js';
import type { OwnedAtCreation } from './owned-devices.js';

const PREFIXES = ['10', '05', '01', '00', '0'];

export function raceFix(host: Host, set: LinkConfigSet, targets: OwnedAtCreation[]): Fix | null {
  const byDriver = new Map<string, OwnedAtCreation[]>();
  for (const t of targets) {
    const driver = t.device.driver;
    if (!driver) continue;
    byDriver.set(driver, [...(byDriver.get(driver) ?? []), t]);
  }
  if (byDriver.size === 0) return null;
  const existing = new Set([...set.configs.map((c) => basename(c.path)), ...set.skipped.map((s) => basename(s.path))]);
  const files: FixFile[] = [];
  for (const [driver, group] of byDriver) {
    const beat = group.map((g) => g.explanation.linkFile).filter((p): p is string => p !== null).map((p) => basename(p));
    const slug = driver.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase();
    const name = PREFIXES.map((p) => `${p}-hostnet-keep-mac-${slug}.link`)
      .find((n) => beat.every((b) => n < b) && (!existing.has(n) || host.file(`/etc/systemd/network/${n}`)?.content?.startsWith('# Written by hostnet')));
    if (!name) continue;
    const names = [...new Set(group.map((g) => g.device.name))].sort();
    const owners = [...new Set(group.map((g) => g.owned.owner))].join(', ');
    files.push({
      path: `/etc/systemd/network/${name}`,
      content: [
        `# ${owners} set the MAC of these devices themselves; udevd must not race them for it.`,
        '[Match]',
        `Driver=${driver}`,
        `OriginalName=${names.join(' ')}`,
        '',
        '[Link]',
        'NamePolicy=keep',
        'MACAddressPolicy=none',
        '',
      ].join('\n'),
    });
  }
  if (files.length === 0) return null;
  const vpp = targets.some((t) => t.owned.owner === 'Calico/VPP');
  return {
    title: `a .link file that leaves the MAC of ${[...new Set(targets.map((t) => t.device.name))].join(', ')} to the data plane`,
    files,
    // The end-to-end test installs the file for a tap; other drivers' files are not run for real.
    ...([...byDriver.keys()].every((d) => d === 'tun')
      ? { testedBy: { detail: 'written by hostnet fix and installed, such a file makes the real udevd 252 leave a new tap\'s MAC alone', test: 'test/system/link-race-e2e.test.ts' } }
      : {}),
    commands: [
      'udevadm control --reload            # or: systemctl restart systemd-udevd',
      ...(vpp ? ['kubectl -n calico-vpp-dataplane delete pod -l k8s-app=calico-vpp-node --field-selector spec.nodeName=$(hostname)   # VPP recreates the tap'] : []),
    ],
  };
}

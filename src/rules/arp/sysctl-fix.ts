/** What the ARP rules' fixes share: sysctl settings as `sysctl -w` lines, declared state and one sysctl.d file per rule. */
import type { Host } from '../../model/host.js';
import { confName, ipv4Conf } from '../../model/sysctl.js';
import type { Finding, Fix } from '../types.js';

export const ARP_MATRIX_TEST = 'test/system/arp-matrix.test.ts';

/** arp_ignore 4-7 and above 8, arp_announce above 2: the kernel's switch treats them as 0. */
function actsAsZero(key: StrictKey, v: number): boolean {
  return key === 'arp_ignore' ? (v >= 4 && v <= 7) || v > 8 : v > 2;
}

type StrictKey = 'arp_ignore' | 'arp_announce';

/** Values that answer (arp_ignore) or announce (arp_announce) only the interface's own addresses. */
function ownOnly(key: StrictKey, v: number): boolean {
  return key === 'arp_ignore' ? [1, 2, 8].includes(v) : v === 2;
}

/**
 * The settings that make each device answer (arp_ignore) or announce (arp_announce) only its own
 * addresses: 1 or 2 on the device, unless its value already does. The kernel uses the larger of all and
 * the device, so an `all` that would win with a value that does not (arp_ignore 3, or a value that acts
 * as 0) goes to 0; interfaces that took arp_ignore 3 from it keep it by their own value.
 */
export function ownAddressesOnly(host: Host, devices: readonly string[], key: StrictKey): Record<string, string> {
  const want = key === 'arp_ignore' ? 1 : 2;
  const out: Record<string, string> = {};
  const all = ipv4Conf(host, 'all', key) ?? 0;
  if (all > want && !ownOnly(key, all)) {
    out[confName('ipv4', 'all', key)] = '0';
    if (!actsAsZero(key, all)) {
      for (const i of host.interfaces) {
        const own = ipv4Conf(host, i.name, key);
        if (own !== null && own < all && !devices.includes(i.name)) out[confName('ipv4', i.name, key)] = String(all);
      }
    }
  }
  for (const dev of devices) {
    const own = ipv4Conf(host, dev, key) ?? 0;
    out[confName('ipv4', dev, key)] = String(ownOnly(key, own) ? own : want);
  }
  return out;
}

/** `arp_ignore 1 on eth0, eth1 and arp_announce 2 on eth0, eth1`: a fix's settings grouped by key and value. */
export function describeSettings(sysctls: Record<string, string>): string {
  const groups = new Map<string, string[]>();
  for (const [name, value] of Object.entries(sysctls)) {
    const [, , , dev, key] = name.split('.');
    const label = `${key} ${value}`;
    groups.set(label, [...(groups.get(label) ?? []), dev!.replaceAll('/', '.')]);
  }
  return [...groups].map(([label, devs]) => `${label} on ${devs.join(', ')}`).join(' and ');
}

/** A fix that sets sysctls now (in the snapshot's namespace when it has one); its file comes from withSharedFile. */
export function sysctlFix(host: Host, title: string, sysctls: Record<string, string>, testedBy: string, then: string[] = []): Fix {
  const netns = host.snapshot.scope.netns;
  const inNs = (cmd: string): string => (netns ? `ip netns exec ${netns} ${cmd}` : cmd);
  return {
    title,
    files: [],
    sysctls,
    commands: [inNs(`sysctl -w ${Object.entries(sysctls).map(([k, v]) => `${k}=${v}`).join(' ')}`), ...then],
    verifyBy: ['declared-state'],
    testedBy: { detail: testedBy, test: ARP_MATRIX_TEST },
  };
}

/**
 * One sysctl.d file for all of a rule's findings (each fix writes the same file, so applying several
 * never conflicts): every setting of their fixes, `all` first.
 */
export function withSharedFile(findings: Finding[], path: string, why: string): Finding[] {
  const settings = new Map<string, string>();
  for (const f of findings) for (const fix of f.fixes) for (const [k, v] of Object.entries(fix.sysctls ?? {})) settings.set(k, v);
  const lines = [...settings].sort(([a], [b]) => Number(!a.includes('.all.')) - Number(!b.includes('.all.'))).map(([k, v]) => `${k} = ${v}`);
  const file = { path, content: `# Written by hostnet: ${why}\n${lines.join('\n')}\n` };
  for (const f of findings) for (const fix of f.fixes) fix.files = [file];
  return findings;
}

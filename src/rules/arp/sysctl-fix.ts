/** What the ARP rules' fixes share: sysctl settings as a sysctl.d file, `sysctl -w` lines and declared state. */
import type { Host } from '../../model/host.js';
import { confName, ipv4Conf } from '../../model/sysctl.js';
import type { Fix } from '../types.js';

export const ARP_SYSCTL_FILE = '/etc/sysctl.d/90-hostnet-arp.conf';
export const ARP_MATRIX_TEST = 'test/system/arp-matrix.test.ts';

/** `key` on each device, raised to at least `value` (a larger value the host has already is kept: it is stricter). */
export function atLeast(host: Host, devices: readonly string[], key: string, value: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const dev of devices) out[confName('ipv4', dev, key)] = String(Math.max(value, ipv4Conf(host, dev, key) ?? 0));
  return out;
}

/** A fix that sets sysctls now (in the snapshot's namespace when it has one) and keeps them in a sysctl.d file. */
export function sysctlFix(host: Host, title: string, why: string, sysctls: Record<string, string>, testedBy: string, then: string[] = []): Fix {
  const netns = host.snapshot.scope.netns;
  const inNs = (cmd: string): string => (netns ? `ip netns exec ${netns} ${cmd}` : cmd);
  const lines = Object.entries(sysctls).map(([k, v]) => `${k} = ${v}`);
  return {
    title,
    files: [{ path: ARP_SYSCTL_FILE, content: `# Written by hostnet: ${why}\n${lines.join('\n')}\n` }],
    sysctls,
    commands: [inNs(`sysctl -w ${Object.entries(sysctls).map(([k, v]) => `${k}=${v}`).join(' ')}`), ...then],
    verifyBy: ['declared-state'],
    testedBy: { detail: testedBy, test: ARP_MATRIX_TEST },
  };
}

/** What the ARP rules' fixes share: sysctl settings as `sysctl -w` lines, declared state and one sysctl.d file per rule. */
import type { Host } from '../../model/host.js';
import { confName, ipv4Conf } from '../../model/sysctl.js';
import type { Finding, Fix } from '../types.js';

export const ARP_MATRIX_TEST = 'test/system/arp-matrix.test.ts';

/** `key` on each device, raised to at least `value` (a larger value the host has already is kept: it is stricter). */
export function atLeast(host: Host, devices: readonly string[], key: string, value: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const dev of devices) out[confName('ipv4', dev, key)] = String(Math.max(value, ipv4Conf(host, dev, key) ?? 0));
  return out;
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

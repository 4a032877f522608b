/**
 * The network sysctls that decide what the host quietly drops: reverse-path filtering, ARP replies,
 * forwarding, router advertisements, PMTU discovery, bridged traffic through netfilter.
 *
 * /proc/sys/net shows the network namespace of the process that opens it, so a `--netns` collection
 * (which runs the collector inside the namespace) reads that namespace's values. Only the keys that
 * analysis uses are read, per interface, with the same one-buffer synchronous reads as sysfs: a large
 * host has thousands of interfaces and a process or a promise per file would cost more than the reads.
 * They are read in the sysfs batch (sysfs.ts readSysfsBatchOverlapped), on the sysfs worker on a large host.
 *
 * Names are recorded as `sysctl -a` prints them: dotted, with a dot inside an interface name written
 * as a slash (net.ipv4.conf.eth0/100.rp_filter), so that a sosreport's copy reads the same way.
 */
import { readdirSync } from 'node:fs';
import type { Gap } from '../snapshot/schema.js';
import { readSmall } from './small-file.js';

const PROC_NET = '/proc/sys/net';
/**
 * Bytes asked for per read: the kernel allocates and zeroes a buffer of that size for each read of a
 * /proc/sys file, so 64 KiB per read made the sysctls cost several times the sysfs reads. A value is a
 * few bytes; a longer one is read in several calls.
 */
const SYSCTL_READ_BYTES = 256;

/** Per-interface IPv4 keys (net.ipv4.conf.IF.KEY), read for all, default and every interface. */
export const IPV4_CONF_KEYS = [
  'rp_filter', 'arp_ignore', 'arp_announce', 'arp_filter', 'arp_accept', 'forwarding', 'accept_local',
  'proxy_arp', 'route_localnet', 'src_valid_mark', 'send_redirects', 'accept_redirects', 'log_martians',
] as const;

/** Per-interface IPv6 keys (net.ipv6.conf.IF.KEY). */
export const IPV6_CONF_KEYS = [
  'forwarding', 'accept_ra', 'accept_ra_defrtr', 'accept_ra_pinfo', 'accept_ra_mtu', 'autoconf', 'disable_ipv6', 'mtu',
] as const;

/** Keys outside the per-interface trees; a missing one (no IPv6, no br_netfilter) is left out silently. */
export const GLOBAL_KEYS = [
  'ipv4/ip_forward', 'ipv4/ip_no_pmtu_disc', 'ipv4/ip_forward_use_pmtu', 'ipv4/ip_nonlocal_bind', 'ipv4/tcp_mtu_probing',
  'ipv4/route/min_pmtu', 'ipv4/route/mtu_expires',
] as const;

export interface SysctlCollection {
  sysctls: Record<string, string>;
  gaps: Gap[];
}

/** The dotted name `sysctl` prints for a path below /proc/sys/net. */
export function sysctlName(path: string[]): string {
  return ['net', ...path.map((part) => part.replaceAll('.', '/'))].join('.');
}

/**
 * Reads the network sysctls of this process's namespace. A file that exists but cannot be read is a
 * gap; keys the kernel does not have (no IPv6, br_netfilter not loaded) are simply absent.
 */
export function readSysctls(): SysctlCollection {
  const sysctls: Record<string, string> = {};
  const gaps: Gap[] = [];
  const read = (path: string[]): void => {
    const value = readSmall(`${PROC_NET}/${path.join('/')}`, SYSCTL_READ_BYTES);
    if (value !== null) sysctls[sysctlName(path)] = value;
  };
  for (const key of GLOBAL_KEYS) read(key.split('/'));
  for (const [family, keys] of [['ipv4', IPV4_CONF_KEYS], ['ipv6', IPV6_CONF_KEYS]] as const) {
    const confs = listDir(`${PROC_NET}/${family}/conf`, gaps);
    for (const conf of confs ?? []) for (const key of keys) read([family, 'conf', conf, key]);
  }
  // br_netfilter adds net.bridge only once loaded (in each namespace since 5.3): every key it has.
  for (const key of listDir(`${PROC_NET}/bridge`, null) ?? []) read(['bridge', key]);
  if (Object.keys(sysctls).length === 0) {
    gaps.push({ source: PROC_NET, reason: 'failed', detail: 'no network sysctl could be read (is /proc mounted?)' });
  }
  return { sysctls, gaps };
}

function listDir(dir: string, gaps: Gap[] | null): string[] | null {
  try {
    return readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A kernel without IPv6 has no ipv6 tree: not a gap, the keys do not exist.
    if (gaps && code !== 'ENOENT') gaps.push({ source: dir, reason: code === 'EACCES' ? 'permission-denied' : 'failed', detail: (err as Error).message });
    return null;
  }
}

/**
 * The `net.` lines of `sysctl -a` output (`name = value`), as a sosreport or a directory of captures
 * holds it. Values keep their inner spacing (tabs between numbers stay as sysctl printed them).
 */
export function sysctlsFromText(text: string): Record<string, string> {
  const sysctls: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf(' = ');
    if (eq <= 0 || !line.startsWith('net.')) continue;
    sysctls[line.slice(0, eq).trim()] = line.slice(eq + 3).trim();
  }
  return sysctls;
}

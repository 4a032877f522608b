/**
 * Live collection of one host (or the current network namespace) into a snapshot.
 * The only code, with the CLI's re-exec into a namespace, that touches the analysed machine. It records
 * what it saw and what it could not see (gaps); it decides nothing.
 */
import { existsSync } from 'node:fs';
import type { Gap, Interface, NextHop, Route, RoutingRule, Snapshot } from '../snapshot/schema.js';
import { SNAPSHOT_SCHEMA } from '../snapshot/version.js';
import { VERSION } from '../version.js';
import { run, runLarge, type RunResult } from './exec.js';
import { collectFiles } from './files.js';
import { collectHost } from './host.js';
import { collectTunHolders } from './tun-holders.js';
import { collectVpp } from './vpp.js';
import { collectNftRuleset } from './nft.js';
import { collectDaemons } from './daemons.js';
import { arphrdFromLinkType, interfacesFromIpAddr, nexthopsFromIp, NO_SYSFS, routesFromIp, rulesFromIp } from './ip.js';
import { readSysfsBatch, readSysfsBatchOverlapped, readUdevDb, type SysfsBatch } from './sysfs.js';
import { readSysctls } from './sysctls.js';

export interface CollectOptions {
  /** Read configuration files below this directory instead of `/`. */
  root?: string;
  /** Leave out what identifies the machine (machine-id). */
  redact?: boolean;
  /** Recorded in the snapshot: the namespace this process was started in by the caller. */
  netnsLabel?: string | null;
  /** Called with short progress messages for long collections. */
  progress?: (message: string) => void;
  /**
   * Read sysfs of a large host on a worker thread, overlapping `ip` (the default: fastest). The node
   * agent reads it on its own thread instead: a worker is a V8 instance of its own, memory an agent
   * cannot spare.
   */
  sysfsWorkers?: boolean;
}

export async function collectHere(options: CollectOptions = {}): Promise<Snapshot> {
  const root = options.root ?? '/';
  const gaps: Gap[] = [];
  const progress = options.progress ?? (() => {});

  progress('reading links, addresses, routes and sysfs');
  // ip goes first: it is the longest part, and each process started before it delays it.
  // Each output is converted as soon as it arrives, so its text and ip's JSON are garbage before the
  // next one is read: on a large host they are several times the size of what is kept.
  const ipParts = [
    runLarge(['ip', '-d', '-j', 'addr', 'show']).then((res) => converted(res, 'ip -d -j addr show', interfacesFromIpAddr)),
    runLarge(['ip', '-4', '-j', 'route', 'show', 'table', 'all']).then((res) => converted(res, 'ip -j route (inet)', (j) => routesFromIp(j, 'inet'))),
    runLarge(['ip', '-6', '-j', 'route', 'show', 'table', 'all']).then((res) => converted(res, 'ip -j route (inet6)', (j) => routesFromIp(j, 'inet6'))),
  ] as const;
  // sysfs and the network sysctls (about 20 files per interface), on the sysfs worker on a large host.
  // /proc/sys/net is this namespace's, whatever --root says: configuration comes from below a root,
  // state from here.
  const sysfsPromise = (options.sysfsWorkers === false ? Promise.resolve().then(() => readSysfsBatch()) : readSysfsBatchOverlapped()).catch((err: Error): SysfsBatch => {
    gaps.push({ source: '/sys/class/net', reason: 'failed', detail: err.message });
    return { sysfs: {}, sysctls: readSysctls() };
  });
  // vppctl shows VPP of this machine only: not for a collection below another root.
  const vppPart = root === '/' ? collectVpp() : Promise.resolve({ commands: [], gaps: [] });
  // The ruleset is the kernel's, not a file's: not for a collection below another root.
  const nftPart = root === '/' ? collectNftRuleset() : Promise.resolve({ commands: [], gaps: [] });
  // systemctl and iptables answer for this machine only, as vppctl does.
  const daemonPart = root === '/' ? collectDaemons() : Promise.resolve({ commands: [], gaps: [] });
  // Policy rules and nexthops: what systemd-networkd's ManageForeign* settings decide about.
  const policyParts = Promise.all([
    run(['ip', '-4', '-d', '-j', 'rule', 'show']).then((res) => converted(res, 'ip -d -j rule (inet)', (j) => rulesFromIp(j, 'inet'))),
    run(['ip', '-6', '-d', '-j', 'rule', 'show']).then((res) => converted(res, 'ip -d -j rule (inet6)', (j) => rulesFromIp(j, 'inet6'))),
    run(['ip', '-d', '-j', 'nexthop', 'show']).then((res) => converted(res, 'ip -d -j nexthop', nexthopsFromIp)),
  ]);
  const [interfacesRead, routes4, routes6, hostPart, filePart, { sysfs, sysctls: sys }, vpp, [rules4, rules6, nexthopsRead], daemons, nft] = await Promise.all([
    ...ipParts,
    collectHost(root, options.redact ?? false),
    collectFiles(root),
    sysfsPromise,
    vppPart,
    policyParts,
    daemonPart,
    nftPart,
  ]);

  for (const part of [interfacesRead, routes4, routes6, rules4, rules6, nexthopsRead]) if (part.gap) gaps.push(part.gap);
  // An interface that appeared between the two reads has no sysfs facts: they stay unknown. Completed
  // in place: a copy would double the largest part of the snapshot.
  const udevDb = existsSync('/run/udev/data');
  const interfaces: Interface[] = interfacesRead.value ?? [];
  for (const iface of interfaces) {
    Object.assign(iface, sysfs[iface.name] ?? NO_SYSFS, { arphrdType: arphrdFromLinkType(iface.linkType), udev: udevDb ? readUdevDb(iface.index) : null });
  }
  const routes: Route[] = [...(routes4.value ?? []), ...(routes6.value ?? [])];
  const rules: RoutingRule[] = [...(rules4.value ?? []), ...(rules6.value ?? [])];
  const nexthops: NextHop[] = nexthopsRead.value ?? [];
  // Who holds each tun/tap: this machine's processes only, and only read when there is a tun/tap.
  const tun = root === '/' && interfaces.some((i) => i.kind === 'tun') ? collectTunHolders() : { holders: [], gaps: [] };

  return {
    schema: SNAPSHOT_SCHEMA,
    collectedAt: new Date().toISOString(),
    collector: { name: 'hostnet', version: VERSION },
    scope: { netns: options.netnsLabel ?? null, root, redacted: options.redact ?? false },
    host: hostPart.host,
    interfaces,
    routes,
    rules,
    nexthops,
    files: filePart.files,
    commands: [...vpp.commands, ...daemons.commands, ...nft.commands],
    tunHolders: tun.holders,
    sysctls: sys.sysctls,
    gaps: [...gaps, ...hostPart.gaps, ...filePart.gaps, ...vpp.gaps, ...daemons.gaps, ...nft.gaps, ...tun.gaps, ...sys.gaps],
  };
}

/** A command's JSON output converted, or a gap when it failed or printed something unreadable. */
function converted<T>(res: RunResult, source: string, convert: (json: unknown) => T): { value: T | null; gap: Gap | null } {
  if (!res.ok) return { value: null, gap: res.gap };
  try {
    // ip prints nothing at all (not "[]") for an empty table.
    return { value: convert(res.stdout.trim() === '' ? [] : JSON.parse(res.stdout)), gap: null };
  } catch (err) {
    return { value: null, gap: { source, reason: 'failed', detail: `unreadable output: ${(err as Error).message}` } };
  }
}

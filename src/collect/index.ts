/**
 * Live collection of one host (or the current network namespace) into a snapshot.
 * The only code, with the CLI's re-exec into a namespace, that touches the analysed machine. It records
 * what it saw and what it could not see (gaps); it decides nothing.
 */
import { existsSync } from 'node:fs';
import type { Gap, Interface, Route, Snapshot } from '../snapshot/schema.js';
import { SNAPSHOT_SCHEMA } from '../snapshot/version.js';
import { VERSION } from '../version.js';
import { run } from './exec.js';
import { collectFiles } from './files.js';
import { collectHost } from './host.js';
import { collectVpp } from './vpp.js';
import { arphrdFromLinkType, interfacesFromIpAddr, NO_SYSFS, routesFromIp } from './ip.js';
import { readAllSysfsInWorkers, readUdevDb } from './sysfs.js';

export interface CollectOptions {
  /** Read configuration files below this directory instead of `/`. */
  root?: string;
  /** Leave out what identifies the machine (machine-id). */
  redact?: boolean;
  /** Recorded in the snapshot: the namespace this process was started in by the caller. */
  netnsLabel?: string | null;
  /** Called with short progress messages for long collections. */
  progress?: (message: string) => void;
}

export async function collectHere(options: CollectOptions = {}): Promise<Snapshot> {
  const root = options.root ?? '/';
  const gaps: Gap[] = [];
  const progress = options.progress ?? (() => {});

  progress('reading links, addresses, routes and sysfs');
  const sysfsPromise = readAllSysfsInWorkers().catch((err: Error) => {
    gaps.push({ source: '/sys/class/net', reason: 'failed', detail: err.message });
    return {} as Awaited<ReturnType<typeof readAllSysfsInWorkers>>;
  });
  // vppctl shows VPP of this machine only: not for a collection below another root.
  const vppPart = root === '/' ? collectVpp() : Promise.resolve({ commands: [], gaps: [] });
  const [addr, route4, route6, hostPart, filePart, sysfs, vpp] = await Promise.all([
    run(['ip', '-d', '-j', 'addr', 'show']),
    run(['ip', '-4', '-j', 'route', 'show', 'table', 'all']),
    run(['ip', '-6', '-j', 'route', 'show', 'table', 'all']),
    collectHost(root, options.redact ?? false),
    collectFiles(root),
    sysfsPromise,
    vppPart,
  ]);

  let interfaces: Interface[] = [];
  if (addr.ok) interfaces = parseJsonOutput(addr.stdout, 'ip -d -j addr show', gaps, interfacesFromIpAddr) ?? [];
  else gaps.push(addr.gap);

  const routes: Route[] = [];
  for (const [res, family] of [[route4, 'inet'], [route6, 'inet6']] as const) {
    if (res.ok) routes.push(...(parseJsonOutput(res.stdout, `ip -j route (${family})`, gaps, (j) => routesFromIp(j, family)) ?? []));
    else gaps.push(res.gap);
  }

  // An interface that appeared between the two reads has no sysfs facts: they stay unknown.
  const udevDb = existsSync('/run/udev/data');
  interfaces = interfaces.map((iface) => ({
    ...iface,
    ...(sysfs[iface.name] ?? NO_SYSFS),
    arphrdType: arphrdFromLinkType(iface.linkType),
    udev: udevDb ? readUdevDb(iface.index) : null,
  }));

  return {
    schema: SNAPSHOT_SCHEMA,
    collectedAt: new Date().toISOString(),
    collector: { name: 'hostnet', version: VERSION },
    scope: { netns: options.netnsLabel ?? null, root, redacted: options.redact ?? false },
    host: hostPart.host,
    interfaces,
    routes,
    files: filePart.files,
    commands: vpp.commands,
    gaps: [...gaps, ...hostPart.gaps, ...filePart.gaps, ...vpp.gaps],
  };
}

function parseJsonOutput<T>(stdout: string, source: string, gaps: Gap[], convert: (json: unknown) => T): T | null {
  try {
    // ip prints nothing at all (not "[]") for an empty table.
    return convert(stdout.trim() === '' ? [] : JSON.parse(stdout));
  } catch (err) {
    gaps.push({ source, reason: 'failed', detail: `unreadable output: ${(err as Error).message}` });
    return null;
  }
}

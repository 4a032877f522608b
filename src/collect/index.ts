/**
 * Live collection of one host (or the current network namespace) into a snapshot.
 * The only code, with the CLI's re-exec into a namespace, that touches the analysed machine. It records
 * what it saw and what it could not see (gaps); it decides nothing.
 */
import { SNAPSHOT_SCHEMA, type Gap, type Interface, type Route, type Snapshot } from '../snapshot/schema.js';
import { VERSION } from '../version.js';
import { run } from './exec.js';
import { collectFiles } from './files.js';
import { collectHost } from './host.js';
import { interfacesFromIpAddr, routesFromIp } from './ip.js';
import { readSysfs } from './sysfs.js';

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

  progress('reading links, addresses and routes');
  const [addr, route4, route6, hostPart, filePart] = await Promise.all([
    run(['ip', '-d', '-j', 'addr', 'show']),
    run(['ip', '-4', '-j', 'route', 'show', 'table', 'all']),
    run(['ip', '-6', '-j', 'route', 'show', 'table', 'all']),
    collectHost(root, options.redact ?? false),
    collectFiles(root),
  ]);

  let interfaces: Interface[] = [];
  if (addr.ok) interfaces = parseJsonOutput(addr.stdout, 'ip -d -j addr show', gaps, interfacesFromIpAddr) ?? [];
  else gaps.push(addr.gap);

  const routes: Route[] = [];
  for (const [res, family] of [[route4, 'inet'], [route6, 'inet6']] as const) {
    if (res.ok) routes.push(...(parseJsonOutput(res.stdout, `ip -j route (${family})`, gaps, (j) => routesFromIp(j, family)) ?? []));
    else gaps.push(res.gap);
  }

  progress(`reading sysfs for ${interfaces.length} interfaces`);
  const sysfs = await Promise.all(interfaces.map((i) => readSysfs(i.name, i.index)));
  interfaces = interfaces.map((iface, n) => ({ ...iface, ...sysfs[n]! }));

  return {
    schema: SNAPSHOT_SCHEMA,
    collectedAt: new Date().toISOString(),
    collector: { name: 'hostnet', version: VERSION },
    scope: { netns: options.netnsLabel ?? null, root, redacted: options.redact ?? false },
    host: hostPart.host,
    interfaces,
    routes,
    files: filePart.files,
    commands: [],
    gaps: [...gaps, ...hostPart.gaps, ...filePart.gaps],
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

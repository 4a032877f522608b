/**
 * The host model: the snapshot with the indexes every analysis needs, built once. Pure: no I/O, no
 * clock. Domain models (.link matching, bridges, macvlan, the VPP takeover) are functions over it.
 */
import type { FileRecord, Interface, Route, Snapshot } from '../snapshot/schema.js';

export interface Host {
  readonly snapshot: Snapshot;
  readonly interfaces: readonly Interface[];
  readonly routes: readonly Route[];
  interface(name: string): Interface | undefined;
  /** Interfaces whose master is `name` (bridge or bond ports). */
  ports(name: string): Interface[];
  /** Interfaces stacked on `name` (macvlan, vlan, vxlan children), not veth peers. */
  children(name: string): Interface[];
  file(path: string): FileRecord | undefined;
  /** Files whose path starts with a directory prefix, in path order. */
  filesUnder(dir: string): FileRecord[];
}

export function buildHost(snapshot: Snapshot): Host {
  const byName = new Map(snapshot.interfaces.map((i) => [i.name, i]));
  const byMaster = groupBy(snapshot.interfaces, (i) => i.master);
  const byLink = groupBy(snapshot.interfaces.filter((i) => i.kind !== 'veth'), (i) => (i.linkNetns ? null : i.link));
  const files = new Map(snapshot.files.map((f) => [f.path, f]));
  const sortedFiles = [...snapshot.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    snapshot,
    interfaces: snapshot.interfaces,
    routes: snapshot.routes,
    interface: (name) => byName.get(name),
    ports: (name) => byMaster.get(name) ?? [],
    children: (name) => byLink.get(name) ?? [],
    file: (path) => files.get(path),
    filesUnder: (dir) => {
      const prefix = dir.endsWith('/') ? dir : `${dir}/`;
      return sortedFiles.filter((f) => f.path.startsWith(prefix));
    },
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string | null): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === null) continue;
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

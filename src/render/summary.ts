/**
 * A readable summary of a snapshot: host facts, interfaces as a tree (bridge and bond ports under
 * their master, macvlan/vlan/vxlan children under their parent), addresses, and route counts.
 */
import pc from 'picocolors';
import type { Host } from '../model/host.js';
import type { Interface } from '../snapshot/schema.js';

export function renderSummary(host: Host, color: boolean): string {
  const c = pc.createColors(color);
  const s = host.snapshot;
  const h = s.host;
  const lines: string[] = [];
  lines.push(c.bold(`${h.hostname ?? '(unknown host)'}`) + c.dim(`  collected ${s.collectedAt} by hostnet ${s.collector.version}${s.scope.netns ? `, netns ${s.scope.netns}` : ''}`));
  lines.push(`  ${[h.os.prettyName, h.kernelRelease && `kernel ${h.kernelRelease}`, h.systemdVersion && `systemd ${h.systemdVersion}`,
    h.virtualization && `virtualization ${h.virtualization}`].filter(Boolean).join(', ')}`);
  lines.push('', c.bold(`Interfaces (${s.interfaces.length})`));

  const placed = new Set<string>();
  const walk = (iface: Interface, depth: number, relation: string): void => {
    if (placed.has(iface.name)) return;
    placed.add(iface.name);
    lines.push(`${'  '.repeat(depth + 1)}${relation}${describe(iface, c)}`);
    for (const a of iface.addresses) lines.push(`${'  '.repeat(depth + 3)}${c.dim(a.family === 'inet' ? 'inet ' : 'inet6')} ${a.local}/${a.prefixlen}`);
    for (const port of host.ports(iface.name)) walk(port, depth + 1, `${c.dim('port')} `);
    for (const child of host.children(iface.name)) walk(child, depth + 1, `${c.dim(child.kind ?? 'child')} `);
  };
  // Roots: no master and not stacked on another interface of this snapshot.
  for (const iface of s.interfaces) {
    const stacked = iface.kind !== 'veth' && !iface.linkNetns && iface.link !== null && host.interface(iface.link) !== undefined;
    if (iface.master === null && !stacked) walk(iface, 0, '');
  }
  for (const iface of s.interfaces) walk(iface, 0, ''); // anything left in a cycle or with a missing master

  const tables = new Map<string, number>();
  for (const r of s.routes) tables.set(`${r.family} ${r.table}`, (tables.get(`${r.family} ${r.table}`) ?? 0) + 1);
  lines.push('', c.bold(`Routes (${s.routes.length})`));
  for (const [key, n] of [...tables].sort()) lines.push(`  ${key}: ${n}`);

  const kinds = new Map<string, number>();
  for (const f of s.files) {
    const kind = f.path.startsWith('/proc/net/bonding/') ? 'bonding' : (/\.(\w+)$/.exec(f.path)?.[1] ?? 'other');
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  lines.push('', c.bold(`Files (${s.files.length})`) + (kinds.size ? `  ${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}` : ''));
  const masked = s.files.filter((f) => f.mask);
  for (const f of masked) lines.push(`  ${f.path} ${c.dim(`masked (${f.mask})`)}`);
  if (s.gaps.length) {
    lines.push('', c.bold(`Gaps (${s.gaps.length})`));
    for (const g of s.gaps) lines.push(`  ${g.source}: ${g.reason}${g.detail ? c.dim(` (${g.detail})`) : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

function describe(i: Interface, c: ReturnType<typeof pc.createColors>): string {
  const kind = i.kind === 'tun' ? `${String(i.kindData.type ?? 'tun')}` : i.kind === 'macvlan' ? `macvlan ${String(i.kindData.mode ?? '')}` : i.kind ?? (i.driver ? `nic ${i.driver}` : i.linkType ?? '?');
  const up = i.flags.includes('UP') ? c.green('up') : c.dim('down');
  const extra: string[] = [];
  if (i.mac) extra.push(i.mac);
  extra.push(`mtu ${i.mtu}`);
  if (i.kind === 'veth' && i.link) extra.push(`peer ${i.link}${i.linkNetns ? ' (other netns)' : ''}`);
  if (i.bridge) extra.push(`group_fwd_mask 0x${i.bridge.groupFwdMask.toString(16)} stp ${i.bridge.stpState}`);
  if (i.bridgePort) extra.push(`${i.bridgePort.state}${i.bridgePort.groupFwdMask !== null ? ` group_fwd_mask 0x${i.bridgePort.groupFwdMask.toString(16)}` : ''}`);
  if (i.speed !== null) extra.push(`${i.speed}Mb/s ${i.duplex ?? ''}`.trim());
  return `${c.bold(i.name)} ${c.cyan(kind)} ${up} ${c.dim(extra.join(' '))}`;
}

/**
 * A node's network as an SVG diagram: every interface a box, ports under their bridge or bond,
 * macvlan/vlan/vxlan children under their parent, veth peers joined by a dashed line, the Calico/VPP
 * takeover of an uplink shown with the VPP data plane beside it; boxes with findings outlined in the
 * severity's colour with a count badge that links to the finding. Large hosts stay readable: runs of
 * alike siblings without findings fold into one "+N more" box. Pure: a string out of a host.
 */
import { calicoVppOwned } from '../model/mac-owners.js';
import type { Host } from '../model/host.js';
import { SEVERITY_RANK, type Finding, type Severity } from '../rules/types.js';
import type { Interface } from '../snapshot/schema.js';

const BOX_W = 176;
const BOX_H = 60;
const GAP_X = 14;
const GAP_Y = 54;
const MAX_ROW_WIDTH = 1180;
/** Margin around the drawing. */
const PAD = 12;
/** Siblings of one role shown before the rest fold into one box. */
const MAX_ALIKE = 6;

export type Role = 'nic' | 'bond' | 'bridge' | 'vpp-tap' | 'tap' | 'tun' | 'vxlan' | 'vlan' | 'macvlan' | 'ipvlan' | 'veth' | 'loopback' | 'other' | 'vpp' | 'more';

const ROLE_ORDER: Role[] = ['nic', 'bond', 'bridge', 'vpp-tap', 'vpp', 'tap', 'tun', 'vxlan', 'vlan', 'macvlan', 'ipvlan', 'veth', 'other', 'more', 'loopback'];

const ROLE_FILL: Record<Role, string> = {
  nic: '#e3f2fd', bond: '#ede7f6', bridge: '#e8f5e9', 'vpp-tap': '#fff8e1', vpp: '#fff3e0', tap: '#f1f8e9', tun: '#f1f8e9',
  vxlan: '#e0f7fa', vlan: '#e0f2f1', macvlan: '#fce4ec', ipvlan: '#fce4ec', veth: '#f5f5f5', loopback: '#fafafa', other: '#f5f5f5', more: '#ffffff',
};

export const SEVERITY_COLOUR: Record<Severity, string> = { error: '#c62828', warning: '#e65100', note: '#1565c0' };

export function roleOf(i: Interface, vppTaps: Set<string>): Role {
  if (vppTaps.has(i.name)) return 'vpp-tap';
  if (i.linkType === 'loopback') return 'loopback';
  switch (i.kind) {
    case 'bridge': return 'bridge';
    case 'bond': return 'bond';
    case 'veth': return 'veth';
    case 'macvlan': case 'macvtap': return 'macvlan';
    case 'ipvlan': case 'ipvtap': return 'ipvlan';
    case 'vlan': return 'vlan';
    case 'vxlan': case 'geneve': return 'vxlan';
    case 'tun': return i.kindData.type === 'tap' ? 'tap' : 'tun';
    case null: return i.driver !== null || i.devicePath !== null ? 'nic' : 'other';
    default: return 'other';
  }
}

interface Node {
  id: string;
  label: string;
  sub: string;
  /** A third line: the MAC, which is the whole story of the MAC trap. */
  mac: string;
  /** The MAC differs from the one the data plane sends to: drawn in the error colour. */
  macWrong: boolean;
  role: Role;
  iface: Interface | null;
  children: Node[];
  /** How this node hangs under its parent. */
  relation: 'port' | 'child' | 'vpp' | null;
  findings: Finding[];
  tooltip: string;
  x: number;
  y: number;
  width: number;
}

export interface DiagramOptions {
  /** Prefix of finding anchors in the page (`${anchor}-${index}` per finding of this host). */
  anchor: string;
}

/** The SVG and how many interfaces it shows, for the page's caption. */
export function renderDiagram(host: Host, findings: readonly Finding[], options: DiagramOptions): { svg: string; shown: number; folded: number } {
  const findingIndex = new Map<Finding, number>(findings.map((f, n) => [f, n]));
  const roots = interfaceTrees(host, findings);
  const { width, height } = layOut(roots);
  const all = roots.flatMap(nodesOf);
  const shown = all.filter((n) => n.iface).length;
  const folded = all.filter((n) => n.role === 'more').reduce((sum, n) => sum + Number(/^\+(\d+)/.exec(n.label)?.[1] ?? 0), 0);
  const edges = [...treeEdges(all), ...vethPeerEdges(all)];
  const boxes = all.map((n) => box(n, PAD, options.anchor, findingIndex));
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" class="diagram" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="network interfaces of ${esc(host.snapshot.host.hostname ?? 'the host')}">
<g class="edges">${edges.join('')}</g>
<g class="boxes">${boxes.join('\n')}</g>
</svg>`;
  return { svg, shown, folded };
}

/** Structure: one tree per root interface (ports and children below it, VPP beside its tap), alike ones folded. */
function interfaceTrees(host: Host, findings: readonly Finding[]): Node[] {
  const takeover = safeTakeover(host);
  const vppTaps = new Set(takeover.filter((t) => t.state === 'existing').map((t) => t.name));
  const planned = new Map(takeover.filter((t) => t.state === 'planned').map((t) => [t.name, t]));
  const expected = new Map(takeover.filter((t) => t.state === 'existing').map((t) => [t.name, t.expectedMac]));
  const byIface = new Map<string, Finding[]>();
  for (const f of findings) {
    if (f.interface && host.interface(f.interface)) byIface.set(f.interface, [...(byIface.get(f.interface) ?? []), f]);
  }

  const placed = new Set<string>();
  const make = (i: Interface, relation: Node['relation']): Node => {
    placed.add(i.name);
    const role = roleOf(i, vppTaps);
    const kids: Node[] = [];
    for (const port of host.ports(i.name)) if (!placed.has(port.name)) kids.push(make(port, 'port'));
    for (const child of host.children(i.name)) if (!placed.has(child.name)) kids.push(make(child, 'child'));
    const node = leaf(i, role, relation, byIface.get(i.name) ?? [], planned.has(i.name), expected.get(i.name) ?? null);
    node.children = fold(kids, `${i.name}`);
    return node;
  };
  const roots: Node[] = [];
  for (const i of host.interfaces) {
    const stacked = i.kind !== 'veth' && !i.linkNetns && i.link !== null && host.interface(i.link) !== undefined;
    if (i.master === null && !stacked && !placed.has(i.name)) roots.push(make(i, null));
  }
  // Anything left: a master that is missing, or a cycle.
  for (const i of host.interfaces) if (!placed.has(i.name)) roots.push(make(i, null));
  // The VPP data plane beside each tap it drives (existing) or each uplink it will take (planned).
  for (const t of takeover) {
    const owner = roots.find((r) => r.iface?.name === t.name) ?? findNode(roots, t.name);
    if (!owner) continue;
    owner.children.push({
      id: `vpp:${t.name}`, label: 'VPP', sub: t.state === 'existing' ? 'user-space data plane' : 'will take this uplink', role: 'vpp', iface: null,
      mac: t.expectedMac ? `to tap ${t.expectedMac}` : '', macWrong: false,
      children: [], relation: 'vpp', findings: [], tooltip: `${t.owner}: ${t.evidence.message}${t.expectedMac ? `; VPP sends to ${t.expectedMac} on the tap` : ''}${t.evidence.file ? ` (${t.evidence.file}${t.evidence.line ? `:${t.evidence.line}` : ''})` : ''}`, x: 0, y: 0, width: 0,
    });
  }
  return fold(roots.sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role)), 'host');
}

/** Layout: each root's tree placed, the trees packed into rows no wider than MAX_ROW_WIDTH; the drawing's size. */
function layOut(roots: Node[]): { width: number; height: number } {
  let rowX = 0;
  let rowY = 0;
  let rowH = 0;
  let totalW = 0;
  for (const root of roots) {
    measure(root);
    if (rowX > 0 && rowX + root.width > MAX_ROW_WIDTH) {
      rowX = 0;
      rowY += rowH + GAP_Y;
      rowH = 0;
    }
    place(root, rowX, rowY);
    rowX += root.width + GAP_X;
    totalW = Math.max(totalW, rowX - GAP_X);
    rowH = Math.max(rowH, depth(root) * (BOX_H + GAP_Y) - GAP_Y);
  }
  return { width: Math.max(totalW, BOX_W) + 2 * PAD, height: rowY + rowH + 2 * PAD + 14 };
}

/** A node and all below it, depth first. */
function nodesOf(n: Node): Node[] {
  return [n, ...n.children.flatMap(nodesOf)];
}

function centre(n: Node): { cx: number; top: number; bottom: number } {
  return { cx: n.x + PAD + BOX_W / 2, top: n.y + PAD, bottom: n.y + PAD + BOX_H };
}

/** SVG: an elbow from each node down to each of its children, labelled unless it is a bridge or bond port. */
function treeEdges(all: readonly Node[]): string[] {
  const edges: string[] = [];
  for (const n of all) {
    for (const c of n.children) {
      const a = centre(n);
      const b = centre(c);
      const midY = (a.bottom + b.top) / 2;
      const cls = c.relation === 'vpp' ? 'edge vpp' : c.relation === 'child' ? 'edge child' : 'edge port';
      edges.push(`<path class="${cls}" d="M${a.cx} ${a.bottom} V${midY} H${b.cx} V${b.top}"/>`);
      if (c.relation !== 'port' && c.relation !== null) edges.push(`<text class="rel" x="${b.cx + 4}" y="${b.top - 6}">${c.relation === 'vpp' ? 'VPP takeover' : esc(c.iface?.kind ?? 'child')}</text>`);
    }
  }
  return edges;
}

/** SVG: veth peers that are both on this host, joined by a dashed curve (once per pair). */
function vethPeerEdges(all: readonly Node[]): string[] {
  const edges: string[] = [];
  const pos = new Map(all.filter((n) => n.iface).map((n) => [n.iface!.name, n]));
  const drawn = new Set<string>();
  for (const n of all) {
    const i = n.iface;
    if (!i || i.kind !== 'veth' || i.linkNetns || !i.link) continue;
    const peer = pos.get(i.link);
    if (!peer || drawn.has(i.link)) continue;
    drawn.add(i.name);
    const a = centre(n);
    const b = centre(peer);
    edges.push(`<path class="edge peer" d="M${a.cx} ${a.bottom - 4} C${a.cx} ${a.bottom + 26} ${b.cx} ${b.bottom + 26} ${b.cx} ${b.bottom - 4}"><title>veth pair ${esc(i.name)} - ${esc(i.link)}</title></path>`);
  }
  return edges;
}

function safeTakeover(host: Host): ReturnType<typeof calicoVppOwned> {
  try {
    return calicoVppOwned(host);
  } catch {
    return []; // a configuration the model cannot read: the diagram shows the host without it
  }
}

function findNode(nodes: Node[], name: string): Node | undefined {
  for (const n of nodes) {
    if (n.iface?.name === name) return n;
    const inner = findNode(n.children, name);
    if (inner) return inner;
  }
  return undefined;
}

function leaf(i: Interface, role: Role, relation: Node['relation'], findings: Finding[], plannedTakeover: boolean, vppMac: string | null): Node {
  const kind = role === 'vpp-tap' ? 'VPP host tap' : role === 'nic' ? `NIC${i.driver ? ` ${i.driver}` : ''}` : role === 'tap' ? 'tap'
    : i.kind === 'macvlan' ? `macvlan ${String(i.kindData.mode ?? '')}`.trim() : i.kind ?? i.linkType ?? '?';
  const state = i.flags.includes('UP') ? 'up' : 'down';
  const sub = `${kind} · ${state}${plannedTakeover ? ' · to VPP' : ''}`;
  const tip = [`${i.name} (${kind})`, i.mac ? `MAC ${i.mac}` : '', `MTU ${i.mtu}`, i.master ? `master ${i.master}` : '', i.link ? `link ${i.link}${i.linkNetns ? ' (other netns)' : ''}` : '',
    ...i.addresses.map((a) => `${a.local}/${a.prefixlen}`), ...findings.map((f) => `${f.severity}: ${f.ruleId}: ${f.message}`)].filter(Boolean).join('\n');
  const macWrong = vppMac !== null && i.mac !== null && i.mac.toLowerCase() !== vppMac.toLowerCase();
  const mac = i.mac && i.linkType !== 'loopback' ? `${i.mac}${macWrong ? ' ≠ VPP' : ''}` : '';
  return { id: i.name, label: i.name, sub, mac, macWrong, role, iface: i, children: [], relation, findings, tooltip: tip, x: 0, y: 0, width: 0 };
}

/** Keeps every node with findings (or children), and at most MAX_ALIKE plain ones per role; the rest become "+N more". */
function fold(nodes: Node[], parent: string): Node[] {
  const plainByRole = new Map<Role, Node[]>();
  for (const n of nodes) {
    if (n.findings.length > 0 || n.children.length > 0 || n.role === 'vpp') continue;
    plainByRole.set(n.role, [...(plainByRole.get(n.role) ?? []), n]);
  }
  const hidden = new Set<Node>();
  const more: Node[] = [];
  for (const [role, list] of plainByRole) {
    if (list.length <= MAX_ALIKE + 1) continue;
    const rest = list.slice(MAX_ALIKE - 1);
    rest.forEach((n) => hidden.add(n));
    const names = rest.map((n) => n.label);
    more.push({ id: `more:${parent}:${role}`, label: `+${rest.length} more`, sub: `${role} (no findings)`, mac: '', macWrong: false, role: 'more', iface: null, children: [], relation: rest[0]!.relation, findings: [],
      tooltip: `${rest.length} more ${role} interfaces without findings:\n${names.slice(0, 40).join(', ')}${names.length > 40 ? ', ...' : ''}`, x: 0, y: 0, width: 0 });
  }
  return [...nodes.filter((n) => !hidden.has(n)), ...more];
}

function measure(n: Node): number {
  if (n.children.length === 0) return (n.width = BOX_W);
  const sum = n.children.reduce((s, c) => s + measure(c), 0) + GAP_X * (n.children.length - 1);
  return (n.width = Math.max(BOX_W, sum));
}

function place(n: Node, x: number, y: number): void {
  n.x = x + (n.width - BOX_W) / 2;
  n.y = y;
  let cx = x + (n.width - (n.children.reduce((s, c) => s + c.width, 0) + GAP_X * Math.max(0, n.children.length - 1))) / 2;
  for (const c of n.children) {
    place(c, cx, y + BOX_H + GAP_Y);
    cx += c.width + GAP_X;
  }
}

function depth(n: Node): number {
  return 1 + Math.max(0, ...n.children.map(depth));
}

function box(n: Node, pad: number, anchor: string, index: Map<Finding, number>): string {
  const x = n.x + pad;
  const y = n.y + pad;
  const worst = n.findings.reduce<Severity | null>((w, f) => (w === null || SEVERITY_RANK[f.severity] > SEVERITY_RANK[w] ? f.severity : w), null);
  const stroke = worst ? SEVERITY_COLOUR[worst] : n.role === 'vpp' || n.role === 'vpp-tap' ? '#ef6c00' : '#78909c';
  const attrs = [`class="iface role-${n.role}${worst ? ` has-finding sev-${worst}` : ''}"`, n.iface ? `data-iface="${esc(n.iface.name)}"` : '', `data-role="${n.role}"`, worst ? `data-severity="${worst}"` : ''].filter(Boolean).join(' ');
  // What fits in a box in the monospace font; the full text is in the tooltip.
  const label = n.label.length > 20 ? `${n.label.slice(0, 19)}…` : n.label;
  const sub = n.sub.length > 25 ? `${n.sub.slice(0, 24)}…` : n.sub;
  const rect = `<rect x="${x}" y="${y}" width="${BOX_W}" height="${BOX_H}" rx="6" fill="${ROLE_FILL[n.role]}" stroke="${stroke}" stroke-width="${worst ? 3 : 1.2}"${n.role === 'more' ? ' stroke-dasharray="4 3"' : ''}/>`;
  const mac = n.mac ? `<text class="mac${n.macWrong ? ' wrong' : ''}" x="${x + 8}" y="${y + 52}">${esc(n.mac.length > 25 ? `${n.mac.slice(0, 24)}…` : n.mac)}</text>` : '';
  const texts = `<text class="name" x="${x + 8}" y="${y + 19}">${esc(label)}</text><text class="sub" x="${x + 8}" y="${y + 36}">${esc(sub)}</text>${mac}`;
  let badge = '';
  if (worst) {
    const first = index.get(n.findings[0]!) ?? 0;
    badge = `<a href="#${anchor}-${first}" class="finding-marker" data-count="${n.findings.length}"><circle cx="${x + BOX_W - 4}" cy="${y + 4}" r="11" fill="${SEVERITY_COLOUR[worst]}"/><text class="badge" x="${x + BOX_W - 4}" y="${y + 8.5}" text-anchor="middle">${n.findings.length > 9 ? '9+' : n.findings.length}</text></a>`;
  }
  return `<g ${attrs}><title>${esc(n.tooltip)}</title>${rect}${texts}${badge}</g>`;
}

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

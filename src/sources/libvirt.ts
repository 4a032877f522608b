/**
 * libvirt domain XML: the persistent definitions (/etc/libvirt/qemu/NAME.xml) and the live status
 * files (/run/libvirt/qemu/NAME.xml, a <domstatus> around the <domain>, where target dev names the
 * tap libvirt created). For each domain: its interfaces (type, MAC, source bridge or network, target
 * dev, NIC model, alias) and the speed/duplex QEMU is told for virtio NICs through
 * <qemu:override> (libvirt >= 8.2) or <qemu:commandline> (-global virtio-net-pci.speed=...).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface DomainInterface {
  /** bridge, network, direct, udp, ethernet, user, ... */
  type: string | null;
  mac: string | null;
  sourceBridge: string | null;
  sourceNetwork: string | null;
  targetDev: string | null;
  /** virtio, e1000, e1000e, rtl8139, ...; null when absent (libvirt then picks a default). */
  model: string | null;
  /** net0, net1, ... (live files and explicit <alias>). */
  alias: string | null;
  /** Speed and duplex QEMU gives the device, from an override or a -global. */
  speed: number | null;
  duplex: string | null;
  /** <virtualport type='...'>: openvswitch, midonet, 802.1Qbg, 802.1Qbh; the source bridge is then not a Linux bridge for openvswitch and midonet. */
  virtualport: string | null;
  /** <mtu size='N'/>: the MTU libvirt sets on the tap and tells the guest. */
  mtu: number | null;
  /** 1-based line of the <interface> element. */
  line: number;
}

export interface Domain {
  path: string;
  name: string;
  /** Whether the file is a live status file (/run) rather than a definition. */
  live: boolean;
  /** <os><type arch='...'>: x86_64, aarch64, ...; null when not given. */
  arch: string | null;
  interfaces: DomainInterface[];
}

/** A libvirt virtual network (/etc/libvirt/qemu/networks/NAME.xml, /run/libvirt/network/NAME.xml). */
export interface VirtualNetwork {
  path: string;
  name: string;
  bridge: string | null;
  mtu: number | null;
}

export class LibvirtParseError extends Error {
  constructor(message: string, readonly line: number | null) {
    super(message);
  }
}

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseAttributeValue: false,
  isArray: (name) => ['interface', 'qemu:device', 'qemu:property', 'qemu:arg', 'qemu:frontend'].includes(name),
});

const attr = (node: unknown, name: string): string | null => {
  if (!node || typeof node !== 'object') return null;
  const v = (node as Node)[`@${name}`];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;
};

export function parseDomainXml(text: string, path: string): Domain {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new LibvirtParseError(`not well-formed XML: ${valid.err.msg}`, valid.err.line);
  const doc = parser.parse(text) as Node;
  const domain = (doc.domain ?? (doc.domstatus as Node | undefined)?.domain) as Node | undefined;
  if (!domain || typeof domain !== 'object') throw new LibvirtParseError('not a libvirt domain: no <domain> element', 1);
  const name = typeof domain.name === 'string' ? domain.name : String(domain.name ?? '');
  if (!name) throw new LibvirtParseError('the domain has no <name>', 1);
  const devices = (domain.devices ?? {}) as Node;
  const ifaces = (Array.isArray(devices.interface) ? devices.interface : []) as Node[];
  const lines = elementLines(text, 'interface');
  const overrides = qemuOverrides(domain);
  const globals = qemuGlobals(domain);
  const interfaces = ifaces.map((i, n): DomainInterface => {
    const alias = attr(i.alias, 'name');
    const model = attr(i.model, 'type');
    const o = alias ? overrides.get(alias) : undefined;
    const g = model === 'virtio' ? globals : undefined;
    return {
      type: attr(i, 'type'),
      mac: attr(i.mac, 'address')?.toLowerCase() ?? null,
      sourceBridge: attr(i.source, 'bridge'),
      sourceNetwork: attr(i.source, 'network'),
      targetDev: attr(i.target, 'dev'),
      model,
      alias,
      speed: o?.speed ?? g?.speed ?? null,
      duplex: o?.duplex ?? g?.duplex ?? null,
      virtualport: attr(i.virtualport, 'type'),
      mtu: positiveInt(attr(i.mtu, 'size')),
      line: lines[n] ?? 1,
    };
  });
  const os = domain.os as Node | undefined;
  return { path, name, live: doc.domstatus !== undefined, arch: attr(os?.type, 'arch'), interfaces };
}

const positiveInt = (v: string | null): number | null => (v !== null && /^\d+$/.test(v) && Number(v) > 0 ? Number(v) : null);

/** A <network> definition or its live status (<networkstatus>); null when the text is not one. */
export function parseNetworkXml(text: string, path: string): VirtualNetwork | null {
  if (XMLValidator.validate(text) !== true) return null;
  const doc = parser.parse(text) as Node;
  const net = (doc.network ?? (doc.networkstatus as Node | undefined)?.network) as Node | undefined;
  if (!net || typeof net !== 'object' || typeof net.name !== 'string') return null;
  return { path, name: net.name, bridge: attr(net.bridge, 'name'), mtu: positiveInt(attr(net.mtu, 'size')) };
}

export const LIBVIRT_NETWORK_DIRS = ['/run/libvirt/network', '/etc/libvirt/qemu/networks'];

/** Lines of the opening tags `<NAME` in document order (the parser does not keep positions). */
function elementLines(text: string, name: string): number[] {
  const out: number[] = [];
  const re = new RegExp(`<${name}[\\s>/]`, 'g');
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(text.slice(0, m.index).split('\n').length);
  return out;
}

/** <qemu:override><qemu:device alias='net0'><qemu:frontend><qemu:property name='speed' .../> */
function qemuOverrides(domain: Node): Map<string, { speed: number | null; duplex: string | null }> {
  const out = new Map<string, { speed: number | null; duplex: string | null }>();
  const override = domain['qemu:override'] as Node | undefined;
  for (const dev of (override?.['qemu:device'] ?? []) as Node[]) {
    const alias = attr(dev, 'alias');
    if (!alias) continue;
    const entry = { speed: null as number | null, duplex: null as string | null };
    for (const fe of (dev['qemu:frontend'] ?? []) as Node[]) {
      for (const p of (fe['qemu:property'] ?? []) as Node[]) {
        const value = attr(p, 'value');
        if (attr(p, 'name') === 'speed' && value !== null && /^\d+$/.test(value)) entry.speed = Number(value);
        if (attr(p, 'name') === 'duplex') entry.duplex = value;
      }
    }
    out.set(alias, entry);
  }
  return out;
}

/** <qemu:commandline><qemu:arg value='-global'/><qemu:arg value='virtio-net-pci.speed=10000'/> */
function qemuGlobals(domain: Node): { speed: number | null; duplex: string | null } | undefined {
  const cl = domain['qemu:commandline'] as Node | undefined;
  const args = ((cl?.['qemu:arg'] ?? []) as Node[]).map((a) => attr(a, 'value') ?? '');
  let speed: number | null = null;
  let duplex: string | null = null;
  for (const a of args) {
    const m = /^virtio-net-pci\.(speed|duplex)=(.+)$/.exec(a);
    if (m?.[1] === 'speed' && /^\d+$/.test(m[2]!)) speed = Number(m[2]);
    if (m?.[1] === 'duplex') duplex = m[2]!;
  }
  return speed === null && duplex === null ? undefined : { speed, duplex };
}

export const LIBVIRT_DIRS = ['/run/libvirt/qemu', '/etc/libvirt/qemu'];

/** The tap name libvirt gives a NIC's host side MAC: the guest MAC with the first byte 0xfe. */
export function tapMacFor(guestMac: string): string {
  return `fe${guestMac.slice(2)}`;
}

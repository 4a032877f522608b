/**
 * A virtual lab on one hypervisor: the libvirt domains and their NICs, the lab intent, and which tap
 * and bridge each NIC ends in. Built from the host model's files (collected /etc and /run libvirt XML,
 * or files given with `--input libvirt-domain=FILE` and `--input lab-intent=FILE`).
 */
import { InputError } from '../../errors.js';
import type { Host } from '../host.js';
import type { FileRecord, Interface } from '../../snapshot/schema.js';
import { LIBVIRT_DIRS, LibvirtParseError, parseDomainXml, tapMacFor, type Domain, type DomainInterface } from '../../sources/libvirt.js';
import { IntentError, parseLabIntent, type IntentEnd, type LabIntent, type WireProtocol } from '../../sources/lab-intent.js';

export const LIBVIRT_ROLE = 'libvirt-domain';
export const INTENT_ROLE = 'lab-intent';

export interface LabNic {
  /** The domain the NIC belongs to: its definition when there is one, else its live status. */
  domain: Domain;
  /**
   * The NIC: model, speed and duplex from the definition (what the next start uses) when there is one;
   * the tap name from the live status file.
   */
  nic: DomainInterface;
  /** The host side: the tap as the snapshot has it, when it can be found. */
  tap: Interface | undefined;
  /** The Linux bridge the tap is a port of; null on an Open vSwitch or MidoNet bridge (see `virtualSwitch`). */
  bridge: string | null;
  /** Set when the NIC is plugged into a switch that is not a Linux bridge (<virtualport type='openvswitch'|'midonet'>). */
  virtualSwitch: { kind: 'openvswitch' | 'midonet'; name: string | null } | null;
}

/** What a bond or wire on a non-Linux switch needs instead of group_fwd_mask. */
export function virtualSwitchNote(nic: LabNic): string {
  const vs = nic.virtualSwitch!;
  return vs.kind === 'openvswitch'
    ? `${vs.name ?? 'its bridge'} is an Open vSwitch bridge (<virtualport type='openvswitch'>), not a Linux bridge: group_fwd_mask does not apply; Open vSwitch forwards LACP, STP and LLDP frames between ports only with other_config:forward-bpdu=true (ovs-vsctl set bridge ${vs.name ?? 'BR'} other_config:forward-bpdu=true)`
    : `${vs.name ?? 'its bridge'} is a MidoNet bridge (<virtualport type='midonet'>), not a Linux bridge: group_fwd_mask does not apply; hostnet does not model MidoNet`;
}

export interface Lab {
  domains: Domain[];
  intent: LabIntent | null;
  nics: LabNic[];
  /** The NIC an intent end names. */
  findEnd(end: IntentEnd): LabNic | undefined;
  findNic(vm: string, mac: string): LabNic | undefined;
}

/** A bridge that stands for a wire, and the protocols its ends need across it. */
export interface Wire {
  bridge: string;
  /** The ports that are the wire's ends (all ports of the bridge when the intent names only the bridge). */
  ports: string[];
  protocols: Set<WireProtocol>;
  /** Why: the intent entries (file:line) that ask for it. */
  because: { message: string; file: string; line: number }[];
}

export function buildLab(host: Host): Lab {
  const definitions = new Map<string, Domain>();
  const live = new Map<string, Domain>();
  const files = [...LIBVIRT_DIRS.flatMap((d) => host.filesUnder(d).filter((f) => f.path.endsWith('.xml') && !f.path.slice(d.length + 1).includes('/'))),
    ...host.snapshot.files.filter((f) => f.role === LIBVIRT_ROLE)];
  for (const f of files) {
    const domain = readDomain(f);
    if (domain) (domain.live ? live : definitions).set(domain.name, domain);
  }
  const names = [...new Set([...definitions.keys(), ...live.keys()])].sort();
  const domains = names.map((n) => definitions.get(n) ?? live.get(n)!);
  const intentFile = host.snapshot.files.find((f) => f.role === INTENT_ROLE);
  const intent = intentFile ? readIntent(intentFile) : null;
  const nics = domains.flatMap((domain) => domain.interfaces.map((defined): LabNic => {
    const running = live.get(domain.name)?.interfaces.find((i) => i.mac !== null && i.mac === defined.mac);
    const nic = { ...defined, targetDev: running?.targetDev ?? defined.targetDev, alias: defined.alias ?? running?.alias ?? null };
    const tap = (nic.targetDev ? host.interface(nic.targetDev) : undefined)
      // A bridge takes the lowest MAC of its ports, so only a port can be the tap.
      ?? (nic.mac ? host.interfaces.find((i) => i.mac === tapMacFor(nic.mac!) && i.bridge === null && i.master !== null) : undefined);
    const kind = nic.virtualport === 'openvswitch' || nic.virtualport === 'midonet' ? nic.virtualport : null;
    if (kind) return { domain, nic, tap, bridge: null, virtualSwitch: { kind, name: nic.sourceBridge } };
    return { domain, nic, tap, bridge: tap?.master ?? (nic.type === 'bridge' ? nic.sourceBridge : null), virtualSwitch: null };
  }));
  const findNic = (vm: string, mac: string) => nics.find((n) => n.domain.name === vm && n.nic.mac === mac);
  return {
    domains,
    intent,
    nics,
    findNic,
    findEnd: (end) => nics.find((n) => n.domain.name === end.vm && ((end.mac !== undefined && n.nic.mac === end.mac) || (end.dev !== undefined && (n.nic.targetDev === end.dev || n.tap?.name === end.dev)))),
  };
}

/** An intent entry hostnet could not place on this host, and why. */
export interface Unplaced {
  message: string;
  file: string;
  line: number;
}

/**
 * The wires the intent asks for: each `links` entry, and for each 802.3ad bond member the bridge its
 * NIC is plugged into (LACP must cross it). Entries that name what this host does not have are
 * returned as unplaced; ends on different bridges (or none) are not a bridge wire and are left alone.
 */
export function labWires(host: Host, lab: Lab): { wires: Wire[]; unplaced: Unplaced[] } {
  const wires = new Map<string, Wire>();
  const unplaced: Unplaced[] = [];
  if (!lab.intent) return { wires: [], unplaced };
  const file = lab.intent.path;
  const add = (bridge: string, ports: string[], protocols: readonly WireProtocol[], message: string, line: number) => {
    const w = wires.get(bridge) ?? { bridge, ports: [], protocols: new Set<WireProtocol>(), because: [] };
    for (const p of ports) if (!w.ports.includes(p)) w.ports.push(p);
    for (const p of protocols) w.protocols.add(p);
    w.because.push({ message, file, line });
    wires.set(bridge, w);
  };
  const describeEnd = (e: IntentEnd) => `${e.vm} ${e.mac ?? e.dev}`;
  lab.intent.links.forEach((link, n) => {
    const line = lab.intent!.lines.links[n] ?? 1;
    const label = link.name ?? `links[${n}]`;
    if (link.bridge) {
      if (!host.interface(link.bridge)?.bridge) {
        unplaced.push({ message: `${label}: there is no bridge ${link.bridge} on this host`, file, line });
        return;
      }
      add(link.bridge, host.ports(link.bridge).map((p) => p.name), link.carries, `${label} carries ${link.carries.join(', ')}`, line);
      return;
    }
    const ends = (link.ends ?? []).map((e) => ({ e, nic: lab.findEnd(e) }));
    const missing = ends.filter((x) => !x.nic?.tap);
    if (missing.length > 0) {
      for (const { e, nic } of missing) {
        unplaced.push({ message: nic
          ? `${label}: ${describeEnd(e)} has no tap on this host (is the VM running?)`
          : `${label}: no libvirt domain ${e.vm} with a NIC ${e.mac ?? e.dev} was read`, file, line });
      }
      return;
    }
    const onSwitch = ends.find((x) => x.nic!.virtualSwitch);
    if (onSwitch) {
      unplaced.push({ message: `${label}: ${describeEnd(onSwitch.e)}: ${virtualSwitchNote(onSwitch.nic!)}`, file, line });
      return;
    }
    const bridges = new Set(ends.map((x) => x.nic!.bridge));
    if (bridges.size !== 1 || [...bridges][0] === null) return;
    add(ends[0]!.nic!.bridge!, ends.map((x) => x.nic!.tap!.name), link.carries, `${label} carries ${link.carries.join(', ')}`, line);
  });
  lab.intent.bonds.forEach((bond, n) => {
    const line = lab.intent!.lines.bonds[n] ?? 1;
    for (const mac of bond.members) {
      const nic = lab.findNic(bond.vm, mac);
      if (!nic) {
        unplaced.push({ message: `${bond.vm} ${bond.name}: no libvirt domain ${bond.vm} with a NIC ${mac} was read`, file, line });
        continue;
      }
      if (nic.virtualSwitch) {
        unplaced.push({ message: `${bond.vm} ${bond.name}: member ${mac}: ${virtualSwitchNote(nic)}`, file, line });
        continue;
      }
      if (!nic.bridge || !host.interface(nic.bridge)?.bridge) continue;
      add(nic.bridge, host.ports(nic.bridge).map((p) => p.name), ['lacp'], `${bond.vm} ${bond.name} (802.3ad) has member ${mac} on ${nic.bridge}`, line);
    }
  });
  return { wires: [...wires.values()], unplaced };
}

function readDomain(f: FileRecord): Domain | null {
  if (f.content === null) return null;
  try {
    return parseDomainXml(f.content, f.path);
  } catch (err) {
    if (!(err instanceof LibvirtParseError)) throw err;
    // A file the user named must be right; a collected one that is not a domain is skipped.
    if (f.role === LIBVIRT_ROLE) throw new InputError(err.message, err.line ? `${f.path}:${err.line}` : f.path, 'give a libvirt domain XML (virsh dumpxml NAME)');
    return null;
  }
}

function readIntent(f: FileRecord): LabIntent {
  try {
    return parseLabIntent(f.content ?? '', f.path);
  } catch (err) {
    if (err instanceof IntentError) throw new InputError(err.message, err.line ? `${f.path}:${err.line}` : f.path, 'see docs/labs.md for the lab intent format');
    throw err;
  }
}

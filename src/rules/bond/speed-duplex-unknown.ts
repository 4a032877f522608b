/**
 * bond/speed-duplex-unknown: an 802.3ad bond has a slave whose speed or duplex is unknown, as virtio_net
 * reports by default. The bonding driver then takes speed 0 and duplex half, turns LACP off on that
 * port and makes it an individual link: the bond never aggregates and sends no LACPDU.
 */
import { atLeast, parseKernelRelease } from '../../model/bridge/kernel.js';
import type { Host } from '../../model/host.js';
import { InputError } from '../../errors.js';
import { BONDING_DIR, BondingParseError, linkFromActorKey, parseBonding, type BondSlave, type BondStatus } from '../../sources/bonding.js';

export const BONDING_ROLE = 'proc-net-bonding';
import type { Evidence, Finding, Rule } from '../types.js';

/** The 802.3ad bonds of a host, from its recorded /proc/net/bonding files; unreadable ones are skipped. */
export function bondsOf(host: Host): BondStatus[] {
  const out: BondStatus[] = [];
  for (const f of host.filesUnder(BONDING_DIR)) {
    if (f.content === null) continue;
    try {
      out.push(parseBonding(f.content, f.path));
    } catch {
      // Not a bonding status text (a partial read): nothing to say about it.
    }
  }
  for (const f of host.snapshot.files.filter((x) => x.role === BONDING_ROLE)) {
    try {
      const bond = parseBonding(f.content ?? '', f.path);
      out.push({ ...bond, name: bond.name.replace(/\.txt$/, '') });
    } catch (err) {
      // A file the user named must be one.
      if (err instanceof BondingParseError) throw new InputError(err.message, `${f.path}:${err.line}`, 'give a copy of /proc/net/bonding/BOND');
      throw err;
    }
  }
  return out;
}

/** Speed and duplex as the bond sees them, and who says so; `source` null: nothing reports them (not "Unknown"). */
export interface SlaveLink {
  speed: number | null;
  duplex: 'full' | 'half' | null;
  source: 'sysfs' | 'proc' | 'lacp-key' | null;
}

/**
 * sysfs when the snapshot has the interface and could read it, else the Speed:/Duplex: lines of
 * /proc/net/bonding, else the actor's port key (which encodes both). Older drivers print neither line.
 */
export function effectiveLink(host: Host, s: BondSlave): SlaveLink {
  const iface = host.interface(s.name);
  if (iface && (iface.speed !== null || iface.duplex !== null)) {
    const duplex = iface.duplex === 'full' || iface.duplex === 'half' ? iface.duplex : null;
    return { speed: iface.speed, duplex, source: 'sysfs' };
  }
  if (s.speedLine !== null || s.duplexLine !== null) return { speed: s.speed, duplex: s.duplex, source: 'proc' };
  const fromKey = linkFromActorKey(s);
  if (fromKey) return { speed: null, duplex: fromKey.fullDuplex ? 'full' : 'half', source: 'lacp-key' };
  return { speed: null, duplex: null, source: null };
}

/** A slave the bonding driver itself sees without a speed or full duplex (so LACP is off on it). */
export function linkUnfitForLacp(host: Host, s: BondSlave): boolean {
  const l = effectiveLink(host, s);
  if (l.source === null) return false;
  if (l.source === 'lacp-key') return !(linkFromActorKey(s)?.speedKnown ?? true) || l.duplex !== 'full';
  return l.speed === null || l.duplex !== 'full';
}

export const speedDuplexUnknown: Rule = {
  meta: {
    id: 'bond/speed-duplex-unknown',
    title: 'An 802.3ad bond slave reports no speed or duplex (virtio), so LACP is off on it',
    severity: 'error',
    references: [
      'seeds/004 (ethtool: "Speed: Unknown! Duplex: Unknown! (255)" on virtio; e1000 worked)',
      'drivers/net/bonding/bond_3ad.c ad_update_actor_keys(): only a full-duplex port takes part in LACP',
      'commit 16032be56c1f (virtio_net ethtool speed/duplex, Linux 4.6); commit faa9b39f0e9d (from the hypervisor, Linux 4.16)',
    ],
  },
  check(host: Host): Finding[] {
    const findings: Finding[] = [];
    const kernel = parseKernelRelease(host.snapshot.host.kernelRelease);
    for (const bond of bondsOf(host)) {
      if (!bond.is8023ad) continue;
      const bad = bond.slaves.filter((s) => linkUnfitForLacp(host, s));
      if (bad.length === 0) continue;
      const known = bond.slaves.map((s) => effectiveLink(host, s).speed).find((x): x is number => x !== null);
      const speed = known ?? 10000;
      const virtio = bad.filter((s) => host.interface(s.name)?.driver === 'virtio_net');
      const evidence: Evidence[] = [
        { message: `${bond.name} runs ${bond.mode}`, file: bond.path, line: bond.modeLine ?? undefined },
        ...bad.flatMap((s) => linkEvidence(host, bond, s)),
        ...virtio.map((s) => ({ message: `${s.name} is a virtio_net NIC: it has no speed or duplex unless told one`, interface: s.name, field: 'driver', value: 'virtio_net' })),
      ];
      const guestCan = kernel === null || atLeast(kernel, 4, 6);
      const names = bad.map((s) => s.name);
      const udevRule = bad.map((s) => {
        const mac = s.permanentHwAddr ?? host.interface(s.name)?.mac;
        return mac
          ? `ACTION=="add", SUBSYSTEM=="net", ATTR{address}=="${mac}", RUN+="/usr/sbin/ethtool -s $name speed ${speed} duplex full"`
          : `ACTION=="add", SUBSYSTEM=="net", KERNEL=="${s.name}", RUN+="/usr/sbin/ethtool -s $name speed ${speed} duplex full"`;
      }).join('\n');
      findings.push({
        ruleId: 'bond/speed-duplex-unknown',
        severity: 'error',
        interface: bond.name,
        message: `${bond.name} is an 802.3ad bond but ${names.join(', ')} report${bad.length === 1 ? 's' : ''} no speed or full duplex: ` +
          'the bonding driver disables LACP on such a port and makes it individual, so the bond never aggregates ' +
          '(the kernel logs "No 802.3ad response from the link partner")',
        evidence,
        fixes: [
          ...(guestCan ? [{
            title: `Give the NICs a speed and duplex inside this guest (virtio_net, Linux >= 4.6), before they join ${bond.name}; the udev rule repeats it at every boot`,
            files: [{ path: '/etc/udev/rules.d/70-hostnet-bond-speed.rules', content: `# Written by hostnet (bond/speed-duplex-unknown): 802.3ad needs a known speed and full duplex.\n${udevRule}\n` }],
            changes: bad.map((s) => ({ interface: s.name, set: { speed, duplex: 'full' } })),
            verifyBy: ['declared-state' as const],
            testedBy: { detail: 'a real tun device takes these ethtool -s commands and then reports the speed and full duplex the bond reads (virtio_net implements the same ethtool call since Linux 4.6)', test: 'test/system/fix-speed-duplex.test.ts' },
            commands: [
              ...names.map((n) => `ethtool -s ${n} speed ${speed} duplex full`),
              `# the bond reads speed and duplex when a port comes up: cycle the ports (or the bond) once`,
              ...names.map((n) => `ip link set ${n} down && ip link set ${n} up`),
            ],
          }] : []),
          {
            title: `Or tell the guest from the hypervisor: QEMU >= 2.12 virtio-net-pci speed/duplex (guest Linux >= 4.16), in libvirt >= 8.2 with <qemu:override>`,
            files: [],
            commands: [
              `# QEMU: -device virtio-net-pci,...,speed=${speed},duplex=full`,
              `# libvirt: see libvirt/virtio-in-lacp-bond on the hypervisor (hostnet check there with --input lab-intent=FILE)`,
            ],
          },
          {
            title: 'Or give the VM another NIC model that reports a speed (e1000, e1000e), as the seed did',
            files: [],
            commands: [`# virsh edit <vm>: <model type='e1000'/> on the bond's interfaces, then restart the VM`],
          },
        ],
      });
    }
    return findings;
  },
};

/** What shows the slave's speed and duplex: the driver's own lines when it printed them, else their source. */
function linkEvidence(host: Host, bond: BondStatus, s: BondSlave): Evidence[] {
  const l = effectiveLink(host, s);
  const tail = ': the port is individual and sends no LACPDU';
  if (l.source === 'sysfs' && s.speedLine === null && s.duplexLine === null) {
    const iface = host.interface(s.name);
    return [
      { message: `${s.name}: sysfs speed ${iface?.speed ?? 'unknown'}`, interface: s.name, field: 'speed', value: String(iface?.speed ?? 'unknown') },
      { message: `${s.name}: sysfs duplex ${iface?.duplex ?? 'unknown'}${tail}`, interface: s.name, field: 'duplex', value: iface?.duplex ?? 'unknown' },
    ];
  }
  if (l.source === 'lacp-key') {
    return [{ message: `${s.name}: actor port key ${s.actor?.key ?? '?'} encodes ${linkFromActorKey(s)?.speedKnown ? 'a speed' : 'no speed'} and ${l.duplex} duplex${tail}`,
      file: bond.path, line: s.line, interface: s.name, field: 'speed' }];
  }
  return [
    { message: `${s.name}: Speed ${s.speed === null ? 'Unknown' : `${s.speed} Mbps`}`, file: bond.path, line: s.speedLine ?? s.line, interface: s.name, field: 'speed' },
    { message: `${s.name}: Duplex ${s.duplex ?? 'Unknown'}${tail}`, file: bond.path, line: s.duplexLine ?? s.line, interface: s.name, field: 'duplex' },
  ];
}

/**
 * Who a tun/tap belongs to, from the processes holding it open (snapshot `tunHolders`): VPP names
 * its main thread `vpp_main` (the process's comm), QEMU, OpenVPN and the VPN daemons are known by
 * their program. A holder proves the device is in use, not which MAC its owner expects, so these
 * owners are "suspected": the rules report them at warning severity unless a configuration says more.
 */
import type { TunHolder } from '../snapshot/schema.js';
import type { Host } from './host.js';

interface KnownProgram {
  owner: string;
  /** Matched against the comm and the basename of argv[0]. */
  names: RegExp;
}

const KNOWN_PROGRAMS: readonly KnownProgram[] = [
  { owner: 'VPP', names: /^(vpp_main|vpp|vpp_wk_\d+)$/ },
  { owner: 'QEMU', names: /^(qemu-system-[\w-]+|qemu-kvm|qemu-\w+|kvm)$/ },
  { owner: 'OpenVPN', names: /^openvpn$/ },
  { owner: 'tinc', names: /^tincd$/ },
  { owner: 'ZeroTier', names: /^zerotier-one$/ },
  { owner: 'Tailscale', names: /^tailscaled$/ },
  { owner: 'WireGuard (userspace)', names: /^wireguard-go$/ },
  { owner: 'fastd', names: /^fastd$/ },
];

/** The program a holder runs, when it is one that creates taps itself; null for any other process. */
export function ownerOfProcess(comm: string | null, cmdline: readonly string[] | null): string | null {
  const program = cmdline?.[0]?.split('/').pop() ?? null;
  for (const known of KNOWN_PROGRAMS) {
    if ((comm !== null && known.names.test(comm)) || (program !== null && known.names.test(program))) return known.owner;
  }
  return null;
}

/** Owners known to set the MAC of the taps they create (VPP's tapv2 host-mac-addr). */
export function setsTapMac(owner: string | null): boolean {
  return owner === 'VPP';
}

/** The holders of one device, lowest PID first (a forked child holds the same descriptor). */
export function tunHoldersOf(host: Host, name: string): TunHolder[] {
  return (host.snapshot.tunHolders ?? []).filter((h) => h.interface === name).sort((a, b) => a.pid - b.pid);
}

/** How a holder is named in messages: `vpp_main (PID 4242)`. */
export function describeHolder(h: TunHolder): string {
  const program = h.comm ?? h.cmdline?.[0]?.split('/').pop() ?? 'a process';
  return `${program} (PID ${h.pid})`;
}

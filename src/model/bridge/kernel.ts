/**
 * What a Linux bridge allows, per kernel version: which link-local group masks exist and which bits a
 * write to each of them refuses. Sources: net/bridge/br_private.h, br_sysfs_br.c, br_sysfs_if.c,
 * br_netlink.c (see docs/labs.md for the history), checked on this machine's kernel by
 * test/system/bridge-conformance.test.ts.
 */

export interface KernelVersion {
  major: number;
  minor: number;
}

/** `uname -r` to major.minor; null when it does not start with a version. */
export function parseKernelRelease(release: string | null | undefined): KernelVersion | null {
  const m = /^(\d+)\.(\d+)/.exec(release ?? '');
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : null;
}

export function atLeast(v: KernelVersion, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

export const LINK_LOCAL_PREFIX = '01:80:c2:00:00:0';

/** Bit n of a group mask stands for 01:80:c2:00:00:0n. */
export const BIT = {
  stp: 1 << 0x0,
  pause: 1 << 0x1,
  lacp: 1 << 0x2,
  eapol: 1 << 0x3,
  lldp: 1 << 0xe,
} as const;

/** Bits a bridge-level write refuses: 0x0007 now; 0x4007 (LLDP too) in the first kernels with the mask. */
export const BRIDGE_RESTRICTED_NOW = 0x0007;
export const BRIDGE_RESTRICTED_OLD = 0x4007;
/** The per-port mask refuses only MAC pause. */
export const PORT_RESTRICTED = 0x0002;
/** 802.1ad: the Nearest Customer Bridge group addresses 01:80:c2:00:00:[00,0b,0c,0d,0f]. */
export const GROUPFWD_8021AD = 0xb801;

/** The bridge behaviour of one kernel: what exists and what is refused. */
export interface BridgeKernel {
  /** The version the behaviour is for; null when unknown (then: current mainline). */
  version: KernelVersion | null;
  /** Bridge-level `group_fwd_mask` (sysfs) exists: Linux 3.2. */
  bridgeMask: boolean;
  /** The bridge mask can also be set over netlink (`ip link ... type bridge group_fwd_mask`): Linux 4.4. */
  bridgeMaskNetlink: boolean;
  /** Per-port `group_fwd_mask`: Linux 4.15 (commit 5af48b59f35c). */
  portMask: boolean;
  /** 802.1ad VLAN protocol on a filtering bridge forwards the 0xb801 addresses: Linux 3.16. */
  vlan8021ad: boolean;
  /** Bits a bridge-level write certainly refuses. */
  bridgeRefused: number;
  /**
   * Bits whose refusal depends on the exact release: LLDP (bit 14) was restricted until commit
   * 784b58a327ad, whose release is not confirmed; we know 3.2-3.15 had 0x4007 and assume >= 4.15 has 0x0007.
   */
  bridgeUncertain: number;
}

export function bridgeKernel(version: KernelVersion | null): BridgeKernel {
  if (version === null) return { ...bridgeKernel({ major: 99, minor: 0 }), version: null };
  const v = version;
  const current = atLeast(v, 4, 15);
  return {
    version: v,
    bridgeMask: atLeast(v, 3, 2),
    bridgeMaskNetlink: atLeast(v, 4, 4),
    portMask: atLeast(v, 4, 15),
    vlan8021ad: atLeast(v, 3, 16),
    bridgeRefused: atLeast(v, 3, 16) ? BRIDGE_RESTRICTED_NOW : BRIDGE_RESTRICTED_OLD,
    bridgeUncertain: atLeast(v, 3, 16) && !current ? BIT.lldp : 0,
  };
}

export type MaskLevel = 'bridge' | 'port';

export interface MaskWriteVerdict {
  /** true: the kernel takes it; false: EINVAL; 'uncertain': depends on the exact release. */
  accepted: boolean | 'uncertain';
  /** The bits that caused a refusal (or may cause one). */
  refusedBits: number;
  /** The value the kernel stores when it accepts: sysfs keeps only the low 16 bits. */
  stored: number | null;
  reason: string;
}

/**
 * Whether a write of `value` to a group mask succeeds. `via` matters only for values above 0xffff:
 * sysfs parses an unsigned long and keeps the low 16 bits (the check runs on the whole value), while
 * iproute2 parses a u16 and rejects the value itself before the kernel sees it.
 */
export function checkMaskWrite(level: MaskLevel, value: number, kernel: BridgeKernel, via: 'sysfs' | 'netlink' = 'sysfs'): MaskWriteVerdict {
  const exists = level === 'bridge' ? (via === 'sysfs' ? kernel.bridgeMask : kernel.bridgeMaskNetlink) : kernel.portMask;
  if (!exists) {
    return { accepted: false, refusedBits: 0, stored: null, reason: level === 'bridge'
      ? `this kernel has no bridge group_fwd_mask${via === 'netlink' ? ' over netlink (Linux 4.4; use sysfs)' : ' (Linux 3.2)'}`
      : 'this kernel has no per-port group_fwd_mask (Linux 4.15)' };
  }
  if (via === 'netlink' && value > 0xffff) {
    return { accepted: false, refusedBits: 0, stored: null, reason: 'the mask is 16 bits; iproute2 rejects a larger value' };
  }
  const restricted = level === 'bridge' ? kernel.bridgeRefused : PORT_RESTRICTED;
  const refused = value & restricted;
  if (refused !== 0) {
    return { accepted: false, refusedBits: refused, stored: null,
      reason: `bits ${hex(refused)} are restricted at the ${level} level (${describeBits(refused)})` };
  }
  const uncertain = level === 'bridge' ? value & kernel.bridgeUncertain : 0;
  if (uncertain !== 0) {
    return { accepted: 'uncertain', refusedBits: uncertain, stored: value & 0xffff,
      reason: `bit ${hex(uncertain)} (LLDP) was restricted at the bridge level until commit 784b58a327ad; whether this release has it is not confirmed` };
  }
  return { accepted: true, refusedBits: 0, stored: value & 0xffff, reason: value > 0xffff ? 'accepted; sysfs keeps the low 16 bits' : 'accepted' };
}

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

const BIT_NAMES: Record<number, string> = { 0: 'STP', 1: 'MAC pause', 2: 'LACP', 3: '802.1X EAPOL', 0xe: 'LLDP' };

export function describeBits(mask: number): string {
  const names: string[] = [];
  for (let n = 0; n < 16; n++) if (mask & (1 << n)) names.push(BIT_NAMES[n] ?? `01:80:c2:00:00:${n.toString(16).padStart(2, '0')}`);
  return names.join(', ');
}

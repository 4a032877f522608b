/**
 * What changed in udevd's handling of `.link` files between systemd versions, in one table: keys a
 * version does not know (it warns "Unknown key name" and ignores them, which can leave a [Match]
 * empty and the whole file ignored) and behaviours that arrived later. Each row names its evidence:
 * the daemon's own message where a real udevd of that version was run (see VERIFIED_VERSIONS and
 * test/system/link-versions.test.ts), otherwise systemd's NEWS.
 */

/** The versions whose real systemd-udevd the differential tests run (Debian 11, 12, 13). */
export const VERIFIED_VERSIONS: readonly number[] = [247, 252, 257];

export interface KeyRow {
  section: 'Match' | 'Link' | 'SR-IOV';
  keys: readonly string[];
  /** First version that reads the keys in a `.link` file. */
  since: number;
  evidence: string;
}

/** Keys that arrived after 239 (RHEL 8); every other key of keys.ts is older. */
export const KEY_ROWS: readonly KeyRow[] = [
  {
    section: 'Link', since: 248,
    keys: ['TransmitQueues', 'ReceiveQueues', 'TransmitQueueLength', 'GenericSegmentOffloadMaxBytes', 'GenericSegmentOffloadMaxSegments',
      'RxCoalesceSec', 'RxMaxCoalescedFrames', 'RxCoalesceIrqSec', 'RxMaxCoalescedIrqFrames', 'TxCoalesceSec', 'TxMaxCoalescedFrames',
      'TxCoalesceIrqSec', 'TxMaxCoalescedIrqFrames', 'StatisticsBlockCoalesceSec', 'UseAdaptiveRxCoalesce', 'UseAdaptiveTxCoalesce',
      'CoalescePacketRateLow', 'RxCoalesceLowSec', 'RxMaxCoalescedLowFrames', 'TxCoalesceLowSec', 'TxMaxCoalescedLowFrames',
      'CoalescePacketRateHigh', 'RxCoalesceHighSec', 'RxMaxCoalescedHighFrames', 'TxCoalesceHighSec', 'TxMaxCoalescedHighFrames',
      'CoalescePacketRateSampleIntervalSec'],
    evidence: "udevd 247: \"Unknown key name 'TransmitQueues' in section 'Link', ignoring\" (and the same for each); NEWS 248",
  },
  {
    section: 'Link', since: 250,
    keys: ['WakeOnLanPassword', 'GenericReceiveOffloadHardware', 'ReceiveVLANCTAGHardwareAcceleration', 'TransmitVLANCTAGHardwareAcceleration',
      'ReceiveVLANCTAGFilter', 'TransmitVLANSTAGHardwareAcceleration', 'NTupleFilter'],
    evidence: 'unknown to udevd 247, known to 252 (test/system/link-versions.test.ts); NEWS 250',
  },
  { section: 'Match', since: 251, keys: ['Kind', 'Firmware'], evidence: "udevd 247: \"Unknown key name 'Kind' in section 'Match', ignoring\"; udevd 252 reads it; NEWS 251" },
  { section: 'Link', since: 251, keys: ['MDI', 'SR-IOVVirtualFunctions'], evidence: 'unknown to udevd 247, known to 252 (test/system/link-versions.test.ts); NEWS 251' },
  {
    section: 'SR-IOV', since: 251,
    keys: ['VirtualFunction', 'VLANId', 'QualityOfService', 'VLANProtocol', 'MACSpoofCheck', 'QueryReceiveSideScaling', 'Trust', 'LinkState', 'MACAddress'],
    evidence: 'udevd 247: "Unknown section \'SR-IOV\'"; known to 252; NEWS 251 ([SR-IOV] sections in .link files)',
  },
  { section: 'Match', since: 252, keys: ['Credential'], evidence: "udevd 247: \"Unknown key name 'Credential' in section 'Match', ignoring\"; udevd 252 reads it" },
  { section: 'Link', since: 256, keys: ['Property', 'ImportProperty', 'UnsetProperty'], evidence: "udevd 252: \"Unknown key name 'Property' in section 'Link'\"; known to 257; NEWS 256" },
];

export type Behaviour =
  | 'stable-virtual-macs'
  | 'empty-match-ignored'
  | 'dropins'
  | 'driver-before-match'
  | 'move-reapplies'
  | 'userspace-name-kept'
  | 'empty-list-resets'
  | 'hw-addr-checked';

export interface BehaviourRow {
  id: Behaviour;
  since: number;
  what: string;
  evidence: string;
}

export const BEHAVIOUR_ROWS: readonly BehaviourRow[] = [
  {
    id: 'stable-virtual-macs', since: 242,
    what: 'MACAddressPolicy=persistent hashes the interface name when no ID_NET_NAME_* property exists (virtual devices get a persistent MAC)',
    evidence: 'NEWS 242 (naming scheme v241); udevd 247/252/257: "Using \\"NAME\\" as stable identifying information" on a tap',
  },
  {
    id: 'empty-match-ignored', since: 245,
    what: 'a file with no valid [Match] key is ignored as a whole (also when the only keys were unknown to the version)',
    evidence: 'udevd 252: "No valid settings found in the [Match] section, ignoring file"; udevd 247 ignores a file whose only match key is Kind=',
  },
  { id: 'dropins', since: 248, what: 'NAME.link.d/*.conf drop-ins are read', evidence: 'NEWS 248 (inferred; verified in 252 and 257)' },
  {
    id: 'driver-before-match', since: 0,
    what: 'ID_NET_DRIVER is set before the .link files are matched, so Property=ID_NET_DRIVER=... sees it (net_setup_link sets it itself up to 255; from 256 the net_driver builtin of 50-udev-default.rules does)',
    evidence: 'udevadm test-builtin net_setup_link prints ID_NET_DRIVER first (252); udevd 247/252/257 with their own rules match Property=ID_NET_DRIVER=tun on a fresh tap',
  },
  {
    id: 'move-reapplies', since: 0,
    what: 'after a rename the move uevent runs net_setup_link again on the new name: files are matched again and the MAC policy, MTU and other settings of the file that matches then are applied; Name=/NamePolicy= are skipped',
    evidence: "udevd 247/252/257: \"Skipping to apply Name= and NamePolicy= on 'move' uevent.\" after \"Config file ... is applied\" on ACTION=move",
  },
  {
    id: 'userspace-name-kept', since: 251,
    what: 'a device named by userspace (name_assign_type 3 or 4) is not renamed by Name=/NamePolicy= unless the naming scheme allows re-renames (v251+)',
    evidence: 'udevd 247 renames a bridge with name_assign_type=3 ("Policies didn\'t yield a name, using specified Name="); NEWS 251 (naming scheme v251: re-renames); udevd 252 and 257 decide by the scheme',
  },
  {
    id: 'empty-list-resets', since: 252,
    what: 'an empty OriginalName= or Property= clears the list built so far (older versions keep it; Driver=, Type=, Kind=, Path=, MACAddress= reset in 247 already)',
    evidence: 'udevd 247 still matches OriginalName=ta* and Property=ID_PATH=* after a later empty assignment; udevd 252 and 257 clear them (first verified: 252)',
  },
  {
    id: 'hw-addr-checked', since: 252,
    what: 'no MAC is set on a device without a hardware address (tun): older versions send a static MACAddress=, a random MAC (policy random, addr_assign_type 0) or a persistent one (policy persistent, addr_assign_type 1) anyway, and the kernel refuses the whole request, MTUBytes= with it',
    evidence: 'udevd 247: "Using random bytes to generate MAC" then "Could not set Alias=, MACAddress= or MTU=, ignoring: Operation not supported" on a tun with MACAddressPolicy=random or MACAddress=, and MTUBytes= (first verified: 252)',
  },
];

const SINCE = Object.fromEntries(BEHAVIOUR_ROWS.map((r) => [r.id, r.since])) as Record<Behaviour, number>;

export function has(version: number, behaviour: Behaviour): boolean {
  return version >= SINCE[behaviour];
}

/**
 * Says which verified version's behaviour stands in for an unverified one: the nearest verified
 * version at or below it (the oldest verified one for older versions). Null for a verified version.
 */
export function verificationNote(version: number): string | null {
  if (VERIFIED_VERSIONS.includes(version)) return null;
  const below = VERIFIED_VERSIONS.filter((v) => v <= version);
  const nearest = below.length ? below[below.length - 1]! : VERIFIED_VERSIONS[0]!;
  return `systemd ${version} was not run here; predictions use the version table (docs/link.md) and otherwise behave as the verified udevd ${nearest}`;
}

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
    evidence: 'NEWS 250',
  },
  { section: 'Match', since: 251, keys: ['Kind', 'Firmware'], evidence: "udevd 247: \"Unknown key name 'Kind' in section 'Match', ignoring\"; udevd 252 reads it; NEWS 251" },
  { section: 'Link', since: 251, keys: ['MDI', 'SR-IOVVirtualFunctions'], evidence: 'NEWS 251' },
  {
    section: 'SR-IOV', since: 251,
    keys: ['VirtualFunction', 'VLANId', 'QualityOfService', 'VLANProtocol', 'MACSpoofCheck', 'QueryReceiveSideScaling', 'Trust', 'LinkState', 'MACAddress'],
    evidence: 'NEWS 251 ([SR-IOV] sections in .link files)',
  },
  { section: 'Match', since: 252, keys: ['Credential'], evidence: "udevd 247: \"Unknown key name 'Credential' in section 'Match', ignoring\"; udevd 252 reads it" },
  { section: 'Link', since: 256, keys: ['Property', 'ImportProperty', 'UnsetProperty'], evidence: "udevd 252: \"Unknown key name 'Property' in section 'Link'\"; NEWS 256" },
];

export type Behaviour =
  | 'stable-virtual-macs'
  | 'empty-match-ignored'
  | 'dropins'
  | 'driver-before-match'
  | 'move-reapplies'
  | 'userspace-name-kept'
  | 'empty-originalname-resets';

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
    id: 'empty-originalname-resets', since: 252,
    what: 'an empty OriginalName= clears the list built so far (older versions keep it)',
    evidence: 'udevd 247 still matches OriginalName=ta* after a later empty OriginalName=; udevd 252 and 257 clear it (first verified: 252)',
  },
];

export function has(version: number, behaviour: Behaviour): boolean {
  return version >= BEHAVIOUR_ROWS.find((r) => r.id === behaviour)!.since;
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

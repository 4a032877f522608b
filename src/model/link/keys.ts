/**
 * The sections and keys udevd accepts in a `.link` file, with the systemd version each arrived in
 * where that is after 249 (Ubuntu 22.04). A key a version does not know is warned about and
 * ignored by that version, which can leave a [Match] empty and the file ignored.
 * The v252 set is checked against the real udevd by test/system/link-keys.test.ts.
 */

/** [Match] keys: name → first version that reads it in `.link` files. */
export const MATCH_KEYS: ReadonlyMap<string, number> = new Map([
  ['MACAddress', 0], ['PermanentMACAddress', 0], ['OriginalName', 0], ['Path', 0], ['Driver', 0],
  ['Type', 0], ['Property', 0], ['Host', 0], ['Virtualization', 0], ['KernelCommandLine', 0],
  ['KernelVersion', 0], ['Architecture', 0],
  ['Firmware', 251], ['Kind', 251], ['Credential', 252],
]);

const LINK_KEYS_249 = [
  'Description', 'MACAddressPolicy', 'MACAddress', 'NamePolicy', 'Name', 'AlternativeName',
  'AlternativeNamesPolicy', 'Alias', 'TransmitQueues', 'ReceiveQueues', 'TransmitQueueLength', 'MTUBytes',
  'BitsPerSecond', 'Duplex', 'AutoNegotiation', 'WakeOnLan', 'Port', 'ReceiveChecksumOffload',
  'TransmitChecksumOffload', 'GenericSegmentationOffload', 'TCPSegmentationOffload', 'TCP6SegmentationOffload',
  'UDPSegmentationOffload', 'GenericReceiveOffload', 'LargeReceiveOffload', 'RxChannels', 'TxChannels',
  'OtherChannels', 'CombinedChannels', 'Advertise', 'RxBufferSize', 'RxMiniBufferSize', 'RxJumboBufferSize',
  'TxBufferSize', 'RxFlowControl', 'TxFlowControl', 'AutoNegotiationFlowControl', 'GenericSegmentOffloadMaxBytes',
  'GenericSegmentOffloadMaxSegments', 'RxCoalesceSec', 'RxMaxCoalescedFrames', 'RxCoalesceIrqSec',
  'RxMaxCoalescedIrqFrames', 'TxCoalesceSec', 'TxMaxCoalescedFrames', 'TxCoalesceIrqSec', 'TxMaxCoalescedIrqFrames',
  'StatisticsBlockCoalesceSec', 'UseAdaptiveRxCoalesce', 'UseAdaptiveTxCoalesce', 'CoalescePacketRateLow',
  'RxCoalesceLowSec', 'RxMaxCoalescedLowFrames', 'TxCoalesceLowSec', 'TxMaxCoalescedLowFrames',
  'CoalescePacketRateHigh', 'RxCoalesceHighSec', 'RxMaxCoalescedHighFrames', 'TxCoalesceHighSec',
  'TxMaxCoalescedHighFrames', 'CoalescePacketRateSampleIntervalSec',
];

/** [Link] keys: name → first version. */
export const LINK_KEYS: ReadonlyMap<string, number> = new Map([
  ...LINK_KEYS_249.map((k): [string, number] => [k, 0]),
  ['WakeOnLanPassword', 250], ['GenericReceiveOffloadHardware', 250], ['ReceiveVLANCTAGHardwareAcceleration', 250],
  ['TransmitVLANCTAGHardwareAcceleration', 250], ['ReceiveVLANCTAGFilter', 250],
  ['TransmitVLANSTAGHardwareAcceleration', 250], ['NTupleFilter', 250],
  ['MDI', 251], ['SR-IOVVirtualFunctions', 251],
  // udev properties from .link files arrived after 252 (v252 warns "Unknown key").
  ['Property', 256], ['ImportProperty', 256], ['UnsetProperty', 256],
]);

export const SRIOV_KEYS: ReadonlyMap<string, number> = new Map([
  ['VirtualFunction', 251], ['VLANId', 251], ['QualityOfService', 251], ['VLANProtocol', 251],
  ['MACSpoofCheck', 251], ['QueryReceiveSideScaling', 251], ['Trust', 251], ['LinkState', 251], ['MACAddress', 251],
]);

/** The version assumed when the snapshot does not say (Debian 12's udev). */
export const DEFAULT_SYSTEMD_VERSION = 252;

function keysFor(table: ReadonlyMap<string, number>, version: number): Set<string> {
  return new Set([...table].filter(([, since]) => since <= version).map(([k]) => k));
}

const schemaCache = new Map<number, { sections: Map<string, Set<string>> }>();

/** The unit-file schema of `.link` files as the given systemd version reads them. */
export function linkSchema(version: number): { sections: Map<string, Set<string>> } {
  let schema = schemaCache.get(version);
  if (!schema) {
    const sections = new Map<string, Set<string>>([
      ['Match', keysFor(MATCH_KEYS, version)],
      ['Link', keysFor(LINK_KEYS, version)],
    ]);
    if (version >= 251) sections.set('SR-IOV', keysFor(SRIOV_KEYS, version));
    schema = { sections };
    schemaCache.set(version, schema);
  }
  return schema;
}

/**
 * Keys that only `.link` files act on. Placed in a `.network` file they do nothing (networkd
 * warns about an unknown key and carries on), which is a classic way to believe a MAC is pinned.
 */
export const LINK_ONLY_KEYS: ReadonlySet<string> = new Set([
  'MACAddressPolicy', 'NamePolicy', 'AlternativeNamesPolicy', 'OriginalName', 'TransmitQueues', 'ReceiveQueues',
  'WakeOnLan', 'BitsPerSecond', 'Duplex', 'AutoNegotiation', 'ReceiveChecksumOffload', 'TransmitChecksumOffload',
  'GenericSegmentationOffload', 'TCPSegmentationOffload', 'GenericReceiveOffload', 'LargeReceiveOffload',
]);

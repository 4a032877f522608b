/**
 * The sections and keys udevd accepts in a `.link` file, with the systemd version each arrived in
 * (from the version table, versions.ts). A key a version does not know is warned about and
 * ignored by that version, which can leave a [Match] empty and the file ignored.
 * The v252 set is checked against the real udevd by test/system/link-keys.test.ts.
 */
import { KEY_ROWS, type KeyRow } from './versions.js';

/** Every key of a section at version 0, then each later arrival from the version table. */
function keyTable(section: KeyRow['section'], base: readonly string[]): ReadonlyMap<string, number> {
  const table = new Map(base.map((k): [string, number] => [k, 0]));
  for (const row of KEY_ROWS) if (row.section === section) for (const k of row.keys) table.set(k, row.since);
  return table;
}

/** [Match] keys: name → first version that reads it in `.link` files. */
export const MATCH_KEYS: ReadonlyMap<string, number> = keyTable('Match', [
  'MACAddress', 'PermanentMACAddress', 'OriginalName', 'Path', 'Driver', 'Type', 'Property', 'Host', 'Virtualization',
  'KernelCommandLine', 'KernelVersion', 'Architecture',
]);

const LINK_KEYS_OLD = [
  'Description', 'MACAddressPolicy', 'MACAddress', 'NamePolicy', 'Name', 'AlternativeName',
  'AlternativeNamesPolicy', 'Alias', 'TransmitQueues', 'ReceiveQueues', 'TransmitQueueLength', 'MTUBytes',
  'BitsPerSecond', 'Duplex', 'AutoNegotiation', 'WakeOnLan', 'Port', 'ReceiveChecksumOffload',
  'TransmitChecksumOffload', 'GenericSegmentationOffload', 'TCPSegmentationOffload', 'TCP6SegmentationOffload',
  'UDPSegmentationOffload', 'GenericReceiveOffload', 'LargeReceiveOffload', 'RxChannels', 'TxChannels',
  'OtherChannels', 'CombinedChannels', 'Advertise', 'RxBufferSize', 'RxMiniBufferSize', 'RxJumboBufferSize',
  'TxBufferSize', 'RxFlowControl', 'TxFlowControl', 'AutoNegotiationFlowControl',
];

/** [Link] keys: name → first version. */
export const LINK_KEYS: ReadonlyMap<string, number> = keyTable('Link', LINK_KEYS_OLD);

export const SRIOV_KEYS: ReadonlyMap<string, number> = keyTable('SR-IOV', []);

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

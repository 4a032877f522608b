/** The systemd `.link` engine: which file udevd applies to a device and what it does to its MAC. */
export { loadLinkConfigs, loadLinkConfigsFromFiles, LINK_DIRS, type LinkConfigSet, type LoadedLinkConfig, type SkippedLinkFile } from './load.js';
export { parseLinkConfig, matchIsEmpty, type LinkConfig, type LinkMatch, type LinkSettings, type SettingSource, type Sourced } from './config.js';
export { linkDeviceFromInterface, linkDeviceFromSpec, newLinkDevice, type NewLinkDevice, ethtoolDriverForKind, deviceTypeString, DeviceSpecError, type LinkDevice } from './device.js';
export { explainLink, firstMismatch, type LinkExplanation, type LinkPass, type MacAction } from './explain.js';
export { VERIFIED_VERSIONS, KEY_ROWS, BEHAVIOUR_ROWS, verificationNote } from './versions.js';
export { persistentMac, formatMac } from './persistent.js';
export { siphash24 } from './siphash24.js';
export { fnmatch } from './fnmatch.js';
export { LINK_KEYS, MATCH_KEYS, LINK_ONLY_KEYS, linkSchema, DEFAULT_SYSTEMD_VERSION } from './keys.js';

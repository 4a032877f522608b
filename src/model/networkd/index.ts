/** systemd-networkd's `.network` files and networkd.conf: which links it takes and what a restart removes. */
export { loadNetworkd, loadNetworkdConfig, type NetworkdConfig, type LoadedNetworkConfig, type ForeignSetting, type SkippedNetworkFile } from './load.js';
export { parseNetworkConfig, networkMatchIsEmpty, type NetworkConfig, type NetworkSettings } from './network.js';
export { networkForLink, networkMismatch, matchLines, type LinkNetwork } from './links.js';
export { restartEffect, describeNexthop, type RestartEffect } from './foreign.js';
export { FOREIGN_SETTINGS, IPV6_FORWARDING_SINCE, type ForeignKind } from './versions.js';
export { networkdRa, type NetworkdRa, type NetworkdRaReason } from './ra.js';

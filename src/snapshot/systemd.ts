/**
 * Facts of systemd's own layout that collection and analysis must agree on. Kept in the snapshot
 * layer, the contract both sides import, so the collector reads exactly the directories the models
 * search.
 */

/** systemd's network directories (.link, .network, .netdev), highest precedence first; /lib only on split-usr systems. */
export const SYSTEMD_NETWORK_DIRS: readonly string[] = [
  '/etc/systemd/network',
  '/run/systemd/network',
  '/usr/local/lib/systemd/network',
  '/usr/lib/systemd/network',
  '/lib/systemd/network',
];

/** Where systemd-networkd's own configuration (networkd.conf) may live, highest precedence first. */
export const NETWORKD_CONF_DIRS: readonly string[] = [
  '/etc/systemd',
  '/run/systemd',
  '/usr/local/lib/systemd',
  '/usr/lib/systemd',
  '/lib/systemd',
];

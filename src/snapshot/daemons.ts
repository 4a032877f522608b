/**
 * The commands collect runs about the daemons that reconfigure a node's network, in the argv form
 * analysis looks their records up by: shared by collection and the model.
 */

/** The units `systemctl is-active` is asked about, in this order; it prints one state per line. */
export const WATCHED_UNITS = ['NetworkManager.service', 'firewalld.service', 'nm-cloud-setup.service', 'nm-cloud-setup.timer'] as const;

export const IS_ACTIVE_ARGV: readonly string[] = ['systemctl', 'is-active', ...WATCHED_UNITS];

/** The iptables nat table, where kube-proxy and the CNI portmap plugin keep their chains. */
export const IPTABLES_NAT_ARGV: readonly string[] = ['iptables-save', '-t', 'nat'];

/**
 * networkd.conf's [Network] ManageForeign* settings: which systemd version introduced each. All
 * default to yes. Before a setting existed networkd removed the foreign objects of its kind all the
 * same, with no way to keep them (networkd-link.c link_drop_foreign_config() of those versions).
 */
export type ForeignKind = 'routes' | 'rules' | 'nexthops';

export interface ForeignSettingRow {
  kind: ForeignKind;
  key: string;
  since: number;
  evidence: string;
}

export const FOREIGN_SETTINGS: readonly ForeignSettingRow[] = [
  { kind: 'routes', key: 'ManageForeignRoutes', since: 246, evidence: 'systemd NEWS 246; networkd.conf(5)' },
  { kind: 'rules', key: 'ManageForeignRoutingPolicyRules', since: 249, evidence: 'systemd NEWS 249; networkd.conf(5)' },
  { kind: 'nexthops', key: 'ManageForeignNextHops', since: 256, evidence: 'systemd NEWS 256; networkd.conf(5)' },
];

/**
 * The version from which forwarding is IPv6Forwarding= (in a `.network` and in networkd.conf's [Network])
 * and IPForward= is ignored with a warning; before it, IPForward= of the `.network` alone said whether
 * networkd forwards. Either way, the kernel's own forwarding sysctl plays no part in networkd's choice of
 * the IPv6AcceptRA= default (networkd-ndisc.c of 252: network_adjust_ipv6_accept_ra(); of 257:
 * link_ndisc_enabled() with link_get_ip_forwarding() in networkd-sysctl.c; systemd NEWS 256).
 */
export const IPV6_FORWARDING_SINCE = 256;

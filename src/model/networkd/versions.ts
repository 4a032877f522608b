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

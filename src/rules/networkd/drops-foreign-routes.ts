/**
 * networkd/drops-foreign-routes: routes, policy rules and nexthops a CNI or routing daemon installed
 * that systemd-networkd removes on its next restart or reconfigure (`netplan apply`, an upgrade, a
 * bond member flap), because ManageForeignRoutes= (v246), ManageForeignRoutingPolicyRules= (v249)
 * and ManageForeignNextHops= (v256) default to yes (aws/amazon-vpc-cni-k8s#1600, deckhouse#5709,
 * cloudnativelabs/kube-router#1815; field-traps.md §5).
 */
import type { Host } from '../../model/host.js';
import {
  describeNexthop, FOREIGN_SETTINGS, loadNetworkd, restartEffect,
  type ForeignKind, type ForeignSetting, type NetworkdConfig,
} from '../../model/networkd/index.js';
import { describeRoute, describeRule } from '../../model/fib.js';
import type { Evidence, Finding, Fix, Rule } from '../types.js';

const ID = 'networkd/drops-foreign-routes';
const MAX_SHOWN = 12;
const FIX_PATH = '/etc/systemd/networkd.conf.d/50-hostnet-keep-foreign.conf';

const NOUN: Record<ForeignKind, string> = { routes: 'route', rules: 'policy rule', nexthops: 'nexthop' };

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Where the setting comes from, or that it is the default. */
function settingEvidence(s: ForeignSetting, version: number): Evidence {
  if (!s.supported) return { message: `systemd ${version} has no ${s.key}= (it arrived in a later version): networkd always removes foreign ${s.kind}` };
  if (s.source) return { message: `[Network] ${s.key}=${s.source.value}`, file: s.source.file, line: s.source.line };
  return { message: `${s.key}= is not set in networkd.conf or its drop-ins: it defaults to yes` };
}

function keepForeignFix(kinds: readonly ForeignKind[], cfg: NetworkdConfig): Fix | null {
  const settable = kinds.map((k) => cfg.foreign[k]).filter((s) => s.supported);
  if (settable.length === 0) return null;
  const content = [
    '# Routes, policy rules and nexthops installed by the CNI or a routing daemon are not',
    '# systemd-networkd\'s to remove (hostnet networkd/drops-foreign-routes).',
    '[Network]',
    ...settable.map((s) => `${s.key}=no`),
    '',
  ].join('\n');
  return {
    title: `Tell systemd-networkd to leave foreign ${settable.map((s) => s.kind).join(', ')} alone: ${FIX_PATH}`,
    files: [{ path: FIX_PATH, content }],
    commands: [
      'systemctl restart systemd-networkd   # networkd.conf is read at start; with these settings the restart keeps them',
      'ip rule; ip route show table all   # the CNI\'s entries are still there',
    ],
    testedBy: {
      detail: 'with this drop-in the real systemd-networkd 252 and 257, started in a namespace on a Calico-like node, keeps the foreign routes and rules it removes without it',
      test: 'test/system/networkd-daemon.test.ts',
    },
  };
}

function upgradeNote(kinds: readonly ForeignKind[], cfg: NetworkdConfig): string {
  const missing = kinds.map((k) => cfg.foreign[k]).filter((s) => !s.supported);
  if (missing.length === 0) return '';
  return `; systemd ${cfg.systemdVersion} cannot be told to keep foreign ${missing.map((s) => s.kind).join(' or ')} (${missing.map((s) => `${s.key}= needs systemd >= ${FOREIGN_SETTINGS.find((r) => r.kind === s.kind)!.since}`).join(', ')}): make the links unmanaged or do not restart networkd on this node`;
}

export const dropsForeignRoutes: Rule = {
  meta: {
    id: ID,
    title: 'systemd-networkd removes the CNI\'s routes, policy rules or nexthops on its next restart',
    severity: 'error',
    references: [
      'networkd.conf(5) ManageForeignRoutes=, ManageForeignRoutingPolicyRules=, ManageForeignNextHops=',
      'aws/amazon-vpc-cni-k8s#1600', 'deckhouse/deckhouse#5709', 'cloudnativelabs/kube-router#1815',
      'reference/field-traps.md §5',
    ],
  },
  check(host: Host): Finding[] {
    const cfg = loadNetworkd(host);
    if (cfg.networks.length === 0) return [];
    const effect = restartEffect(host, cfg);
    if (effect.dropping.length === 0) return [];
    const lists: Record<ForeignKind, string[]> = {
      routes: effect.routes.map((r) => describeRoute(r.route, { protocol: true })),
      rules: effect.rules.map((r) => describeRule(r, { protocol: true })),
      nexthops: effect.nexthops.map((n) => describeNexthop(n.nexthop)),
    };
    const kinds = (Object.keys(lists) as ForeignKind[]).filter((k) => lists[k].length > 0);
    if (kinds.length === 0) return [];
    const managed = effect.dropping.map((l) => l.iface.name);
    const evidence: Evidence[] = [
      { message: `networkd configures ${managed.slice(0, 6).join(', ')}${managed.length > 6 ? ` and ${managed.length - 6} more` : ''} (first: ${effect.dropping[0]!.network!.path}), so a restart drops foreign configuration`, file: effect.dropping[0]!.network!.path },
      ...kinds.map((k) => settingEvidence(cfg.foreign[k], cfg.systemdVersion)),
      ...kinds.flatMap((k) => lists[k].slice(0, MAX_SHOWN).map((what) => ({ message: `removed: ${NOUN[k]} ${what}` }))),
    ];
    const counts = kinds.map((k) => plural(lists[k].length, NOUN[k])).join(', ');
    const fix = keepForeignFix(kinds, cfg);
    return [{
      ruleId: ID,
      severity: 'error',
      message: `A restart or reconfigure of systemd-networkd (netplan apply, an upgrade) removes ${counts} it did not configure${upgradeNote(kinds, cfg)}`,
      evidence,
      fixes: fix ? [fix] : [],
    }];
  },
};

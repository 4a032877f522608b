/**
 * What a firewalld reload (`firewall-cmd --reload`, also a restart) does to rules it did not make, from
 * its configuration (firewalld src/firewall/core/fw.py: reload(), flush(), enabled_backends(),
 * may_skip_flush_direct_backends(); ipXtables.py build_flush_rules()):
 *
 * - Every reload flushes. With FirewallBackend=iptables the flush is `-F -X -Z` of every table of
 *   iptables and ip6tables: every chain anyone made goes, kube-proxy's KUBE-* and the CNI portmap
 *   plugin's CNI-HOSTPORT-* and CNI-DN-* included.
 * - With FirewallBackend=nftables (the default) firewalld replaces its own nftables table only, unless it
 *   has direct rules (/etc/firewalld/direct.xml, or added at runtime): then its iptables backends are
 *   flushed the same way.
 * - FlushAllOnReload=yes (the default) also drops what was set at runtime only (direct rules, interfaces
 *   bound to zones); =no keeps those, not the other chains.
 */
import { IPTABLES_NAT_ARGV } from '../snapshot/daemons.js';
import { parseFirewalldConf, type FirewalldSetting } from '../sources/firewalld-conf.js';
import type { Host } from './host.js';

export const FIREWALLD_CONF = '/etc/firewalld/firewalld.conf';
export const FIREWALLD_DIRECT = '/etc/firewalld/direct.xml';

export interface FirewalldReload {
  backend: { value: string; setting: FirewalldSetting | null };
  flushAllOnReload: { value: boolean; setting: FirewalldSetting | null };
  /** The direct rules in direct.xml (rule, passthrough and chain elements). */
  directRules: number;
  /** Whether a reload flushes every iptables/ip6tables chain, not only firewalld's own. */
  flushesIptables: boolean;
}

export function firewalldReload(host: Host): FirewalldReload {
  const conf = host.file(FIREWALLD_CONF);
  const settings = conf?.content ? parseFirewalldConf(conf.content).settings : new Map<string, FirewalldSetting>();
  const backendSetting = settings.get('FirewallBackend') ?? null;
  const backend = backendSetting?.value ?? 'nftables';
  const flushSetting = settings.get('FlushAllOnReload') ?? null;
  const flushAll = !(flushSetting && /^(no|false)$/i.test(flushSetting.value));
  const direct = host.file(FIREWALLD_DIRECT)?.content ?? '';
  const directRules = (direct.replace(/<!--[\s\S]*?-->/g, '').match(/<(rule|passthrough|chain)\b/g) ?? []).length;
  return {
    backend: { value: backend, setting: backendSetting },
    flushAllOnReload: { value: flushAll, setting: flushSetting },
    directRules,
    flushesIptables: backend === 'iptables' || directRules > 0,
  };
}

const NFT_RULESET_ARGV = 'nft -j list ruleset';

export interface ChainsSeen {
  /** Chain names kube-proxy and CNI plugins create, as found. */
  chains: string[];
  /** Where they were read, or null when no rule set was recorded. */
  source: string | null;
}

/** kube-proxy's and the CNI plugins' chains (KUBE-*, CNI-*, cali-*, FLANNEL-*, ...) in the recorded rule sets. */
export function cniChains(host: Host): ChainsSeen {
  const names = new Set<string>();
  const sources: string[] = [];
  const save = host.snapshot.commands.find((c) => c.argv.join(' ') === IPTABLES_NAT_ARGV.join(' '));
  if (save) {
    sources.push(IPTABLES_NAT_ARGV.join(' '));
    for (const m of save.stdout.matchAll(/^:(\S+)/gm)) names.add(m[1]!);
  }
  const nft = host.snapshot.commands.find((c) => c.argv.join(' ') === NFT_RULESET_ARGV);
  if (nft) {
    sources.push(NFT_RULESET_ARGV);
    for (const name of nftChainNames(nft.stdout)) names.add(name);
  }
  return { chains: [...names].filter(isCniChain).sort(), source: sources.length ? sources.join(', ') : null };
}

function nftChainNames(json: string): string[] {
  try {
    const doc = JSON.parse(json) as { nftables?: { chain?: { family?: string; name?: string } }[] };
    return (doc.nftables ?? []).flatMap((o) => (o.chain?.name && (o.chain.family === 'ip' || o.chain.family === 'ip6') ? [o.chain.name] : []));
  } catch {
    return [];
  }
}

export function isCniChain(name: string): boolean {
  return /^(KUBE-|CNI-|cali-|FLANNEL-|CILIUM_|WEAVE|ANTREA-|OVN-KUBE-)/.test(name);
}

/** The chains that only come back when a pod is re-created: the portmap plugin's hostPort rules. */
export function isPortmapChain(name: string): boolean {
  return /^CNI-(HOSTPORT-|DN-)/.test(name);
}

/** Raw command outputs the snapshot's `commands` section holds, in the argv form collection records and analysis looks up. */

/** The packet-filter ruleset (iptables-nft rules included) of the collected namespace. */
export const NFT_RULESET_ARGV: readonly string[] = ['nft', '-j', 'list', 'ruleset'];

/**
 * Legacy iptables (x_tables) rules, which `nft list ruleset` does not show; recorded only when the
 * namespace has legacy tables (/proc/net/ip_tables_names, ip6_tables_names).
 */
export const IPTABLES_LEGACY_ARGV: readonly string[] = ['iptables-legacy-save'];
export const IP6TABLES_LEGACY_ARGV: readonly string[] = ['ip6tables-legacy-save'];

/** Raw command outputs the snapshot's `commands` section holds, in the argv form collection records and analysis looks up. */

/** The packet-filter ruleset (iptables-nft rules included) of the collected namespace. */
export const NFT_RULESET_ARGV: readonly string[] = ['nft', '-j', 'list', 'ruleset'];

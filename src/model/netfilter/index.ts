/** The netfilter model: the nft ruleset, one packet through a hook, bridged traffic through br_netfilter. */
export * from './ruleset.js';
export * from './evaluate.js';
export * from './bridged.js';
export * from './iptables-save.js';

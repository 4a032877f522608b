/** The macvlan (and ipvlan) model: what the CNI plugin does on a node and who can reach whom through a master. */
export * from './plugin.js';
export * from './reachability.js';
export * from './node.js';
export * from './generate.js';

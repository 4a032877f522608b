/**
 * The macvlan picture of one node: which macvlan children already hang off a master in the node's
 * namespace (host-side shims), and whether the node can reach a pod attached in a given mode.
 */
import type { Host } from '../host.js';
import type { Interface } from '../../snapshot/schema.js';
import type { MacvlanMode } from './plugin.js';
import { canPing, MASTER, type MacvlanChild, type MacvlanPort } from './reachability.js';

/** macvlan children of `master` in the node's namespace, with their kernel mode. */
export function nodeMacvlanChildren(host: Host, master: string): { iface: Interface; mode: string }[] {
  return host.children(master)
    .filter((c) => c.kind === 'macvlan' || c.kind === 'macvtap')
    .map((iface) => ({ iface, mode: typeof iface.kindData.mode === 'string' ? iface.kindData.mode : 'vepa' }));
}

/** A shim: a macvlan child of the master in the node's namespace that is up and has an address. */
export function hostSideShims(host: Host, master: string): Interface[] {
  return nodeMacvlanChildren(host, master)
    .filter((c) => c.iface.kind === 'macvlan' && c.iface.flags.includes('UP') && c.iface.addresses.some((a) => a.scope !== 'link'))
    .map((c) => c.iface);
}

export interface NodeReach {
  /** The node's own addresses on the master reach the pod. */
  viaMaster: boolean;
  /** Shims through which the node reaches the pod. */
  viaShims: string[];
}

/**
 * Whether the node reaches a pod attached to `master` in `mode`, with an ordinary (non-hairpin) switch
 * port: through its own addresses on the master, or through a host-side shim.
 */
export function nodeReachesPod(host: Host, master: string, mode: MacvlanMode, hairpin = false): NodeReach {
  const pod = '\u0000pod';
  const shims = hostSideShims(host, master);
  const children: MacvlanChild[] = [
    { name: pod, mode },
    ...nodeMacvlanChildren(host, master).filter((c) => isMode(c.mode)).map((c) => ({ name: c.iface.name, mode: c.mode as MacvlanMode })),
  ];
  const port: MacvlanPort = { children, hairpin };
  return {
    viaMaster: canPing(port, MASTER, pod) && canPing(port, pod, MASTER),
    viaShims: shims.filter((s) => canPing(port, s.name, pod) && canPing(port, pod, s.name)).map((s) => s.name),
  };
}

function isMode(m: string): m is MacvlanMode {
  return m === 'bridge' || m === 'private' || m === 'vepa' || m === 'passthru';
}

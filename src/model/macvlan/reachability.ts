/**
 * Who can reach whom through one master (the kernel's "macvlan port"): the master's own stack, the
 * macvlan children in their modes (pods, or a host-side shim), and whatever the wire sends back.
 *
 * The kernel's rules, as a frame model:
 * - The master's stack transmits straight to the wire; its frames never pass the macvlan children.
 * - A child in bridge mode delivers unicast to another bridge-mode child directly and broadcasts to the
 *   other bridge-mode children; everything else it sends goes to the wire. Other modes always go to the wire.
 * - A frame arriving from the wire: unicast goes to the child owning the destination MAC (in passthru,
 *   to the only child whatever the MAC), else to the master's stack. Broadcast goes to the master's stack
 *   and to children filtered by who sent it: from an outside MAC to every child; from a VEPA child to
 *   VEPA and bridge children; from a bridge child to VEPA children only (bridge children saw it on the
 *   way out); from a private or passthru child back to that child alone (and not to the master's stack).
 * - The wire sends a frame back to the port it came from only when the switch does hairpin
 *   (802.1Qbg reflective relay); an ordinary switch does not.
 * IP reachability needs an ARP request (broadcast) one way, then unicast both ways.
 */
import type { MacvlanMode } from './plugin.js';

/** The master's own network stack (the node's addresses on the master). */
export const MASTER = '@master';

export interface MacvlanChild {
  name: string;
  mode: MacvlanMode;
}

export interface MacvlanPort {
  children: readonly MacvlanChild[];
  /** The switch port reflects frames back (hairpin / reflective relay). */
  hairpin: boolean;
}

type Station = string; // a child's name or MASTER

function child(port: MacvlanPort, name: Station): MacvlanChild | undefined {
  return port.children.find((c) => c.name === name);
}

function passthruChild(port: MacvlanPort): MacvlanChild | undefined {
  return port.children.find((c) => c.mode === 'passthru');
}

/** The child whose MAC a frame from `sender` carries as its source (a passthru child shares the master's MAC). */
function childWithMacOf(port: MacvlanPort, sender: Station): MacvlanChild | undefined {
  if (sender === MASTER) return passthruChild(port);
  return child(port, sender);
}

/** Stations a broadcast sent by `sender` reaches (the sender itself excluded). */
export function broadcastReceivers(port: MacvlanPort, sender: Station): Set<Station> {
  const got = new Set<Station>();
  const src = child(port, sender);
  if (src?.mode === 'bridge') for (const c of port.children) if (c.mode === 'bridge' && c !== src) got.add(c.name);
  if (port.hairpin) for (const s of fromWireBroadcast(port, sender)) got.add(s);
  got.delete(sender);
  return got;
}

function fromWireBroadcast(port: MacvlanPort, sender: Station): Station[] {
  const src = childWithMacOf(port, sender);
  if (src && src.mode !== 'vepa' && src.mode !== 'bridge') return [src.name];
  const allowed: MacvlanMode[] = !src ? ['private', 'vepa', 'passthru', 'bridge'] : src.mode === 'vepa' ? ['vepa', 'bridge'] : ['vepa'];
  return [MASTER, ...port.children.filter((c) => c !== src && allowed.includes(c.mode)).map((c) => c.name)];
}

/** Whether a unicast frame from `sender` addressed to `target`'s MAC reaches `target`. */
export function unicastReaches(port: MacvlanPort, sender: Station, target: Station): boolean {
  const src = child(port, sender);
  const dst = child(port, target);
  if (src?.mode === 'bridge' && dst?.mode === 'bridge') return true;
  if (!port.hairpin) return false;
  const pt = passthruChild(port);
  if (pt) return target === pt.name;
  return dst !== undefined || target === MASTER;
}

/** Whether `from` can ping `to` (ARP request, echo request, echo reply). */
export function canPing(port: MacvlanPort, from: Station, to: Station): boolean {
  if (from === to) return true;
  return broadcastReceivers(port, from).has(to) && unicastReaches(port, to, from) && unicastReaches(port, from, to);
}

/** Plain words for a station. */
export function stationName(s: Station): string {
  return s === MASTER ? "the master's own addresses (the node)" : s;
}

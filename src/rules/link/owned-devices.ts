/**
 * The data-plane-owned devices as udevd sees them the moment they are created: a new tap (or vxlan,
 * bridge, ...) with a random MAC and no ID_NET_NAME_* properties, before the data plane sets its
 * MAC. Shared by the race rules, the race fix and the race explorer.
 */
import type { Host } from '../../model/host.js';
import { explainLink, linkDeviceFromInterface, loadLinkConfigs, newLinkDevice, type LinkConfigSet, type LinkDevice, type LinkExplanation } from '../../model/link/index.js';
import { macOwned, type MacOwned } from '../../model/mac-owners.js';
import { ownerOfProcess, setsTapMac } from '../../model/tun-owners.js';

export interface OwnedAtCreation {
  owned: MacOwned;
  /** The device at its ADD uevent: random MAC, addr_assign_type 1 (random). */
  device: LinkDevice;
  /** What udevd does to it when its ADD event is processed before the data plane sets the MAC. */
  explanation: LinkExplanation;
}

export function deviceAtCreation(host: Host, owned: MacOwned): LinkDevice {
  // The Calico/VPP tap is a new tun device whatever the uplink is today (a NIC before the takeover).
  if (owned.owner === 'Calico/VPP' || !owned.current) {
    return newLinkDevice({ name: owned.name, kind: 'tun', driver: 'tun', type: 'ether', addrAssignType: 'random' });
  }
  const now = linkDeviceFromInterface(host, owned.current);
  // A freshly created device has no udev database entry yet: no ID_NET_NAME_* to hash.
  const properties = Object.fromEntries(Object.entries(now.properties).filter(([k]) => !k.startsWith('ID_NET_NAME')));
  return { ...now, mac: null, addrAssignType: 1, properties };
}

export function ownedAtCreation(host: Host, set: LinkConfigSet = loadLinkConfigs(host)): OwnedAtCreation[] {
  return macOwned(host).map((owned) => {
    const device = deviceAtCreation(host, owned);
    return { owned, device, explanation: explainLink(set, device, host.snapshot.host) };
  });
}

/**
 * udevd writes a MAC of its own when it gets to the new device first: a persistent or random one, or
 * a static MACAddress= (written whatever addr_assign_type says) other than the one the data plane sets.
 */
export function udevRewrites(e: LinkExplanation, expectedMac: string | null = null): boolean {
  if (e.macAction === 'persistent' || e.macAction === 'random') return true;
  return e.macAction === 'static' && e.resultMac !== expectedMac;
}

/**
 * The owned devices udevd would give a MAC of its own: what the race rule reports and the fix covers.
 * A tap known only by its holder counts when that holder sets its taps' MAC (VPP); any tap in use
 * would otherwise be a race, though most owners never set the MAC.
 */
export function racedDevices(host: Host, set: LinkConfigSet = loadLinkConfigs(host)): OwnedAtCreation[] {
  return ownedAtCreation(host, set).filter((o) => udevRewrites(o.explanation, o.owned.expectedMac) &&
    (o.owned.certainty === 'configured' || o.owned.holders.some((h) => setsTapMac(ownerOfProcess(h.comm, h.cmdline)))));
}

/** The .link engine's evidence without a file's bare "is applied" line when a line of it is cited too. */
export function policyEvidence(e: LinkExplanation): LinkExplanation['evidence'] {
  return e.evidence.filter((x) => x.line !== undefined || !e.evidence.some((o) => o.file === x.file && o.line !== undefined));
}

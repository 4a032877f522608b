/**
 * The one systemd-networkd behaviour the race needs: when the `.network` file networkd gives the tap
 * (the shared matcher in src/model/vpp/networkd.ts: first match in directory precedence and name
 * order) sets `[Link] MACAddress=`, networkd writes that MAC once udevd has initialised the device.
 * A file whose [Match] is empty is ignored, as networkd does since v245.
 */
import type { Host } from '../../model/host.js';
import { firstNetworkFor, futureTap, networkFiles } from '../../model/vpp/networkd.js';
import type { Interface } from '../../snapshot/schema.js';
import { parseUnitFile } from '../../sources/unitfile.js';
import type { NetworkdSetting } from './bringup.js';

export interface NetworkdFinding {
  /** The MAC networkd would give the tap, with where it is set; null when it sets none. */
  setting: NetworkdSetting | null;
  notes: string[];
}

/**
 * @param current the interface as the snapshot has it: the uplink NIC before the takeover (the tap is
 * matched as VPP leaves it: same name and MAC, kind tun) or the tap itself.
 */
export function networkdMacFor(host: Host, current: Interface | null): NetworkdFinding {
  if (current === null) return { setting: null, notes: [] };
  const tap = current.kind === 'tun' ? current : futureTap(current);
  // networkFiles already leaves out files whose [Match] is empty, as networkd does.
  const file = firstNetworkFor(host, networkFiles(host), tap);
  if (!file) return { setting: null, notes: [] };
  const mac = parseUnitFile(file.path, file.text).assignments.filter((a) => a.section === 'Link' && a.key === 'MACAddress' && a.value.trim() !== '').at(-1);
  const notes = [`systemd-networkd gives ${tap.name} ${file.path}${mac ? `, which sets [Link] MACAddress=${mac.value.trim()}` : ''}`];
  return { setting: mac ? { file: file.path, line: mac.line, mac: mac.value.trim().toLowerCase() } : null, notes };
}

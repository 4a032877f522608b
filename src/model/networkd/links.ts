/**
 * Which `.network` file systemd-networkd gives each link. networkd tries
 * the files in lexical order and takes the first whose [Match] holds (net_match_config(), the same
 * function udevd uses for `.link` files, with Name= in the place of OriginalName=); a link no file
 * takes, or whose file says Unmanaged=yes, is left alone. Which links are a CNI's: src/model/cni-devices.ts.
 */
import type { Host } from '../host.js';
import type { Interface } from '../../snapshot/schema.js';
import { linkDeviceFromInterface, type LinkDevice } from '../link/device.js';
import { firstMismatch } from '../link/explain.js';
import type { LoadedNetworkConfig, NetworkdConfig } from './load.js';

export interface LinkNetwork {
  iface: Interface;
  /** The file networkd gives the link; null when none matches. */
  network: LoadedNetworkConfig | null;
  /** networkd configures the link: a file matches and does not say Unmanaged=yes. */
  managed: boolean;
  /** Files tried before the one that took the link, with why each did not. */
  tried: { path: string; why: string }[];
}

/** Why a `.network` does not take the device, in net_match_config()'s order; null when it does. */
export function networkMismatch(config: LoadedNetworkConfig, device: LinkDevice): string | null {
  if (config.wireless.length && device.devtype !== 'wlan') return `${config.wireless[0]!.value.split('=')[0]}= (only a wireless link matches)`;
  const why = firstMismatch({ ...config.match, originalName: config.name }, device);
  return why === null ? null : why.replace(/^OriginalName=/, 'Name=');
}

export function networkForLink(host: Host, cfg: NetworkdConfig, iface: Interface): LinkNetwork {
  const device = linkDeviceFromInterface(host, iface);
  const tried: { path: string; why: string }[] = [];
  for (const network of cfg.networks) {
    const why = networkMismatch(network, device);
    if (why === null) return { iface, network, managed: network.settings.unmanaged?.value !== true, tried };
    tried.push({ path: network.path, why });
  }
  return { iface, network: null, managed: false, tried };
}

/** The [Match] lines that made a file take a link (for evidence): the keys it sets. */
export function matchLines(network: LoadedNetworkConfig): { key: string; file: string; line: number }[] {
  const lines = Object.entries(network.matchSources).map(([key, s]) => ({ key, file: s.file, line: s.line }));
  for (const c of network.conditions) if (!lines.some((l) => l.key === c.key)) lines.push({ key: c.key, file: c.file, line: c.line });
  return lines.sort((a, b) => a.line - b.line);
}

/**
 * What systemd says of the daemons that reconfigure the network behind a CNI's back (NetworkManager,
 * firewalld, nm-cloud-setup): whether each runs (`systemctl is-active`, recorded by collect on the live
 * host) and whether it is enabled or masked (the unit symlinks under /etc/systemd/system, read by
 * collect on any root). Unknown stays unknown.
 */
import { IS_ACTIVE_ARGV, WATCHED_UNITS } from '../snapshot/daemons.js';
import type { FileRecord } from '../snapshot/schema.js';
import type { Host } from './host.js';

export type WatchedUnit = (typeof WATCHED_UNITS)[number];

/** The wants/ directories a unit's [Install] section links it into, as collect reads them. */
export const WANTS_DIRS: Readonly<Record<WatchedUnit, string>> = {
  'NetworkManager.service': '/etc/systemd/system/multi-user.target.wants',
  'firewalld.service': '/etc/systemd/system/multi-user.target.wants',
  'nm-cloud-setup.service': '/etc/systemd/system/NetworkManager.service.wants',
  'nm-cloud-setup.timer': '/etc/systemd/system/timers.target.wants',
};

export type ActiveState = 'active' | 'inactive' | 'failed' | 'activating' | 'unknown';

/** `systemctl is-active` of the live host, or 'unknown' when it was not recorded. */
export function activeState(host: Host, unit: WatchedUnit): { state: ActiveState; source: string | null } {
  const rec = host.snapshot.commands.find((c) => c.argv.join(' ') === IS_ACTIVE_ARGV.join(' '));
  if (!rec) return { state: 'unknown', source: null };
  const line = rec.stdout.split('\n')[WATCHED_UNITS.indexOf(unit)]?.trim() ?? '';
  const state: ActiveState = line === 'active' || line === 'inactive' || line === 'failed' || line === 'activating' ? line : 'unknown';
  return { state, source: IS_ACTIVE_ARGV.join(' ') };
}

/** A unit file in /etc/systemd/system that masks the unit (a link to /dev/null or an empty file). */
export function maskOf(host: Host, unit: WatchedUnit): FileRecord | null {
  const f = host.file(`/etc/systemd/system/${unit}`);
  return f && (f.mask !== null || f.content === '') ? f : null;
}

/** The wants/ link that enables the unit at boot, when collected. */
export function enablingLink(host: Host, unit: WatchedUnit): FileRecord | null {
  return host.file(`${WANTS_DIRS[unit]}/${unit}`) ?? null;
}

/** Running or enabled, and not masked: the unit's evidence, or null when it is off or unknown. */
export function unitOn(host: Host, unit: WatchedUnit): { message: string; file?: string } | null {
  if (maskOf(host, unit)) return null;
  const active = activeState(host, unit);
  if (active.state === 'active' || active.state === 'activating') return { message: `${unit} is ${active.state} (${active.source})` };
  const link = enablingLink(host, unit);
  if (active.state === 'unknown' && link) return { message: `${unit} is enabled (${link.path})`, file: link.path };
  return null;
}

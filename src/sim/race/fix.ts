/**
 * The host with hostnet's fix for the race in place: the files of `raceFix` (the fix the
 * link/mac-policy-race finding proposes) added to the snapshot, as the check engine does when it
 * verifies a fix. Exploring that host is the proof that no ordering loses once the fix is installed.
 */
import { buildHost, type Host } from '../../model/host.js';
import { loadLinkConfigs } from '../../model/link/index.js';
import { applyFix } from '../../rules/apply.js';
import { racedDevices } from '../../rules/link/owned-devices.js';
import { raceFix } from '../../rules/link/race-fix.js';
import type { Fix } from '../../rules/types.js';

export interface FixedHost {
  host: Host;
  /** The fix applied; null when udevd rewrites none of the raced taps, so nothing needs fixing. */
  fix: Fix | null;
}

export function withRaceFix(host: Host, raced: readonly string[]): FixedHost | { error: string } {
  const set = loadLinkConfigs(host);
  // The same devices the link/mac-policy-race rule reports, so the fix proved here is the one it shows.
  const targets = racedDevices(host, set).filter((t) => raced.includes(t.owned.name));
  if (targets.length === 0) return { host, fix: null };
  const fix = raceFix(host, set, targets);
  if (!fix) return { error: `hostnet has no fix for ${targets.map((t) => t.owned.name).join(', ')} (no driver to match the new device on)` };
  return { host: buildHost(applyFix(host.snapshot, fix)), fix };
}

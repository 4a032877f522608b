/**
 * NetworkManager's form of the CNI device exclusions: `interface-name:GLOB` for every device of each
 * project (the table itself is src/model/cni-devices.ts).
 */
import type { CniProject } from '../cni-devices.js';

export function familySpecs(projects: readonly CniProject[]): string[] {
  return projects.flatMap((p) => p.devices.map((d) => `interface-name:${d.glob}`));
}

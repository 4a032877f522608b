/**
 * VPP's own view, when this host runs VPP: the vppctl outputs the Calico/VPP checks compare with the
 * Linux side, recorded raw in the snapshot's `commands` section. Nothing is recorded, and no gap is
 * reported, when vppctl is not installed: most hosts do not run VPP. A vppctl that is installed but
 * cannot reach VPP (not running, no permission on the CLI socket) is a gap.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { CommandRecord, Gap } from '../snapshot/schema.js';
import { run } from './exec.js';

/** The commands, in the argv form `calicoVppInputs` looks them up by. */
export const VPPCTL_COMMANDS: readonly string[][] = [
  ['vppctl', 'show', 'interface', 'address'],
  ['vppctl', 'show', 'hardware-interfaces'],
  ['vppctl', 'show', 'ip', 'punt', 'redirect'],
  ['vppctl', 'show', 'ip6', 'punt', 'redirect'],
  ['vppctl', 'show', 'ip', 'fib'],
  ['vppctl', 'show', 'ip6', 'fib'],
  ['vppctl', 'show', 'errors'],
  ['vppctl', 'show', 'runtime'],
];

export interface VppCollection {
  commands: CommandRecord[];
  gaps: Gap[];
}

export async function collectVpp(): Promise<VppCollection> {
  const out: VppCollection = { commands: [], gaps: [] };
  // Six processes that would each fail to start cost more than one look along PATH.
  if (!onPath('vppctl')) return out;
  const results = await Promise.all(VPPCTL_COMMANDS.map((argv) => run([...argv], 15_000).then((r) => ({ argv, r }))));
  for (const { argv, r } of results) {
    if (r.ok) out.commands.push({ argv: [...argv], exitCode: r.exitCode, stdout: r.stdout });
    else if (r.gap.reason === 'missing-tool') return { commands: [], gaps: [] };
    else out.gaps.push(r.gap);
  }
  return out;
}

/** Whether an executable of this name is on PATH, as execFile would find it. */
function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir || '.', name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

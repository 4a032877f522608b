/**
 * The packet-filter ruleset of the collected namespace: `nft -j list ruleset`, recorded raw in the
 * snapshot's `commands`. It shows iptables-nft rules too (Docker, libvirt and kube-proxy write those).
 * A missing nft or a refused read is a gap: analysis then says the ruleset is unknown.
 */
import type { CommandRecord, Gap } from '../snapshot/schema.js';
import { NFT_RULESET_ARGV } from '../snapshot/commands.js';
import { run } from './exec.js';

export async function collectNftRuleset(): Promise<{ commands: CommandRecord[]; gaps: Gap[] }> {
  const r = await run([...NFT_RULESET_ARGV], 30_000);
  if (!r.ok) return { commands: [], gaps: [r.gap] };
  return { commands: [{ argv: [...NFT_RULESET_ARGV], exitCode: r.exitCode, stdout: r.stdout }], gaps: [] };
}

/**
 * The packet-filter ruleset of the collected namespace: `nft -j list ruleset`, recorded raw in the
 * snapshot's `commands`. It shows iptables-nft rules too (Docker, libvirt and kube-proxy write those).
 * A missing nft or a refused read is a gap: analysis then says the ruleset is unknown.
 */
import type { CommandRecord, Gap } from '../snapshot/schema.js';
import { run } from './exec.js';

/** The command, in the argv form the netfilter model looks it up by. */
export const NFT_RULESET_ARGV: readonly string[] = ['nft', '-j', 'list', 'ruleset'];

export async function collectNftRuleset(): Promise<{ commands: CommandRecord[]; gaps: Gap[] }> {
  const r = await run([...NFT_RULESET_ARGV], 30_000);
  if (!r.ok) return { commands: [], gaps: [r.gap] };
  return { commands: [{ argv: [...NFT_RULESET_ARGV], exitCode: r.exitCode, stdout: r.stdout }], gaps: [] };
}

/**
 * The packet-filter ruleset of the collected namespace: `nft -j list ruleset`, recorded raw in the
 * snapshot's `commands`. It shows iptables-nft rules too (Docker, libvirt and kube-proxy write those).
 * Rules written through iptables-legacy live in x_tables, which nft does not show: where the
 * namespace has legacy tables (the kernel lists them in /proc/net/ip_tables_names and
 * ip6_tables_names), `iptables-legacy-save` and `ip6tables-legacy-save` are recorded as well.
 * A missing tool or a refused read is a gap: analysis then says the ruleset is unknown.
 */
import { readFileSync } from 'node:fs';
import type { CommandRecord, Gap } from '../snapshot/schema.js';
import { IP6TABLES_LEGACY_ARGV, IPTABLES_LEGACY_ARGV, NFT_RULESET_ARGV } from '../snapshot/commands.js';
import { run } from './exec.js';

export interface RulesetCollection {
  commands: CommandRecord[];
  gaps: Gap[];
}

export async function collectNftRuleset(procNet = '/proc/net'): Promise<RulesetCollection> {
  const out: RulesetCollection = { commands: [], gaps: [] };
  const wanted: (readonly string[])[] = [NFT_RULESET_ARGV];
  const legacy: [readonly string[], string][] = [[IPTABLES_LEGACY_ARGV, 'ip_tables_names'], [IP6TABLES_LEGACY_ARGV, 'ip6_tables_names']];
  for (const [argv, names] of legacy) if (legacyTables(`${procNet}/${names}`).length) wanted.push(argv);
  const results = await Promise.all(wanted.map((argv) => run([...argv], 30_000)));
  results.forEach((r, i) => {
    const argv = wanted[i]!;
    if (r.ok) out.commands.push({ argv: [...argv], exitCode: r.exitCode, stdout: r.stdout });
    else out.gaps.push(argv === NFT_RULESET_ARGV ? r.gap : { ...r.gap, detail: `legacy iptables tables exist in this namespace, and ${r.gap.detail}` });
  });
  return out;
}

/** The legacy tables the kernel has instantiated in this namespace; none when the file is absent. */
function legacyTables(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
  } catch {
    return [];
  }
}

/** `hostnet race` output: a text report with the losing timeline, and the same facts as JSON. */
import type { Outcome } from './explore.js';
import type { RaceReport, TapRace } from './index.js';

/** `part` of `whole` as a percentage with two decimals, computed exactly. */
export function percent(part: bigint, whole: bigint): string {
  if (whole === 0n) return '0.00%';
  const hundredths = (part * 10000n * 2n + whole) / (whole * 2n); // rounded half up
  return `${hundredths / 100n}.${String(hundredths % 100n).padStart(2, '0')}%`;
}

/** The share as a JavaScript number (for JSON consumers that want one). */
export function share(part: bigint, whole: bigint): number {
  if (whole === 0n) return 0;
  return Number((part * 1_000_000_000n) / whole) / 1e9;
}

const ORIGIN: Record<string, string> = {
  'kernel-random': "the kernel's random MAC",
  vpp: 'set by VPP',
  'udevd-persistent': 'persistent MAC written by udevd',
  'udevd-random': 'random MAC written by udevd',
  'udevd-static': 'static MAC written by udevd',
  networkd: 'written by systemd-networkd',
};

const LABEL: Record<Outcome, string> = { won: 'won', lost: 'LOST', unknown: 'unknown' };

function tapText(t: TapRace): string[] {
  const lines: string[] = [];
  const workers = `${t.workers} VPP worker${t.workers === 1 ? '' : 's'}${t.workersSource ? ` (${t.workersSource})` : ''}`;
  lines.push(`${t.name}: ${t.owner} tap replacing uplink ${t.name}; VPP holds ${t.uplinkMac ?? 'an unknown MAC'} for it; ${workers}`);
  lines.push(`  udevd applies ${t.linkFile ?? 'no .link file'} to the new tap; actors: ${t.actors.join(', ')}; ${t.steps} steps`);
  lines.push(`  ${t.orderings} orderings in ${t.traces} trace${t.traces === 1 ? '' : 's'} (${t.statesVisited} states visited)`);
  for (const f of [...t.finalStates].sort((a, b) => (a.orderings > b.orderings ? -1 : a.orderings < b.orderings ? 1 : 0))) {
    const mac = f.mac ?? '(value unknown)';
    lines.push(`    ${LABEL[f.outcome].padEnd(7)} ${mac} (${ORIGIN[f.origin] ?? f.origin}, addr_assign_type=${f.addrAssignType ?? '?'}): ${f.orderings} orderings (${percent(f.orderings, t.orderings)})`);
  }
  if (t.counterexample) {
    lines.push('  shortest losing trace:');
    for (const s of t.counterexample) lines.push(`    t${s.t} ${s.text}`);
    const lost = t.finalStates.find((f) => f.outcome === 'lost');
    lines.push(`    → LOST: tap MAC ${lost?.mac ?? '(generated)'} ≠ uplink MAC in VPP ${t.uplinkMac ?? '(unknown)'}`);
  }
  for (const n of t.notes) lines.push(`  note: ${n}`);
  return lines;
}

export function renderRaceText(report: RaceReport, context: { source: string; withFix: boolean; fixFiles?: string[] }): string {
  const lines: string[] = [];
  lines.push(`hostnet race: ${context.source}${context.withFix ? ', with hostnet\'s fix applied' : ''}`);
  for (const f of context.fixFiles ?? []) lines.push(`  fix file: ${f}`);
  if (context.withFix && (context.fixFiles ?? []).length === 0) lines.push('  hostnet proposes no fix here: link/mac-policy-race reports none of these taps');
  lines.push('');
  for (const t of report.taps) lines.push(...tapText(t), '');
  lines.push(`Whole bring-up: ${report.orderings} orderings (${report.wholeTraces} traces; ${report.tracesExplored} explored, ${report.statesVisited} states)`);
  lines.push(`  losing: ${report.losing} (${percent(report.losing, report.orderings)})${report.unknown > 0n ? `; unknown: ${report.unknown} (${percent(report.unknown, report.orderings)})` : ''}`);
  for (const n of report.notes) lines.push(`  note: ${n}`);
  if (report.losing > 0n) {
    lines.push('', context.withFix
      ? 'Some orderings still lose with the fix applied.'
      : 'Some orderings lose: the tap can come up with a MAC VPP does not expect. `npx hostnet race --with-fix` explores the host with hostnet\'s fix.');
  } else if (report.unknown > 0n) {
    lines.push('', 'No ordering is known to lose, but some outcomes cannot be decided from this snapshot (see the notes).');
  } else {
    lines.push('', context.withFix ? 'No ordering loses with the fix applied.' : 'No ordering loses.');
  }
  return `${lines.join('\n')}\n`;
}

export function raceJson(report: RaceReport, context: { source: string; withFix: boolean; fixFiles?: string[] }): unknown {
  const counts = (r: Record<Outcome, bigint>) => ({ won: String(r.won), lost: String(r.lost), unknown: String(r.unknown) });
  return {
    source: context.source,
    withFix: context.withFix,
    fixFiles: context.fixFiles ?? [],
    reduction: report.reduction,
    orderings: String(report.orderings),
    losing: String(report.losing),
    unknown: String(report.unknown),
    losingShare: share(report.losing, report.orderings),
    traces: String(report.wholeTraces),
    tracesExplored: report.tracesExplored,
    statesVisited: report.statesVisited,
    taps: report.taps.map((t) => ({
      name: t.name,
      owner: t.owner,
      uplinkMac: t.uplinkMac,
      workers: t.workers,
      workersSource: t.workersSource,
      linkFile: t.linkFile,
      steps: t.steps,
      actors: t.actors,
      orderings: String(t.orderings),
      traces: t.traces,
      statesVisited: t.statesVisited,
      byOutcome: counts(t.byOutcome),
      losingShare: share(t.byOutcome.lost, t.orderings),
      finalStates: t.finalStates.map((f) => ({ ...f, orderings: String(f.orderings) })),
      counterexample: t.counterexample,
      notes: t.notes,
    })),
    notes: report.notes,
  };
}

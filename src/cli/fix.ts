/**
 * `hostnet fix`: show, write or apply the verified fixes of the findings on a host, and undo.
 * Only fixes the engine verified (the finding is gone with them in place) are ever written.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Command, Option } from 'commander';
import { createTwoFilesPatch } from 'diff';
import { ExitCode, InputError } from '../errors.js';
import { applyFiles, undoLast, withMarker } from '../fix/apply.js';
import { renderMachineConfig } from '../fix/machineconfig.js';
import { buildHost } from '../model/host.js';
import { runChecks } from '../rules/engine.js';
import { ALL_RULES } from '../rules/index.js';
import type { Finding, Fix, FixFile } from '../rules/types.js';
import { addHostInputOptions, loadHostInput, type HostInputOptions } from './input.js';
import { emit } from './output.js';

interface FixOpts extends HostInputOptions {
  rule?: string[];
  out?: string;
  apply?: boolean;
  undo?: boolean;
  force?: boolean;
  format: 'text' | 'json' | 'machineconfig';
  role: string;
  output?: string;
}

interface Planned {
  finding: Finding;
  fix: Fix;
  files: FixFile[];
}

export function fixCommand(): Command {
  const cmd = new Command('fix').description('Show, write or apply the verified fixes for the findings on a host; undo them');
  addHostInputOptions(cmd)
    .option('--rule <id...>', 'only fixes for these rule ids')
    .option('--out <dir>', 'write the fix files below this directory (mirroring their paths) instead of showing them')
    .option('--apply', 'write the fix files into the host (below --root, default /): atomically, with an undo journal')
    .option('--undo', 'restore what the last --apply changed, exactly')
    .option('--force', 'with --undo: restore even files changed since hostnet wrote them')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'machineconfig']).default('text'))
    .option('--role <role>', 'with --format machineconfig: the MachineConfigPool role', 'worker')
    .option('-o, --output <file>', 'write the output here instead of stdout')
    .addHelpText('after', `
Only fixes the engine verified are offered: with the fix's files in place, the finding is gone.
--apply never overwrites a file hostnet did not write; every file it writes starts with a marker line.

Examples:
  hostnet fix --snapshot node1.json                     # show the files and a diff
  hostnet fix --snapshot node1.json --out ./fixes       # write them below ./fixes
  sudo hostnet fix --apply                              # write them into /etc/systemd/network
  sudo hostnet fix --undo                               # and take them back
  hostnet fix --snapshot node1.json --format machineconfig --role worker > 99-worker-hostnet.yaml`)
    .action(async (opts: FixOpts) => {
      const root = opts.root ?? '/';
      if (opts.undo) {
        const r = undoLast({ root, force: opts.force });
        emit(`undid the fix applied at ${r.transaction.time}: ${[...r.restored.map((p) => `restored ${p}`), ...r.removed.map((p) => `removed ${p}`)].join(', ')}\n`, opts.output);
        reloadUdev(root);
        return;
      }
      const { snapshot, source } = await loadHostInput(opts);
      const report = runChecks(buildHost(snapshot), ALL_RULES.filter((r) => !opts.rule || opts.rule.includes(r.meta.id)));
      const planned = plan(report.findings);
      const files = dedupe(planned.flatMap((p) => p.files), planned);
      const unverified = report.findings.filter((f) => f.fixes.length > 0 && !f.fixes.some((x) => x.verified));

      if (opts.format === 'machineconfig') {
        if (files.length === 0) throw new InputError(`no verified fix writes files for ${source}: nothing to put in a MachineConfig`);
        emit(renderMachineConfig(files, { role: opts.role, name: 'hostnet-fixes' }), opts.output);
        return;
      }
      if (opts.format === 'json') {
        emit(`${JSON.stringify({ source, fixes: planned.map((p) => ({ ruleId: p.finding.ruleId, interface: p.finding.interface ?? null, title: p.fix.title, files: p.files.map((f) => f.path), changes: p.fix.changes ?? [], commands: p.fix.commands })), files }, null, 2)}\n`, opts.output);
      } else {
        emit(renderPlan(planned, files, unverified, source, root), opts.output);
      }
      if (opts.out) {
        for (const f of files) {
          const target = join(opts.out, f.path);
          mkdirSync(dirname(target), { recursive: true });
          writeFileSync(target, f.content);
        }
        process.stderr.write(`hostnet: wrote ${files.length} file(s) below ${opts.out}\n`);
      }
      if (opts.apply) {
        if (files.length === 0) {
          process.stderr.write('hostnet: no verified fix writes files; nothing applied\n');
        } else {
          const tx = applyFiles(files, { root });
          process.stderr.write(`hostnet: applied ${files.length} file(s) below ${root} (undo with: hostnet fix --undo${root !== '/' ? ` --root ${root}` : ''}; journal ${tx.id})\n`);
          reloadUdev(root);
          const commands = [...new Set(planned.flatMap((p) => p.fix.commands))];
          if (commands.length) process.stderr.write(`hostnet: to make it take effect:\n${commands.map((c) => `  ${c}`).join('\n')}\n`);
        }
      }
      process.exitCode = unverified.length > 0 ? ExitCode.findings : ExitCode.ok;
    });
  return cmd;
}

/** The first verified fix of each finding. */
function plan(findings: Finding[]): Planned[] {
  const out: Planned[] = [];
  for (const finding of findings) {
    const fix = finding.fixes.find((x) => x.verified);
    if (fix) out.push({ finding, fix, files: fix.files });
  }
  return out;
}

/** Each file once, marked as hostnet's and naming every finding it fixes (two findings may share one). */
function dedupe(files: FixFile[], planned: Planned[] = []): FixFile[] {
  const byPath = new Map<string, FixFile>();
  for (const f of files) if (!byPath.has(f.path)) byPath.set(f.path, f);
  return [...byPath.values()].map((f) => withMarker(f, `fix for ${fixedBy(f.path, planned).join(', ')}`));
}

function fixedBy(path: string, planned: Planned[]): string[] {
  return [...new Set(planned.filter((p) => p.files.some((f) => f.path === path)).map((p) => `${p.finding.ruleId}${p.finding.interface ? ` on ${p.finding.interface}` : ''}`))];
}

function renderPlan(planned: Planned[], files: FixFile[], unverified: Finding[], source: string, root: string): string {
  const lines: string[] = [`hostnet fix: ${source}`];
  if (planned.length === 0) lines.push('', 'No verified fix to offer.');
  for (const p of planned) {
    lines.push('', `${p.finding.ruleId}${p.finding.interface ? ` [${p.finding.interface}]` : ''}: ${p.fix.title}`, '  verified:', ...(p.fix.verification?.checks ?? []).map((c) => `    - ${c.detail}`));
    for (const c of p.fix.changes ?? []) lines.push(`  changes ${c.interface}: ${JSON.stringify(c.set)}`);
  }
  for (const f of files) {
    let before = '';
    try {
      before = readFileSync(join(root, f.path), 'utf8');
    } catch {
      // a new file: the diff shows all of it as added
    }
    lines.push('', createTwoFilesPatch(before ? f.path : '/dev/null', f.path, before, f.content, '', '', { context: 3 }).replace(/^=+\n/, '').trimEnd());
  }
  const commands = [...new Set(planned.flatMap((p) => p.fix.commands))];
  if (commands.length) lines.push('', 'then:', ...commands.map((c) => `  ${c}`));
  for (const f of unverified) lines.push('', `${f.ruleId}${f.interface ? ` [${f.interface}]` : ''}: no fix could be verified; see the finding's advice (hostnet check)`);
  return `${lines.join('\n')}\n`;
}

/** udevd caches .link files: tell it to reload, where this is the live host and udevadm exists. */
function reloadUdev(root: string): void {
  if (root !== '/') return;
  const r = spawnSync('udevadm', ['control', '--reload'], { stdio: 'ignore' });
  if (r.error) process.stderr.write('hostnet: udevadm not found; restart systemd-udevd to make it read the new files\n');
  else if (r.status !== 0) process.stderr.write('hostnet: udevadm control --reload failed; restart systemd-udevd to make it read the new files\n');
}

/**
 * `hostnet link`: the systemd `.link` engine on the command line.
 *   explain  which .link file udevd applies to an interface and what it does to its MAC and name
 *   lint     problems in .link/.network trees, ShellCheck-style
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { ExitCode, InputError } from '../errors.js';
import { buildHost } from '../model/host.js';
import {
  DEFAULT_SYSTEMD_VERSION, DeviceSpecError, explainLink, linkDeviceFromInterface, linkDeviceFromSpec, loadLinkConfigs,
  type LinkConfigSet, type LinkExplanation, type LinkPass,
} from '../model/link/index.js';
import { lintNetworkFiles, type LintFile } from '../model/link/lint.js';
import type { UnitDiagnostic } from '../sources/unitfile.js';
import { addHostInputOptions, loadHostInput, type HostInputOptions } from './input.js';
import { emit } from './output.js';
import { addSystemdVersionOption, withSystemdVersion, type SystemdVersionOption } from './systemd-version.js';

interface ExplainOpts extends HostInputOptions, SystemdVersionOption {
  iface?: string[];
  format: 'text' | 'json';
  output?: string;
}

export function linkCommand(): Command {
  const cmd = new Command('link').description('Predict what systemd-udevd does to interfaces: .link file, MAC address, name');
  cmd.addCommand(explainCommand());
  cmd.addCommand(lintCommand());
  cmd.addHelpText('after', `
Examples:
  hostnet link explain ens2f0                     # this host
  sudo hostnet link explain --netns lab1 --format json
  hostnet link explain --iface name=ens2f0,driver=tun,kind=tun,addrAssignType=random
  hostnet link lint deploy/systemd/network`);
  return cmd;
}

function explainCommand(): Command {
  const cmd = new Command('explain')
    .description('Which .link file udevd applies to each interface, and what happens to its MAC, name and MTU')
    .argument('[ifname...]', 'interfaces to explain (default: all)');
  addSystemdVersionOption(addHostInputOptions(cmd))
    .option('--iface <spec...>', 'explain an interface that does not exist yet: name=N,driver=D,kind=K,type=ether,addrAssignType=random|perm|set|stolen,mac=M,ID_NET_NAME_PATH=...')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-o, --output <file>', 'write the result here instead of stdout')
    .addHelpText('after', `
JSON: one object when exactly one interface is explained, else an array. Each has ifname, linkFile,
dropins, macAddressPolicy (+ macAddressPolicySource file:line), macAction (keep|static|persistent|random),
currentMac, resultMac (null when random or not computable), reason (udevd's words), stableName, name,
mtu, trace (each file tried and why it did not match), evidence, notes.

Exit codes: 0 explained, 2 could not evaluate (unknown interface, bad --iface, unreadable snapshot).

Examples:
  hostnet link explain eth0
  hostnet link explain --snapshot node1.json --format json
  sudo hostnet link explain --netns lab1
  hostnet link explain --iface name=ens2f0,driver=tun,kind=tun,addrAssignType=random
  hostnet link explain --snapshot node1.json --systemd-version 247   # as Debian 11's udevd would`)
    .action(async (names: string[], opts: ExplainOpts) => {
      const loaded = await loadHostInput(opts);
      const { source } = loaded;
      const snapshot = withSystemdVersion(loaded.snapshot, opts);
      const host = buildHost(snapshot);
      const set = loadLinkConfigs(host);
      const explanations: LinkExplanation[] = [];
      for (const spec of opts.iface ?? []) {
        let device;
        try {
          device = linkDeviceFromSpec(spec);
        } catch (err) {
          if (err instanceof DeviceSpecError) throw new InputError(`--iface ${JSON.stringify(spec)}: ${err.message}`);
          throw err;
        }
        explanations.push(explainLink(set, device, snapshot.host, { trace: true }));
      }
      const wanted = names.length > 0 ? names : opts.iface?.length ? [] : host.interfaces.map((i) => i.name);
      for (const name of wanted) {
        const iface = host.interface(name);
        if (!iface) {
          throw new InputError(`no interface ${JSON.stringify(name)} in ${source}`, undefined,
            `interfaces there: ${host.interfaces.map((i) => i.name).join(', ') || '(none)'}; for one that does not exist yet use --iface name=${name},...`);
        }
        explanations.push(explainLink(set, linkDeviceFromInterface(host, iface), snapshot.host, { trace: true }));
      }
      const text = opts.format === 'json'
        ? `${JSON.stringify(explanations.length === 1 ? explanations[0] : explanations, null, 2)}\n`
        : renderExplanations(explanations, set, source);
      emit(text, opts.output);
      process.exitCode = ExitCode.ok;
    });
  return cmd;
}

function renderExplanations(list: LinkExplanation[], set: LinkConfigSet, source: string): string {
  const lines: string[] = [`.link files of ${source} as systemd ${set.systemdVersion}${set.versionAssumed ? ' (assumed: the snapshot does not say)' : ''} reads them:`];
  for (const c of set.configs) lines.push(`  ${c.path}${c.dropins.length ? ` + ${c.dropins.join(', ')}` : ''}`);
  for (const s of set.skipped) lines.push(`  (skipped) ${s.message}`);
  if (set.configs.length === 0 && set.skipped.length === 0) lines.push('  (none)');
  if (set.versionNote) lines.push(`  note: ${set.versionNote}`);
  for (const e of list) {
    lines.push('', `${e.ifname}:`);
    for (const pass of e.passes) {
      if (e.passes.length > 1) lines.push(`  on the ${pass.action} uevent (as ${pass.ifname}):`);
      renderPass(lines, pass, e.passes.length > 1 ? '    ' : '  ');
    }
    if (e.passes.length > 1) {
      lines.push(`  final:    ${e.name.result}, MAC ${e.resultMac ?? (e.macAction === 'random' ? '(random)' : '(not computable)')}${e.mtu.result !== null ? `, MTU ${e.mtu.result}` : ''}`);
    }
    for (const n of e.notes) lines.push(`  note: ${n}`);
  }
  return `${lines.join('\n')}\n`;
}

function renderPass(lines: string[], e: LinkPass, indent: string): void {
  if (e.linkFile === null) {
    lines.push(`${indent}no .link file applies: ${e.reason}`);
    return;
  }
  lines.push(`${indent}applied:  ${e.linkFile}${e.dropins.length ? ` (drop-ins: ${e.dropins.join(', ')})` : ''}`);
  for (const t of e.trace.filter((x) => !x.matched)) lines.push(`${indent}  not ${t.path}: ${t.why}`);
  const src = e.macAddressPolicySource ? ` (${e.macAddressPolicySource.file}:${e.macAddressPolicySource.line})` : ' (default)';
  lines.push(`${indent}MACAddressPolicy=${e.macAddressPolicy}${src}`);
  lines.push(`${indent}MAC:      ${e.macAction.toUpperCase()}  ${e.currentMac ?? '(unknown)'} -> ${e.resultMac ?? (e.macAction === 'random' ? '(random)' : '(not computable)')}`);
  lines.push(`${indent}          ${e.reason}`);
  lines.push(`${indent}name:     ${e.name.renamed ? `${e.ifname} -> ${e.name.result}` : e.name.result}  (${e.name.reason})`);
  if (e.mtu.result !== null && e.mtu.source) lines.push(`${indent}MTU:      ${e.mtu.result}  (${e.mtu.source.file}:${e.mtu.source.line})`);
}

interface LintOpts {
  format: 'text' | 'json';
  output?: string;
  systemdVersion: string;
}

const LINTED = /\.(link|network)$|\.(link|network)\.d\/[^/]+\.conf$/;

/** Files below the given paths that lint reads; a path that cannot be read is an InputError. */
function collectLintFiles(paths: string[]): LintFile[] {
  const out: LintFile[] = [];
  const visit = (path: string, top: boolean): void => {
    let st;
    try {
      st = statSync(path);
    } catch (err) {
      if (top) throw new InputError(`cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, path);
      return; // a dangling symlink inside a tree: a mask, nothing to lint
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(path).sort()) {
        if (name === 'node_modules' || name === '.git') continue;
        visit(join(path, name), false);
      }
      return;
    }
    if (!top && !LINTED.test(path)) return;
    try {
      out.push({ path, text: readFileSync(path, 'utf8') });
    } catch (err) {
      throw new InputError(`cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, path);
    }
  };
  for (const p of paths) visit(p, true);
  return out;
}

function lintCommand(): Command {
  return new Command('lint')
    .description('Check .link and .network files (files or directory trees): unknown keys, invalid values, files that never apply')
    .argument('[path...]', 'files or directories (default: the current directory)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--systemd-version <n>', 'judge as this systemd version does (keys and behaviour differ)', String(DEFAULT_SYSTEMD_VERSION))
    .option('-o, --output <file>', 'write the result here instead of stdout')
    .addHelpText('after', `
Output (text): FILE:LINE: SEVERITY: MESSAGE [ID], one per line, like ShellCheck's gcc format.
Ids: unknown-key, unknown-section, invalid-value, invalid-section-header, missing-equals, outside-section,
empty-match, never-matches, shadowed, link-key-in-network, mac-ignored.

Exit codes: 0 nothing found, 1 warnings or errors found, 2 could not read the input.

Examples:
  hostnet link lint /etc/systemd/network
  hostnet link lint deploy/ --format json
  hostnet link lint --systemd-version 249 ubuntu-22.04/systemd/network`)
    .action((paths: string[], opts: LintOpts) => {
      const version = Number(opts.systemdVersion);
      if (!Number.isInteger(version) || version < 200) throw new InputError(`--systemd-version ${opts.systemdVersion}: expected a major version such as 252`);
      const files = collectLintFiles(paths.length ? paths : ['.']);
      const diags: UnitDiagnostic[] = lintNetworkFiles(files, version);
      const text = opts.format === 'json'
        ? `${JSON.stringify({ files: files.length, diagnostics: diags }, null, 2)}\n`
        : diags.map((d) => `${d.file}:${d.line}: ${d.severity}: ${d.message} [${d.id}]\n`).join('');
      emit(text, opts.output);
      process.exitCode = diags.some((d) => d.severity !== 'note') ? ExitCode.findings : ExitCode.ok;
    });
}

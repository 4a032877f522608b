/**
 * Every command a reader can copy runs as pasted: the ```console and ```sh blocks of README.md, docs/
 * and examples/, and the Examples of every --help. They run with `sh -c` in a clone-like copy of the
 * checkout (the files git knows and the built bundle, no node_modules), and each must exit as the
 * documentation implies: 0 or 1 (evaluated), or the code a trailing `# exit N` comment names. Output
 * lines a console block shows must appear, in order, in what the command prints. Commands that need
 * a cluster, run forever or change this host are skipped with the reason; `sudo` ones need root.
 */
import { describe, test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandsInHelp, commandsInMarkdown, examplesInHelp, missingOutput, sourceOf, type ShownCommand } from '../helpers/doc-commands.js';
import { inCI, isRoot } from '../helpers/system.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function markdownFiles(): string[] {
  const walk = (dir: string): string[] => readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = `${dir}/${name}`;
    if (statSync(join(ROOT, path)).isDirectory()) return walk(path);
    return name.endsWith('.md') ? [path] : [];
  });
  return ['README.md', ...walk('docs'), ...walk('examples').filter((f) => f.endsWith('/README.md'))];
}

/** The commands of every --help, found by walking `Commands:` from the top-level help down. */
function helpCommands(): ShownCommand[] {
  const bundle = join(ROOT, 'dist/hostnet.js');
  const help = (words: string[]): string => spawnSync(process.execPath, [bundle, ...words, '--help'], { encoding: 'utf8' }).stdout;
  const sources = readdirSync(join(ROOT, 'src/cli')).map((f) => `src/cli/${f}`);
  const found: ShownCommand[] = [];
  const visit = (words: string[]): void => {
    const text = help(words);
    for (const command of examplesInHelp(text)) {
      const where = `npx hostnet ${[...words, ''].join(' ')}--help (${sourceOf(command, sources.map((s) => join(ROOT, s))).replace(ROOT, '')})`;
      found.push({ where, command, output: [] });
    }
    if (words.length < 2) for (const sub of commandsInHelp(text)) visit([...words, sub]);
  };
  visit([]);
  return found;
}

/** Why a shown command is not run here, or null to run it. */
function reasonToSkip(command: string): string | null {
  if (/--kubeconfig|\bkubectl\b|\boc\s|KUBECONFIG/.test(command)) return 'needs a Kubernetes cluster';
  if (/hostnet agent\b/.test(command) && !/--once\b/.test(command)) return 'runs until stopped (the agent tests run it)';
  if (/hostnet fix\b.*--(apply|undo)\b/.test(command) && !/--root\b/.test(command)) return 'changes this host\'s configuration (the fix tests apply and undo in a scratch root)';
  if (/\bsudo\b/.test(command) && !isRoot) return 'needs root';
  return null;
}

/** What is run: the part from the first `npx hostnet` on (the checkout is already installed and built). */
function runnable(command: string): string {
  const parts = command.split('&&');
  const first = parts.findIndex((p) => p.includes('npx hostnet'));
  let cmd = parts.slice(Math.max(first, 0)).join('&&').trim().replace(/\bsudo\s+/g, '');
  // A network namespace the command names is made in a private mount namespace, so it cannot collide.
  const netns = /--netns\s+(\S+)/.exec(cmd)?.[1];
  if (netns) cmd = `unshare --mount --propagation private sh -c 'mount -t tmpfs hostnet-doc /run/netns && ip netns add ${netns} && ${cmd.replace(/'/g, `'\\''`)}'`;
  return cmd;
}

function expectedExit(command: string): number[] {
  const n = /#.*\bexit (\d)\b/.exec(command)?.[1];
  return n === undefined ? [0, 1] : [Number(n)];
}

function run(cmd: string, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', cmd], {
      cwd,
      // offline: a checkout whose bin npx cannot find must fail here, not fetch a package from the registry.
      env: { ...process.env, NO_COLOR: '1', npm_config_offline: 'true', npm_config_update_notifier: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const shown = [...markdownFiles().flatMap((f) => commandsInMarkdown(f, readFileSync(join(ROOT, f), 'utf8'))), ...helpCommands()]
  .filter((c) => /\bhostnet\b/.test(c.command) && !/\bpidof hostnet\b/.test(c.command));

/** The commands grouped by the file (or --help) that shows them, in the order shown. */
function byOrigin(commands: ShownCommand[]): Map<string, ShownCommand[]> {
  const groups = new Map<string, ShownCommand[]>();
  for (const c of commands) {
    const origin = c.where.includes('--help') ? c.where.replace(/ \(.*$/, '') : c.where.replace(/:\d+$/, '');
    groups.set(origin, [...(groups.get(origin) ?? []), c]);
  }
  return groups;
}

async function runsAsShown(t: TestContext, c: ShownCommand, checkout: string): Promise<void> {
  assert.ok(!/(^|[\s|;&(])(sudo\s+)?hostnet\s/.test(c.command.replace(/npx hostnet/g, '')),
    `${c.where}: \`${c.command}\`: \`hostnet\` is not on PATH after the quick start; write \`npx hostnet ...\``);
  const skip = reasonToSkip(c.command);
  if (skip) {
    if (inCI && skip === 'needs root') assert.fail(`${c.where}: must run under CI but is not root`);
    t.skip(skip);
    return;
  }
  const result = await run(runnable(c.command), checkout);
  const said = `${c.where}: \`${c.command}\` exited ${result.code}\n${result.stderr.slice(0, 2000)}`;
  assert.ok(expectedExit(c.command).includes(result.code ?? -1), said);
  assert.ok(!result.stderr.includes('internal error'), said);
  const missing = missingOutput(c.output, result.stdout, result.stderr);
  assert.equal(missing, null, `${c.where}: \`${c.command}\` does not print the line shown:\n  ${missing}\nit printed:\n${result.stdout.slice(0, 4000)}`);
}

describe('every shown command runs as pasted', { concurrency: 4 }, () => {
  let checkout = '';
  before(() => {
    checkout = mkdtempSync(join(tmpdir(), 'hostnet-docs-'));
    const files = spawnSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).stdout.split('\n');
    for (const f of files) if (f && !f.startsWith('node_modules')) cpSync(join(ROOT, f), join(checkout, f), { recursive: true });
    cpSync(join(ROOT, 'dist'), join(checkout, 'dist'), { recursive: true });
  });
  after(() => rmSync(checkout, { recursive: true, force: true }));

  test('the documentation and the help show commands at all', () => {
    assert.ok(shown.length >= 40, `only ${shown.length} commands found`);
    assert.ok(shown.some((c) => c.where.startsWith('README.md')) && shown.some((c) => c.where.includes('--help')));
  });

  // Commands of one file run in order (a later one may read what an earlier one wrote); files in parallel.
  for (const [origin, commands] of byOrigin(shown)) {
    describe(origin, { concurrency: 1 }, () => {
      for (const c of commands) test(`${c.where}: ${c.command}`, (t) => runsAsShown(t, c, checkout));
    });
  }
});

/**
 * Helpers for tests on the real kernel and udevd: root checks, throw-away namespaces, and running the
 * CLI as users get it: the bundle in dist/ (`npm test` builds it first). A test that needs root skips
 * with the reason when not root, but under CI (CI=true) it fails instead, so CI can never go green
 * without running it.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

export const isRoot = process.getuid?.() === 0;
/** Under CI a test that cannot run fails instead of skipping. */
export const inCI = process.env.CI === 'true';

/** Returns false (and marks the test skipped) when the test cannot run here; throws under CI. */
export function requireRealSystem(t: TestContext, needs: { tools?: string[] } = {}): boolean {
  return skipOrFail(t, !isRoot ? 'needs root (network namespaces)' : missingTools(needs.tools ?? []));
}

/** Like requireRealSystem for a test that needs tools but not root. */
export function requireTools(t: TestContext, tools: string[], packages = tools): boolean {
  return skipOrFail(t, missingTools(tools, packages));
}

function missingTools(tools: string[], packages = tools): string | null {
  const missing = tools.filter((tool) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool]).status !== 0);
  return missing.length ? `needs ${missing.join(', ')} (apt-get install ${packages.join(' ')})` : null;
}

/** True when `reason` is null; else skips `t` with it (false), or throws under CI. */
export function skipOrFail(t: TestContext, reason: string | null): boolean {
  if (reason === null) return true;
  if (inCI) throw new Error(`this test must run under CI but cannot: ${reason}`);
  t.skip(reason);
  return false;
}

/**
 * `test()` options for a whole test that cannot run here: skipped with the reason, except under CI,
 * where it runs (and fails on what is missing).
 */
export function skipUnlessCI(reason: string | null): { skip?: string } {
  return reason && !inCI ? { skip: reason } : {};
}

/** Runs a command with an argument array; returns stdout, throws with stderr on failure. */
export function sh(argv: string[], input?: string): string {
  const [file, ...args] = argv as [string, ...string[]];
  return execFileSync(file, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** A unique namespace name per test process so parallel test files never collide. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid.toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Creates a network namespace and deletes it when the test ends. */
export function netns(t: TestContext, prefix = 'hn'): { name: string; ip: (...args: string[]) => string; exec: (...argv: string[]) => string } {
  const name = uniqueName(prefix);
  sh(['ip', 'netns', 'add', name]);
  t.after(() => {
    spawnSync('ip', ['netns', 'del', name]);
  });
  return {
    name,
    ip: (...args) => sh(['ip', '-n', name, ...args]),
    exec: (...argv) => sh(['ip', 'netns', 'exec', name, ...argv]),
  };
}

const DIST = fileURLToPath(new URL('../../dist/hostnet.js', import.meta.url));

/** The argv that starts `hostnet ARGS`: the built bundle, so tests run what users run. */
export function hostnetArgv(args: string[]): string[] {
  if (!existsSync(DIST)) throw new Error('dist/hostnet.js is missing: run `npm run build` first (`npm test` does)');
  return [process.execPath, DIST, ...args];
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `hostnet ARGS` and waits for it. */
export function hostnet(args: string[], options: { input?: string; env?: Record<string, string> } = {}): CliResult {
  const [node, ...argv] = hostnetArgv(args);
  const r = spawnSync(node!, argv, {
    encoding: 'utf8',
    input: options.input,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    maxBuffer: 1 << 30,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `hostnet ARGS` as the unprivileged user nobody (for permission tests). */
export function hostnetAsNobody(args: string[]): CliResult {
  const r = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', ...hostnetArgv(args)], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', HOME: '/tmp' },
    maxBuffer: 1 << 30,
    cwd: '/tmp',
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs `hostnet ARGS` without blocking the test's event loop (for tests that serve something the CLI
 * talks to), optionally with node options before the script and more environment; killed after `timeoutMs`.
 */
export function hostnetAsync(args: string[], options: { timeoutMs?: number; nodeArgs?: string[]; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const [node, script, ...argv] = hostnetArgv(args);
    const child = spawn(node!, [...(options.nodeArgs ?? []), script!, ...argv], { env: { ...process.env, NO_COLOR: '1', ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(kill);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

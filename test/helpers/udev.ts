/**
 * Running the real udevd 252 (`udevadm test-builtin net_setup_link`) on throw-away interfaces with
 * throw-away `.link` files, without touching this machine's configuration or other tests.
 *
 * In v252 test-builtin APPLIES what it decides (it changes the MAC), so it only ever runs inside a
 * network namespace the test created. The `.link` trees are bind-mounted over /etc, /run,
 * /usr/local/lib and /usr/lib systemd/network inside a private mount namespace that lives only as long
 * as the commands, so parallel tests each see their own files and nothing on the host changes.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Host directories standing in for systemd's network directories. */
export interface LinkTrees {
  etc: string;
  run: string;
  usrLocalLib: string;
  usrLib: string;
}

export const LINK_TARGETS: Record<keyof LinkTrees, string> = {
  etc: '/etc/systemd/network',
  run: '/run/systemd/network',
  usrLocalLib: '/usr/local/lib/systemd/network',
  usrLib: '/usr/lib/systemd/network',
};

export interface SandboxCommand {
  argv: string[];
  env?: Record<string, string>;
}

export interface SandboxResult {
  code: number;
  stdout: string;
  stderr: string;
}

const RUNNER = fileURLToPath(new URL('./udev-sandbox.mjs', import.meta.url));

/** Creates the four empty trees below `base`. */
export function makeLinkTrees(base: string): LinkTrees {
  const trees: LinkTrees = { etc: join(base, 'etc'), run: join(base, 'run'), usrLocalLib: join(base, 'usr-local-lib'), usrLib: join(base, 'usr-lib') };
  for (const dir of Object.values(trees)) mkdirSync(dir, { recursive: true });
  return trees;
}

/** Runs the commands, in order, inside `netns` with `trees` in place of systemd's network directories. */
export function runInLinkSandbox(netns: string, trees: LinkTrees, commands: SandboxCommand[]): Promise<SandboxResult[]> {
  const spec = {
    mounts: (Object.keys(LINK_TARGETS) as (keyof LinkTrees)[]).map((k) => ({ source: trees[k], target: LINK_TARGETS[k] })),
    commands,
  };
  const argv = ['netns', 'exec', netns, 'unshare', '--mount', '--propagation', 'private', process.execPath, RUNNER, JSON.stringify(spec)];
  return new Promise((resolve, reject) => {
    const child = spawn('ip', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out).toString('utf8');
      if (code !== 0) {
        reject(new Error(`sandbox in ${netns} failed (exit ${code}): ${Buffer.concat(err).toString('utf8').trim()}`));
        return;
      }
      resolve(JSON.parse(stdout) as SandboxResult[]);
    });
  });
}

/** `SYSTEMD_LOG_LEVEL=debug udevadm test-builtin net_setup_link /sys/class/net/IF` (applies the result in v252). */
export function netSetupLink(ifname: string): SandboxCommand {
  return { argv: ['udevadm', 'test-builtin', 'net_setup_link', `/sys/class/net/${ifname}`], env: { SYSTEMD_LOG_LEVEL: 'debug' } };
}

export interface NetSetupLinkResult {
  /** ID_NET_LINK_FILE, or null when no file applied. */
  linkFile: string | null;
  /** "Applying <kind> MAC address: <mac>" when udevd changed the MAC. */
  applied: { kind: string; mac: string } | null;
  /** udevd's lines about this interface (without the "IF: " prefix). */
  log: string[];
}

export function parseNetSetupLink(ifname: string, r: SandboxResult): NetSetupLinkResult {
  const linkFile = /^ID_NET_LINK_FILE=(.*)$/m.exec(r.stdout)?.[1] ?? null;
  const prefix = `${ifname}: `;
  const log = r.stderr.split('\n').filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
  const m = log.map((l) => /^Applying (\S+) MAC address: (\S+)$/.exec(l)).find((x) => x !== null);
  return { linkFile, applied: m ? { kind: m[1]!, mac: m[2]! } : null, log };
}

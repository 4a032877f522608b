/**
 * The daemons that reconfigure a node's network behind a CNI's back, as the live host shows them:
 * `systemctl is-active` of NetworkManager, firewalld and nm-cloud-setup, and the iptables nat table
 * where kube-proxy and the CNI portmap plugin keep their chains (what a firewalld reload would flush).
 * Their configuration files are read with the other files (files.ts). Recorded raw; nothing decided.
 */
import { existsSync } from 'node:fs';
import type { CommandRecord, Gap } from '../snapshot/schema.js';
import { IPTABLES_NAT_ARGV, IS_ACTIVE_ARGV } from '../snapshot/daemons.js';
import { runAnswering, runLarge, type RunResult } from './exec.js';

export interface DaemonCollection {
  commands: CommandRecord[];
  gaps: Gap[];
}

/** sd_booted()'s test: systemd runs as init exactly when this directory exists. */
const SYSTEMD_BOOTED = '/run/systemd/system';

export async function collectDaemons(booted = existsSync(SYSTEMD_BOOTED)): Promise<DaemonCollection> {
  const out: DaemonCollection = { commands: [], gaps: [] };
  const [active, nat] = await Promise.all([
    booted ? runAnswering([...IS_ACTIVE_ARGV]) : Promise.resolve(notBooted()),
    runLarge([...IPTABLES_NAT_ARGV], 30_000),
  ]);
  for (const [argv, r] of [[IS_ACTIVE_ARGV, active], [IPTABLES_NAT_ARGV, nat]] as const) {
    if (r.ok) out.commands.push({ argv: [...argv], exitCode: r.exitCode, stdout: r.stdout });
    else out.gaps.push(r.gap);
  }
  return out;
}

/** Where systemd is not init (a container, a CI sandbox) systemctl cannot answer: say why, not "failed". */
function notBooted(): RunResult {
  return {
    ok: false,
    gap: { source: IS_ACTIVE_ARGV.join(' '), reason: 'unsupported', detail: `systemd is not this system's init (no ${SYSTEMD_BOOTED}), so there are no units to ask about` },
  };
}

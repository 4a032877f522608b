/** Processes seen through /proc: the tests stop the udevd daemons they start, workers included. */
import { readdirSync, readFileSync } from 'node:fs';

/** True while the process exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Children of a process, by PID (udevd's workers). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // ended while we looked
    }
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Stops a daemon the test started and the workers it forked: SIGTERM, then SIGKILL after 5 s; workers
 * still alive after the daemon ended are killed too. `exited` reports the daemon's own exit event.
 */
export async function stopDaemon(pid: number, exited: () => boolean): Promise<void> {
  if (exited()) return;
  const workers = childrenOf(pid);
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 50 && !exited(); i++) await sleep(100);
  if (!exited()) process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 50 && !exited(); i++) await sleep(100);
  for (const w of workers) if (alive(w)) process.kill(w, 'SIGKILL');
}

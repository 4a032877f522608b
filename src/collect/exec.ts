/**
 * Running an external tool: always an argument array, never a shell, so interface names and paths
 * stay data. A tool that is missing or fails becomes a Gap, not an exception.
 */
import { execFile } from 'node:child_process';
import type { Gap } from '../snapshot/schema.js';

export type RunResult = { ok: true; stdout: string; exitCode: number } | { ok: false; gap: Gap };

export function run(argv: string[], timeoutMs = 60_000): Promise<RunResult> {
  const [file, ...args] = argv as [string, ...string[]];
  return new Promise((resolve) => {
    execFile(file, args, { maxBuffer: 1 << 30, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve({ ok: true, stdout, exitCode: 0 });
      const e = err as NodeJS.ErrnoException & { code?: string | number; killed?: boolean };
      const source = argv.join(' ');
      if (e.code === 'ENOENT') {
        return resolve({ ok: false, gap: { source, reason: 'missing-tool', detail: `${file} is not installed or not on PATH` } });
      }
      if (e.code === 'EACCES') {
        return resolve({ ok: false, gap: { source, reason: 'permission-denied', detail: String(stderr || e.message).trim() } });
      }
      if (e.killed) {
        return resolve({ ok: false, gap: { source, reason: 'timeout', detail: `no answer within ${timeoutMs / 1000} s` } });
      }
      const detail = String(stderr || e.message).trim().split('\n').slice(0, 3).join(' ');
      const reason = /permission|not permitted|EPERM/i.test(detail) ? 'permission-denied' : 'failed';
      resolve({ ok: false, gap: { source, reason, detail } });
    });
  });
}

/** An I/O error as a Gap reason. */
export function gapReason(err: unknown): Gap['reason'] {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'not-found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission-denied';
  if (code === 'EINVAL' || code === 'EOPNOTSUPP') return 'unsupported';
  return 'failed';
}

/**
 * Running an external tool: always an argument array, never a shell, so interface names and paths
 * stay data. A tool that is missing or fails becomes a Gap, not an exception.
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Gap } from '../snapshot/schema.js';

export type RunResult = { ok: true; stdout: string; exitCode: number } | { ok: false; gap: Gap };

export function run(argv: string[], timeoutMs = 60_000): Promise<RunResult> {
  const [file, ...args] = argv as [string, ...string[]];
  return new Promise((resolve) => {
    execFile(file, args, { maxBuffer: 1 << 30, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve({ ok: true, stdout, exitCode: 0 });
      const e = err as NodeJS.ErrnoException & { killed?: boolean };
      resolve({ ok: false, gap: failureGap(argv, e.code, e.killed === true, String(stderr || e.message), timeoutMs) });
    });
  });
}

/**
 * `run` for a command whose exit code is an answer, not a failure (`systemctl is-active` exits 3 when a
 * unit is inactive): whatever it printed on stdout is kept with its exit code. Only a command that
 * could not start, timed out, or printed nothing is a gap.
 */
export function runAnswering(argv: string[], timeoutMs = 15_000): Promise<RunResult> {
  const [file, ...args] = argv as [string, ...string[]];
  return new Promise((resolve) => {
    execFile(file, args, { maxBuffer: 1 << 20, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve({ ok: true, stdout, exitCode: 0 });
      const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: string | number };
      if (typeof e.code === 'number' && !e.killed && stdout.trim() !== '') return resolve({ ok: true, stdout, exitCode: e.code });
      resolve({ ok: false, gap: failureGap(argv, e.code, e.killed === true, String(stderr || e.message), timeoutMs) });
    });
  });
}

/**
 * `run` for a command that prints megabytes in small writes (`ip -j` writes once per route): its
 * output goes to an unlinked temporary file, read once at the end. Through a pipe every small write
 * wakes this process for a read of its own, which on a large host costs more than the command itself.
 * Where no temporary file can be made (a read-only root in a container), it falls back to a pipe.
 */
export function runLarge(argv: string[], timeoutMs = 60_000): Promise<RunResult> {
  const fd = unlinkedTempFile();
  if (fd === null) return run(argv, timeoutMs);
  const [file, ...args] = argv as [string, ...string[]];
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ['ignore', fd, 'pipe'] });
    const stderr: Buffer[] = [];
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    let killed = false;
    let done = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    // A child that cannot start reports 'error' and may report 'close' after it.
    const finish = (result: RunResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      closeSync(fd);
      resolve(result);
    };
    child.once('error', (err: NodeJS.ErrnoException) => finish({ ok: false, gap: failureGap(argv, err.code, false, err.message, timeoutMs) }));
    child.once('close', (code, signal) => {
      if (code === 0) return finish({ ok: true, stdout: readWhole(fd), exitCode: 0 });
      const text = Buffer.concat(stderr).toString('utf8') || `${file} exited with ${code ?? signal}`;
      finish({ ok: false, gap: failureGap(argv, undefined, killed, text, timeoutMs) });
    });
  });
}

/** A file open for reading and writing that no other process can find and that vanishes on close. */
function unlinkedTempFile(): number | null {
  for (const dir of ['/dev/shm', tmpdir()]) {
    const path = join(dir, `hostnet-${process.pid}-${Math.random().toString(36).slice(2)}`);
    try {
      const fd = openSync(path, 'wx+', 0o600);
      unlinkSync(path);
      return fd;
    } catch {
      // not writable here; try the next place
    }
  }
  return null;
}

function readWhole(fd: number): string {
  const size = fstatSync(fd).size;
  const buffer = Buffer.allocUnsafe(size);
  let offset = 0;
  while (offset < size) {
    const n = readSync(fd, buffer, offset, size - offset, offset);
    if (n === 0) break;
    offset += n;
  }
  return buffer.toString('utf8', 0, offset);
}

function failureGap(argv: string[], code: string | number | undefined, killed: boolean, message: string, timeoutMs: number): Gap {
  const source = argv.join(' ');
  if (code === 'ENOENT') return { source, reason: 'missing-tool', detail: `${argv[0]} is not installed or not on PATH` };
  if (code === 'EACCES') return { source, reason: 'permission-denied', detail: message.trim() };
  if (killed) return { source, reason: 'timeout', detail: `no answer within ${timeoutMs / 1000} s` };
  const detail = message.trim().split('\n').slice(0, 3).join(' ');
  const reason = /permission|not permitted|EPERM/i.test(detail) ? 'permission-denied' : 'failed';
  return { source, reason, detail };
}

/** An I/O error as a Gap reason. */
export function gapReason(err: unknown): Gap['reason'] {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'not-found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission-denied';
  if (code === 'EINVAL' || code === 'EOPNOTSUPP') return 'unsupported';
  return 'failed';
}

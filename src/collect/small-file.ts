/**
 * Reading the tiny files of sysfs and /proc/sys: synchronous, into one shared buffer. They are answered
 * from memory, and with thousands of interfaces a promise and a fresh 64 KiB buffer per file cost ten
 * times the system calls themselves (measured by `npm run bench -- collect`). One buffer per thread:
 * the sysfs worker has its own copy of this module.
 */
import { closeSync, openSync, readSync } from 'node:fs';

const buffer = Buffer.allocUnsafe(64 * 1024);

/**
 * The whole of a small file, or null when it cannot be read (speed on a tap is EINVAL: unknown).
 * `chunk` caps each read: /proc/sys allocates and zeroes a kernel buffer of the size asked for on every
 * read (proc_sys_call_handler), so asking for 64 KiB to read "1" costs far more than the value.
 */
export function readSmall(path: string, chunk = buffer.length): string | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, Math.min(chunk, buffer.length - length), null);
      if (n === 0 || length + n >= buffer.length) {
        length += n;
        break;
      }
      length += n;
    }
    return buffer.toString('utf8', 0, length).trim();
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}


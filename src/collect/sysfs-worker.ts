/**
 * Worker thread entry: reads sysfs for every interface and the network sysctls while the main thread
 * waits for `ip` and converts its output. Thousands of small sysfs and /proc/sys reads cost as much as
 * the `ip` calls themselves; on another thread they overlap instead of adding up. A worker shares the
 * process's network namespace.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readSysfsBatch } from './sysfs.js';

parentPort?.postMessage(readSysfsBatch(workerData as string[]));

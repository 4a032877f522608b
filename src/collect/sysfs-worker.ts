/**
 * Worker thread entry: reads sysfs for every interface while the main thread waits for `ip`.
 * Thousands of small sysfs reads cost as much as the `ip` calls themselves; on another thread they
 * overlap instead of adding up. A worker shares the process's network namespace.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readAllSysfs } from './sysfs.js';

parentPort?.postMessage(readAllSysfs(workerData as string[]));

// A test reporter for people watching `npm test`: one line per test file as it finishes (the runner
// reports a file when it ends), with its counts and time, and a line every 20 s while files still run,
// so a long real-system file is never silence. Used beside the spec reporter by scripts/test.mjs.
import { setInterval, clearInterval } from 'node:timers';

const total = Number(process.env.HOSTNET_TEST_FILES ?? 0);
const started = Date.now();
const seconds = () => Math.round((Date.now() - started) / 1000);

export default async function* progress(source) {
  let done = 0;
  let failedFiles = 0;
  const counts = new Map(); // file -> { pass, fail, skip } of its tests (not of the suites around them)
  const timer = setInterval(() => process.stderr.write(`[progress] ${seconds()} s: ${done} of ${total} files done, the others still running\n`), 20_000);
  timer.unref();
  try {
    for await (const event of source) {
      const file = event.data?.file;
      if (!file) continue;
      const c = counts.get(file) ?? { pass: 0, fail: 0, skip: 0 };
      counts.set(file, c);
      if (event.type === 'test:complete' && event.data.name === file) {
        done++;
        if (c.fail > 0) failedFiles++;
        const rel = file.slice(file.indexOf('/test/') + 1);
        yield `[progress] ${seconds()} s: ${done}/${total} ${rel}: ${c.pass} passed${c.skip ? `, ${c.skip} skipped` : ''}${c.fail ? `, ${c.fail} FAILED` : ''}\n`;
      } else if (event.data.name !== file && event.data.details?.type !== 'suite') {
        if (event.type === 'test:pass' && event.data.skip !== undefined) c.skip++;
        else if (event.type === 'test:pass') c.pass++;
        if (event.type === 'test:fail') c.fail++;
      }
    }
  } finally {
    clearInterval(timer);
  }
  yield `[progress] ${seconds()} s: ${done} files, ${failedFiles ? `${failedFiles} with failures` : 'all passed'}\n`;
}

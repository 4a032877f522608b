// Comparing a command's output with a recorded one. A plain strictEqual on pages of text shows only
// the start of both in a CI log; this names the first line that differs, with both versions of it.
import assert from 'node:assert/strict';

/** `stderr`, when given, is shown too: an empty page with exit code 1 is usually a crash it explains. */
export function assertSameText(actual: string, expected: string, what: string, stderr = ''): void {
  if (actual === expected) return;
  const a = actual.split('\n');
  const e = expected.split('\n');
  let i = 0;
  while (i < a.length && i < e.length && a[i] === e[i]) i++;
  const show = (lines: string[]) => (i < lines.length ? JSON.stringify(lines[i]) : '(no more lines)');
  assert.fail(`${what}: line ${i + 1} differs (${a.length} lines printed, ${e.length} recorded)\n  printed:  ${show(a)}\n  recorded: ${show(e)}${stderr ? `\n  stderr: ${stderr.slice(0, 2000)}` : ''}`);
}

/**
 * The commands a reader can copy: the `$ ...` lines of ```console blocks and the lines of ```sh blocks
 * in Markdown, and the Examples section of every --help. Each keeps where it was shown (file:line) so a
 * failing command names the place to fix; a console block's output lines are kept to compare with what
 * the command really prints.
 */
import { readFileSync } from 'node:fs';

export interface ShownCommand {
  /** `README.md:53`, or `npx hostnet check --help (src/cli/check.ts:38)`. */
  where: string;
  command: string;
  /** Output lines shown under the command (console blocks only); `...` lines mark elisions. */
  output: string[];
}

const SHELL_BLOCKS = new Set(['console', 'sh', 'bash', 'shell']);

/** Every command shown in the fenced shell blocks of one Markdown file. */
export function commandsInMarkdown(file: string, text: string): ShownCommand[] {
  const lines = text.split('\n');
  const found: ShownCommand[] = [];
  let block: string | null = null;
  let current: ShownCommand | undefined; // the command of this block whose output lines follow
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^\s*```\s*(\S*)/.exec(line);
    if (fence) {
      block = block === null ? fence[1]! : null;
      current = undefined;
      continue;
    }
    if (block === null || !SHELL_BLOCKS.has(block)) continue;
    const start = i;
    if (block === 'console') {
      if (!line.startsWith('$ ')) {
        current?.output.push(line);
        continue;
      }
      const { command, last } = joinContinued(lines, i, line.slice(2));
      i = last;
      current = { where: `${file}:${start + 1}`, command, output: [] };
      found.push(current);
    } else if (line.trim() !== '' && !line.trim().startsWith('#')) {
      const { command, last } = joinContinued(lines, i, line);
      i = last;
      found.push({ where: `${file}:${start + 1}`, command, output: [] });
    }
  }
  return found;
}

/** A command continued with a trailing backslash, joined into one line. */
function joinContinued(lines: string[], first: number, head: string): { command: string; last: number } {
  let command = head;
  let i = first;
  while (command.endsWith('\\') && i + 1 < lines.length) {
    i++;
    command = `${command.slice(0, -1).trimEnd()} ${lines[i]!.trim()}`;
  }
  return { command: command.trim(), last: i };
}

/** The example commands of one --help text: the indented lines after `Examples:`. */
export function examplesInHelp(help: string): string[] {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => /^Examples?:$/.test(l.trim()));
  if (start < 0) return [];
  const examples: string[] = [];
  for (let i = start + 1; i < lines.length && /^\s+\S/.test(lines[i]!); i++) {
    const { command, last } = joinContinued(lines, i, lines[i]!);
    examples.push(command);
    i = last;
  }
  return examples;
}

/** The file:line of the source that holds a help example (its first line), for failure messages. */
export function sourceOf(example: string, files: string[]): string {
  const head = example.split('  #')[0]!.trim().slice(0, 60);
  for (const file of files) {
    const at = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(head));
    if (at >= 0) return `${file}:${at + 1}`;
  }
  return 'source not found';
}

/** The verbs and sub-verbs listed under `Commands:` in a --help text. */
export function commandsInHelp(help: string): string[] {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => l.trim() === 'Commands:');
  if (start < 0) return [];
  const names: string[] = [];
  for (let i = start + 1; i < lines.length && /^\s+\S/.test(lines[i]!); i++) {
    const name = /^ {2}([a-z][\w-]*)/.exec(lines[i]!)?.[1]; // deeper lines continue a description
    if (name && name !== 'help') names.push(name);
  }
  return names;
}

/**
 * A shown output line the command did not print, or null. Lines must appear in order on stdout, except
 * `hostnet: ...` lines, which are messages on stderr.
 */
export function missingOutput(shown: string[], stdout: string, stderr = ''): string | null {
  const actual = stdout.split('\n').map((l) => l.trimEnd());
  const messages = stderr.split('\n').map((l) => l.trimEnd());
  let at = 0;
  for (const want of shown.map((l) => l.trimEnd())) {
    if (want.trim() === '' || want.trim() === '...') continue;
    if (want.startsWith('hostnet: ')) {
      if (!messages.includes(want)) return want;
      continue;
    }
    const found = actual.indexOf(want, at);
    if (found < 0) return want;
    at = found + 1;
  }
  return null;
}

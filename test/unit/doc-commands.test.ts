/**
 * The reader of shown commands (test/helpers/doc-commands.ts) that the shown-commands test relies on:
 * generated Markdown with console, sh and other blocks read back to the same commands, lines and outputs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { commandsInHelp, commandsInMarkdown, examplesInHelp, missingOutput } from '../helpers/doc-commands.js';

const word = fc.stringMatching(/^[a-z0-9][a-z0-9./=-]{0,11}$/);
const command = fc.array(word, { minLength: 1, maxLength: 5 }).map((w) => `npx hostnet ${w.join(' ')}`);
const outputLine = fc.stringMatching(/^[ a-z0-9:.-]{0,30}$/).filter((l) => !l.startsWith('$ ') && !l.trimStart().startsWith('```'));

interface Block { lang: string; items: { command: string; output: string[] }[] }
const block = fc.record({
  lang: fc.constantFrom('console', 'sh', 'text', 'json'),
  items: fc.array(fc.record({ command, output: fc.array(outputLine, { maxLength: 3 }) }), { minLength: 1, maxLength: 3 }),
});

function render(blocks: Block[]): { text: string; expected: { line: number; command: string; output: string[] }[] } {
  const lines: string[] = ['# title', ''];
  const expected: { line: number; command: string; output: string[] }[] = [];
  for (const b of blocks) {
    lines.push(`\`\`\`${b.lang}`);
    for (const item of b.items) {
      if (b.lang === 'console') {
        lines.push(`$ ${item.command}`);
        expected.push({ line: lines.length, command: item.command, output: item.output });
        lines.push(...item.output);
      } else {
        lines.push(item.command);
        if (b.lang === 'sh') expected.push({ line: lines.length, command: item.command, output: [] });
      }
    }
    lines.push('```', 'Some prose.', '');
  }
  return { text: lines.join('\n'), expected };
}

test('every command of console and sh blocks is found at its line, with the output shown under it', () => {
  fc.assert(fc.property(fc.array(block, { maxLength: 5 }), (blocks) => {
    const { text, expected } = render(blocks);
    const found = commandsInMarkdown('doc.md', text);
    assert.deepEqual(found.map((c) => ({ line: Number(c.where.split(':')[1]), command: c.command, output: c.output })), expected);
  }), { seed: 19, numRuns: 300 });
});

test('continued lines join into one command; help Examples and Commands are read', () => {
  const [c] = commandsInMarkdown('d.md', '```console\n$ npx hostnet plan calico-vpp \\\n    --config x.yaml\nout\n```\n');
  assert.deepEqual([c!.command, c!.output], ['npx hostnet plan calico-vpp --config x.yaml', ['out']]);
  const help = 'Usage: x\n\nCommands:\n  show <file>   Summarise a snapshot: a tree of\n                children, addresses\n  validate <f>  check\n  help [cmd]    help\n\nExamples:\n  npx hostnet a \\\n      --b c\n  npx hostnet d   # comment\n';
  assert.deepEqual(commandsInHelp(help), ['show', 'validate']);
  assert.deepEqual(examplesInHelp(help), ['npx hostnet a --b c', 'npx hostnet d   # comment']);
});

test('shown output: lines in order on stdout, `hostnet:` lines on stderr, `...` skips', () => {
  assert.equal(missingOutput(['a', '...', 'c'], 'a\nb\nc\n'), null);
  assert.equal(missingOutput(['c', 'a'], 'a\nb\nc\n'), 'a');
  assert.equal(missingOutput(['hostnet: note', 'a'], 'a\n', 'hostnet: note\n'), null);
  assert.equal(missingOutput(['hostnet: note'], 'hostnet: note\n', ''), 'hostnet: note');
});

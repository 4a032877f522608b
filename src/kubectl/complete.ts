/**
 * Shell completion for `kubectl hostnet`, in the protocol kubectl (1.26+) uses for plugins: kubectl runs
 * `kubectl_complete-hostnet WORDS...` (the words after `hostnet`, the last one being completed) and reads
 * one candidate per line (`value<TAB>description`), then `:DIRECTIVE` (cobra's ShellCompDirective bits).
 */
import type { Command, Option } from 'commander';
import type { Cluster } from './cluster.js';

/** cobra's ShellCompDirective: 4 = no file completion; 0 = the shell's default (files). */
const NO_FILES = 4;
const FILES = 0;

export async function complete(words: string[], program: Command, clusterOf: (cmd: Command) => Cluster): Promise<string> {
  const current = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  const sub = program.commands.find((c) => before.includes(c.name()));
  const cmd = sub ?? program;
  const options = [...cmd.options, ...(sub ? program.options : [])];
  const previous = before.at(-1);
  const wanting = previous?.startsWith('-') && !previous.includes('=') ? options.find((o) => o.short === previous || o.long === previous) : undefined;
  if (wanting?.required || wanting?.optional) return valueCandidates(wanting, current, words, program, clusterOf);
  if (current.startsWith('-')) {
    return out(options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f && f.startsWith(current)).map((f) => `${f}\t${o.description}`)), NO_FILES);
  }
  if (!sub) return out(program.commands.filter((c) => c.name().startsWith(current)).map((c) => `${c.name()}\t${c.description()}`), NO_FILES);
  if (sub.name() === 'check' && positionals(before.slice(before.indexOf('check') + 1), options).length === 0) {
    return out((await nodeNames(parseGlobals(words, program), clusterOf)).filter((n) => n.startsWith(current)), NO_FILES);
  }
  return out([], NO_FILES);
}

async function valueCandidates(option: Option, current: string, words: string[], program: Command, clusterOf: (cmd: Command) => Cluster): Promise<string> {
  const choices = option.argChoices;
  if (choices) return out(choices.filter((c) => c.startsWith(current)), NO_FILES);
  if (option.long === '--context') return out((await contextNames(parseGlobals(words, program), clusterOf)).filter((c) => c.startsWith(current)), NO_FILES);
  if (option.long === '--output' || option.long === '--kubeconfig') return out([], FILES);
  return out([], NO_FILES);
}

/** The global options given so far, so node names come from the cluster the command will use. */
function parseGlobals(words: string[], program: Command): Command {
  const argv = ['node', 'kubectl-hostnet'];
  for (let i = 0; i < words.length - 1; i++) {
    const w = words[i]!;
    const flag = program.options.find((o) => o.long === w.split('=')[0] || o.short === w);
    if (!flag) continue;
    if (w.includes('=')) argv.push(w);
    else if (i + 1 < words.length - 1) argv.push(w, words[++i]!);
  }
  program.exitOverride().allowUnknownOption().allowExcessArguments();
  program.parseOptions(argv.slice(2));
  return program;
}

async function nodeNames(program: Command, clusterOf: (cmd: Command) => Cluster): Promise<string[]> {
  try {
    const list = await clusterOf(program).getJson<{ items: { metadata?: { name?: string } }[] }>('/api/v1/nodes', 'list nodes');
    return list.items.map((n) => n.metadata?.name ?? '').filter(Boolean).sort();
  } catch {
    return []; // completion never prints errors
  }
}

async function contextNames(program: Command, clusterOf: (cmd: Command) => Cluster): Promise<string[]> {
  try {
    return clusterOf(program).contexts();
  } catch {
    return [];
  }
}

/** The words that are not options or option values. */
function positionals(words: string[], options: readonly Option[]): string[] {
  const found: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (!w.startsWith('-')) found.push(w);
    else if (!w.includes('=') && options.find((o) => o.long === w || o.short === w)?.required) i++;
  }
  return found;
}

function out(candidates: string[], directive: number): string {
  return [...candidates, `:${directive}`, ''].join('\n');
}

/**
 * Options several verbs share, written so they cannot trap a user: a list option takes one value per
 * use (`--ignore A --ignore B`), so it never swallows the positional arguments after it, and rule ids
 * are checked against the rules hostnet has.
 */
import { Option } from 'commander';
import { InputError } from '../errors.js';
import { ALL_RULES } from '../rules/index.js';

/** An option that takes one value each time it is given, collected into a list. */
export function listOption(flags: string, description: string): Option {
  return new Option(flags, `${description} (repeat the option for more)`)
    .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
}

/** Throws for a rule id hostnet does not have, naming the closest ones it does. */
export function checkRuleIds(ids: readonly string[], flag: string): void {
  const known = ALL_RULES.map((r) => r.meta.id);
  for (const id of ids) {
    if (known.includes(id)) continue;
    const closest = [...known].sort((a, b) => distance(id, a) - distance(id, b)).slice(0, 3);
    throw new InputError(`${flag} ${id}: no rule has this id`, undefined, `the closest known: ${closest.join(', ')}; all ids are in docs/rules/`);
  }
}

/** Levenshtein distance: how many single-character edits turn a into b. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length]!;
}

/** `--size N`: an IPv4 packet's whole length in bytes, header included (ping -s N sends N + 28). */
export function parsePacketSize(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 28 && n <= 65535)) throw new InputError(`--size ${JSON.stringify(value)}: expected a packet size in bytes from 28 to 65535`, undefined, 'the size of the whole IP packet: ping -s N sends N + 28');
  return n;
}

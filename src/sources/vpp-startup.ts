/**
 * VPP's startup.conf (the `-c` file, and Calico/VPP's CALICOVPP_CONFIG_TEMPLATE): sections of
 * whitespace-separated words with brace-delimited blocks, e.g. `cpu { main-core 1 workers 2 }`.
 *
 * How VPP itself reads the file (src/vpp/vnet/main.c, src/vlib/threads.c), which this follows:
 * `#` starts a comment that runs to the end of the line, wherever it appears; line ends and tabs are
 * plain spaces, so line breaks carry no meaning; a block belongs to the word before it. In `cpu`,
 * `workers N` sets the number of worker threads, `corelist-workers LIST` and `coremask-workers MASK`
 * set it to the number of cores listed, and giving both is an error VPP refuses to start with.
 */
import { DiagnosticSink, splitLines, type Diagnostic } from './vpp-common.js';

/** One word of the file; a word followed by `{ ... }` owns that block. */
export interface StartupEntry {
  word: string;
  line: number;
  block: StartupEntry[] | null;
}

export interface VppStartupConf {
  /** Top-level entries: normally each a section name with a block (`unix`, `cpu`, `dpdk`, ...). */
  entries: StartupEntry[];
  /** The first top-level section of this name, or null. */
  section(name: string): StartupEntry | null;
}

export interface WorkersSetting {
  count: number | null;
  /** Which setting gave the count; `default` when the file sets none (VPP then runs no workers). */
  source: 'workers' | 'corelist-workers' | 'coremask-workers' | 'default';
  line: number | null;
}

export interface ParsedVppStartupConf {
  conf: VppStartupConf;
  /** Worker threads VPP starts with: 0 when the file sets none, null when the setting cannot be read. */
  workers: number | null;
  workersSetting: WorkersSetting;
  diagnostics: Diagnostic[];
}

interface Token {
  text: string;
  line: number;
}

/** Words and braces, comments removed. `{` and `}` are tokens even when written against a word. */
function tokenize(text: string, firstLine: number): Token[] {
  const tokens: Token[] = [];
  splitLines(text).forEach((raw, i) => {
    const hash = raw.indexOf('#');
    const line = hash >= 0 ? raw.slice(0, hash) : raw;
    for (const m of line.matchAll(/[{}]|[^\s{}]+/g)) tokens.push({ text: m[0], line: firstLine + i });
  });
  return tokens;
}

/**
 * @param firstLine the line number of the text's first line in its file (a startup.conf embedded in a
 * ConfigMap starts several lines down), so every diagnostic names the right line.
 */
export function parseVppStartupConf(text: string, path: string, firstLine = 1): ParsedVppStartupConf {
  const sink = new DiagnosticSink(path, 20);
  const tokens = tokenize(text, firstLine);
  const root: StartupEntry[] = [];
  const stack: { entries: StartupEntry[]; open: Token | null }[] = [{ entries: root, open: null }];
  for (const tok of tokens) {
    const top = stack[stack.length - 1]!;
    if (tok.text === '{') {
      const owner = top.entries[top.entries.length - 1];
      if (!owner || owner.block !== null) {
        sink.add(tok.line, "'{' with no word before it to name the block");
        const anonymous: StartupEntry = { word: '', line: tok.line, block: [] };
        top.entries.push(anonymous);
        stack.push({ entries: anonymous.block!, open: tok });
      } else {
        owner.block = [];
        stack.push({ entries: owner.block, open: tok });
      }
    } else if (tok.text === '}') {
      if (stack.length === 1) sink.add(tok.line, "'}' closes nothing: more closing braces than opening ones");
      else stack.pop();
    } else {
      top.entries.push({ word: tok.text, line: tok.line, block: null });
    }
  }
  for (const open of stack.slice(1).reverse()) {
    sink.add(open.open!.line, "'{' opened here is never closed");
  }
  for (const e of root) {
    if (e.block === null) sink.add(e.line, `${JSON.stringify(e.word)} at the top level is not followed by a { ... } block; VPP will not read it as a section`);
  }
  const conf: VppStartupConf = {
    entries: root,
    section: (name) => root.find((e) => e.word === name && e.block !== null) ?? null,
  };
  const workersSetting = readWorkers(conf, sink);
  return { conf, workers: workersSetting.count, workersSetting, diagnostics: sink.finish() };
}

function readWorkers(conf: VppStartupConf, sink: DiagnosticSink): WorkersSetting {
  const cpus = conf.entries.filter((e) => e.word === 'cpu' && e.block !== null);
  const settings: WorkersSetting[] = [];
  for (const cpu of cpus) {
    const words = cpu.block!;
    for (let i = 0; i < words.length; i++) {
      const key = words[i]!;
      const value = words[i + 1];
      if (key.word !== 'workers' && key.word !== 'corelist-workers' && key.word !== 'coremask-workers') continue;
      if (!value || value.block !== null) {
        sink.add(key.line, `cpu ${key.word} has no value`);
        settings.push({ count: null, source: key.word, line: key.line });
        continue;
      }
      const count = key.word === 'workers' ? parseCount(value.word) : key.word === 'corelist-workers' ? countCoreList(value.word) : countCoreMask(value.word);
      if (count === null) sink.add(value.line, `cpu ${key.word} ${JSON.stringify(value.word)}: not a valid ${key.word === 'workers' ? 'number' : key.word === 'corelist-workers' ? 'core list (e.g. 2-3,5)' : 'hexadecimal core mask'}`);
      settings.push({ count, source: key.word, line: key.line });
      i++;
    }
  }
  if (settings.length === 0) return { count: 0, source: 'default', line: null };
  if (settings.length > 1) {
    sink.add(settings[1]!.line, `worker threads are configured more than once (also line ${settings[0]!.line}); VPP refuses to start ("already configured")`);
  }
  return settings[0]!;
}

function parseCount(s: string): number | null {
  return /^\d+$/.test(s) ? Number(s) : null;
}

/** `2-3,5,7-9` → the number of distinct cores. */
export function countCoreList(s: string): number | null {
  const cores = new Set<number>();
  for (const part of s.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return null;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo || hi - lo > 4096) return null;
    for (let c = lo; c <= hi; c++) cores.add(c);
  }
  return cores.size;
}

/** `0x3c` or `3c` → the number of bits set. */
export function countCoreMask(s: string): number | null {
  const hex = s.replace(/^0x/i, '');
  if (!/^[0-9a-f]+$/i.test(hex)) return null;
  let n = 0;
  for (const ch of hex) n += [...parseInt(ch, 16).toString(2)].filter((b) => b === '1').length;
  return n;
}

/** The words of a block, flattened, for settings that are a plain `key value` sequence. */
export function blockWords(entry: StartupEntry | null): string[] {
  return entry?.block?.map((e) => e.word) ?? [];
}

/**
 * Text outputs of vppctl (VPP's debug CLI), read as VPP prints them. The shapes come from the format
 * strings in FD.io VPP's sources, checked against the releases where they changed:
 *
 * - `show interface address`: `NAME (up|dn):`, then `  unnumbered, use IF`, `  L2 ...`, and one line
 *   per address: `  L3 A/N` (19.04 and later, with ` ip4 table-id T fib-idx F` outside table 0) or
 *   `  A/N` (18.x and earlier, with ` table T`). src/vnet/interface_cli.c.
 * - `show hardware-interfaces`: a `Name Idx Link Hardware` header, then per interface a line at
 *   column 0 `NAME IDX up|down|slave DEVICE` followed by indented detail, among it
 *   `Ethernet address MAC`. src/vnet/interface_format.c.
 * - `show ip punt redirect` / `show ip6 punt redirect`: ` rx IF via:` then a FIB path list whose
 *   paths name `NEXTHOP IF`, then ` forwarding` and the adjacency (`[@N]: ipv4 via NH IF: ... REWRITE`)
 *   (19.04 and later); 18.x printed ` rx IF redirect via NH IF` on one line. src/vnet/ip/ip_punt_drop.c.
 * - `show ip fib` / `show ip6 fib`: `ipv4-VRF:V, fib_index:F, ...` headers, prefixes at column 0
 *   (followed by ` fib:F index:I locks:L` in the detailed form), and the forwarding chain with one
 *   `[n] [@m]: DPO` line per bucket. src/vnet/fib/ip4_fib.c, fib_entry.c, and the DPO formatters.
 *
 * Lines a parser cannot place become diagnostics naming the file and line; a text in which nothing at
 * all is recognised gets one diagnostic saying so, and the caller carries on without it.
 */
import { familyOf, parsePrefix } from '../net/ip.js';
import { parseMac } from '../net/mac.js';
import { DiagnosticSink, isPromptLine, splitLines, type Diagnostic } from './vpp-common.js';

export interface Parsed<T> {
  value: T;
  diagnostics: Diagnostic[];
}

function unrecognised(sink: DiagnosticSink, text: string, command: string): void {
  if (text.trim() !== '') sink.add(null, `does not look like the output of \`${command}\` from any VPP version hostnet knows (18.x to 26.x); it was left out`);
}

// ---------------------------------------------------------------------------------------------
// show interface address

export interface VppInterfaceAddress {
  address: string;
  prefixlen: number;
  family: 'inet' | 'inet6';
  /** The FIB table id when not 0. */
  tableId: number | null;
}

export interface VppInterfaceAddresses {
  name: string;
  adminUp: boolean;
  /** The interface whose addresses this one borrows (`unnumbered, use IF`). */
  unnumberedOf: string | null;
  /** The addresses listed under the interface; for an unnumbered one VPP lists the borrowed ones. */
  addresses: VppInterfaceAddress[];
  l2: string | null;
  line: number;
}

export function parseShowInterfaceAddress(text: string, path: string): Parsed<VppInterfaceAddresses[]> {
  const sink = new DiagnosticSink(path);
  const out: VppInterfaceAddresses[] = [];
  splitLines(text).forEach((line, i) => {
    const n = i + 1;
    const indented = line.charCodeAt(0) === 32 || line.charCodeAt(0) === 9;
    if (!indented) {
      if (line === '' || isPromptLine(line)) return;
      const head = /^(\S+) \((up|dn)\):\s*$/.exec(line);
      if (head) {
        out.push({ name: head[1]!, adminUp: head[2] === 'up', unnumberedOf: null, addresses: [], l2: null, line: n });
        return;
      }
    } else if (line.trim() === '') return;
    const current = out[out.length - 1];
    // Pasted outputs sometimes lose their indentation; the L2/L3/unnumbered words still say what a line is.
    if (!current || !/^(\s|L3 |L2 |unnumbered, )/.test(line)) return sink.unknown(n, line, 'show interface address');
    const unnumbered = /^\s*unnumbered, use (\S+)\s*$/.exec(line);
    if (unnumbered) {
      current.unnumberedOf = unnumbered[1]!;
      return;
    }
    const l2 = /^\s*(?:L2|l2) (.*\S)\s*$/.exec(line);
    if (l2) {
      current.l2 = l2[1]!;
      return;
    }
    // 19.04+: "  L3 A/N [ip4 table-id T fib-idx F]"; 18.x: "  A/N [table T]".
    const addr = /^(?:\s*L3 |\s+)(\S+\/\d+)(?: ip[46] table-id (-?\d+) fib-idx \d+| table (-?\d+))?\s*$/.exec(line);
    const prefix = addr ? parsePrefix(addr[1]!) : null;
    if (addr && prefix) {
      const table = addr[2] ?? addr[3];
      current.addresses.push({ address: prefix.address, prefixlen: prefix.prefixlen, family: prefix.family, tableId: table === undefined ? null : Number(table) });
      return;
    }
    sink.unknown(n, line, 'show interface address');
  });
  if (out.length === 0) unrecognised(sink, text, 'show interface address');
  return { value: out, diagnostics: sink.finish() };
}

// ---------------------------------------------------------------------------------------------
// show hardware-interfaces

export interface VppHardwareInterface {
  name: string;
  hwIfIndex: number;
  /** Link state; null for a bond member, which VPP shows as `slave`. */
  linkUp: boolean | null;
  /** The Hardware column: the device name, or `Slave-Idx: ...` for a bond. */
  device: string;
  mac: string | null;
  /** The indented lines that follow, trimmed (driver, speed, queues, counters, ...). */
  details: string[];
  line: number;
}

export function parseShowHardwareInterfaces(text: string, path: string): Parsed<VppHardwareInterface[]> {
  const sink = new DiagnosticSink(path);
  const out: VppHardwareInterface[] = [];
  splitLines(text).forEach((line, i) => {
    const n = i + 1;
    if (line.trim() === '' || isPromptLine(line)) return;
    if (/^\s*Name\s+Idx\s+Link\s+Hardware\s*$/.test(line)) return;
    const head = /^(\S+)\s+(\d+)\s+(up|down|slave)\s+(.*?)\s*$/.exec(line);
    if (head) {
      out.push({ name: head[1]!, hwIfIndex: Number(head[2]), linkUp: head[3] === 'slave' ? null : head[3] === 'up', device: head[4]!, mac: null, details: [], line: n });
      return;
    }
    // A detail line: indented as VPP prints it, or at column 0 when a paste lost the indentation.
    const current = out[out.length - 1];
    if (!current) return sink.unknown(n, line, 'show hardware-interfaces');
    current.details.push(line.trim());
    const mac = /^\s*Ethernet address (\S+)\s*$/.exec(line);
    if (mac && current.mac === null) {
      current.mac = parseMac(mac[1]!);
      if (current.mac === null) sink.add(n, `show hardware-interfaces: ${JSON.stringify(mac[1])} is not a MAC address`);
    }
  });
  if (out.length === 0) unrecognised(sink, text, 'show hardware-interfaces');
  return { value: out, diagnostics: sink.finish() };
}

// ---------------------------------------------------------------------------------------------
// show errors

export interface VppErrorCounter {
  count: number;
  /** The graph node that counted, e.g. ethernet-input. */
  node: string;
  /** The counter's description, e.g. "l3 mac mismatch". */
  reason: string;
  /** error, warn or info (VPP 21.06 and later print it); null before. */
  severity: string | null;
  line: number;
}

/**
 * `show errors`: a `Count Node Reason [Severity]` header, then one line per non-zero counter: the
 * count right-aligned, the node and the reason centred (src/vlib/error.c). The reason may hold spaces;
 * the node never does. Pasted with its indentation lost, it reads the same.
 */
export function parseShowErrors(text: string, path: string): Parsed<VppErrorCounter[]> {
  const sink = new DiagnosticSink(path);
  const out: VppErrorCounter[] = [];
  splitLines(text).forEach((line, i) => {
    const n = i + 1;
    if (line.trim() === '' || isPromptLine(line)) return;
    if (/^\s*Count\s+Node\s+Reason(\s+Severity)?\s*$/.test(line)) return;
    const row = /^\s*(\d+)\s+(\S+)\s+(.+?)\s*$/.exec(line);
    if (!row) return sink.unknown(n, line, 'show errors');
    const sev = /^(.*?)\s+(error|warn|info)$/.exec(row[3]!);
    out.push({ count: Number(row[1]), node: row[2]!, reason: sev ? sev[1]! : row[3]!, severity: sev ? sev[2]! : null, line: n });
  });
  if (out.length === 0 && !/^\s*Count\s+Node\s+Reason/m.test(text)) unrecognised(sink, text, 'show errors');
  return { value: out, diagnostics: sink.finish() };
}

// ---------------------------------------------------------------------------------------------
// show ip punt redirect

export interface VppPuntPath {
  nextHop: string | null;
  interface: string;
}

export interface VppPuntRedirect {
  /** The receive interface the redirect applies to; `local0` (or `all` on 18.x) means any. */
  rx: string;
  anyRx: boolean;
  family: 'inet' | 'inet6' | null;
  paths: VppPuntPath[];
  /** From the adjacency's rewrite string: the destination MAC VPP writes on redirected frames. */
  rewriteDstMac: string | null;
  rewriteSrcMac: string | null;
  line: number;
}

export function parseShowIpPuntRedirect(text: string, path: string): Parsed<VppPuntRedirect[]> {
  const sink = new DiagnosticSink(path);
  const out: VppPuntRedirect[] = [];
  let promptFamily: 'inet' | 'inet6' | null = null;
  splitLines(text).forEach((line, i) => {
    const n = i + 1;
    if (line.trim() === '') return;
    if (isPromptLine(line)) {
      promptFamily = /\bip6\b/.test(line) ? 'inet6' : /\bip\b/.test(line) ? 'inet' : promptFamily;
      return;
    }
    // 18.x: " rx IF redirect via NH IF" / " rx all redirect via NH IF"
    const old = /^\s*rx (\S+) redirect via (\S+) (\S+)\s*$/.exec(line);
    if (old) {
      const nh = old[2]!;
      out.push({ rx: old[1]!, anyRx: old[1] === 'all', family: familyOf(nh) ?? promptFamily, paths: [{ nextHop: familyOf(nh) ? nh : null, interface: old[3]! }], rewriteDstMac: null, rewriteSrcMac: null, line: n });
      return;
    }
    const head = /^\s*rx (\S+) via:\s*$/.exec(line);
    if (head) {
      out.push({ rx: head[1]!, anyRx: head[1] === 'local0', family: promptFamily, paths: [], rewriteDstMac: null, rewriteSrcMac: null, line: n });
      return;
    }
    const current = out[out.length - 1];
    if (!current) return sink.unknown(n, line, 'show ip punt redirect');
    const t = line.trim();
    if (/^(path-list:|path:\[|forwarding$|\[@\d+\]: dpo-load-balance)/.test(t)) {
      if (/^path:\[.*\bip6\b/.test(t)) current.family = 'inet6';
      else if (/^path:\[.*\bip4\b/.test(t)) current.family = 'inet';
      return;
    }
    const hop = /^(\S+) (\S+)$/.exec(t);
    if (hop && familyOf(hop[1]!) !== null) {
      current.paths.push({ nextHop: hop[1]!, interface: hop[2]! });
      return;
    }
    const adj = /^(?:\[\d+\] )?\[@\d+\]: ipv[46] via (\S+) (\S+?): .*?\b([0-9a-f]{28,})\s*$/.exec(t);
    if (adj) {
      current.rewriteDstMac ??= parseMac(adj[3]!.slice(0, 12));
      current.rewriteSrcMac ??= parseMac(adj[3]!.slice(12, 24));
      if (current.paths.length === 0) current.paths.push({ nextHop: adj[1]!, interface: adj[2]! });
      return;
    }
    // Other path kinds (attached, dpo, drop, unresolved adjacencies) carry nothing this model needs.
    if (/^\[@\d+\]: |^(\[\d+\] )?\[@\d+\]|^\S+$/.test(t)) {
      if (/^\S+$/.test(t) && current.paths.length === 0) current.paths.push({ nextHop: null, interface: t });
      return;
    }
    sink.unknown(n, line, 'show ip punt redirect');
  });
  if (out.length === 0 && text.trim() !== '' && !splitLines(text).every((l) => l.trim() === '' || isPromptLine(l))) {
    unrecognised(sink, text, 'show ip punt redirect');
  }
  return { value: out, diagnostics: sink.finish() };
}

// ---------------------------------------------------------------------------------------------
// show ip fib

export type VppDpoKind = 'receive' | 'glean' | 'adjacency' | 'drop' | 'punt' | 'lookup' | 'other';

export interface VppDpo {
  kind: VppDpoKind;
  interface: string | null;
  nextHop: string | null;
  text: string;
}

export interface VppFibEntry {
  family: 'inet' | 'inet6';
  /** `ipv4-VRF:N`, or the table's name when it has one (Calico/VPP names pod tables). */
  tableName: string;
  /** The VRF (table id) from an `ipvX-VRF:N` header; -1 for a named table. */
  vrf: number;
  fibIndex: number;
  prefix: string;
  address: string;
  prefixlen: number;
  forwarding: VppDpo[];
  line: number;
}

const FIB_BUCKET = /^\[\d+\] \[@\d+\]: (.*)$/;
const FIB_ENTRY = /^([0-9a-fA-F:.]+\/\d+)(\s+fib:\d+ index:\d+ locks:\d+)?\s*$/;
const FIB_HEADER = /^(\S+?), fib_index:?\s*(\d+)/;
const FIB_HEADER_REST = /^(flow hash:|epoch:|locks:|session lookup:|\S+:\d+, \]|\])/;

export function parseShowIpFib(text: string, path: string): Parsed<VppFibEntry[]> {
  const sink = new DiagnosticSink(path);
  const out: VppFibEntry[] = [];
  let table: { family: 'inet' | 'inet6'; vrf: number; fibIndex: number } | null = null;
  let tableName = '';
  let inForwarding = true;
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const n = i + 1;
    const first = line.charCodeAt(0);
    // Indented: the body of the current entry (most lines; kept to one or two tests each).
    if (first === 32 || first === 9) {
      const t = line.trim();
      if (t === '') continue;
      const current = out[out.length - 1];
      if (!current) {
        sink.unknown(n, line, 'show ip fib');
        continue;
      }
      if (t.startsWith('forwarding:')) {
        inForwarding = true;
        continue;
      }
      // Only bucket lines are forwarding choices; "stacked-on" lines below a bucket say how it resolves.
      if (!inForwarding || t.charCodeAt(0) !== 91 /* [ */) continue;
      const bucket = FIB_BUCKET.exec(t);
      if (bucket) current.forwarding.push(parseDpo(bucket[1]!));
      continue;
    }
    if (line === '' || isPromptLine(line)) continue;
    const entry = FIB_ENTRY.exec(line);
    const prefix = entry ? parsePrefix(entry[1]!) : null;
    if (entry && prefix) {
      const t = table ?? { family: prefix.family, vrf: 0, fibIndex: 0 };
      // The detailed form lists sources and paths before " forwarding:"; the short form has only the chain.
      inForwarding = entry[2] === undefined;
      out.push({
        family: prefix.family, tableName: tableName || `ipv${prefix.family === 'inet' ? 4 : 6}-VRF:0`, vrf: t.vrf, fibIndex: t.fibIndex,
        prefix: `${prefix.address}/${prefix.prefixlen}`, address: prefix.address, prefixlen: prefix.prefixlen, forwarding: [], line: n,
      });
      continue;
    }
    // "ipv4-VRF:0, fib_index:0, flow hash:[...] ..." or, for a named table, "NAME, fib_index:4, ...".
    const header = FIB_HEADER.exec(line);
    if (header) {
      const vrf = /^ipv([46])-VRF:(\d+)$/.exec(header[1]!);
      table = { family: vrf?.[1] === '6' ? 'inet6' : 'inet', vrf: vrf ? Number(vrf[2]) : -1, fibIndex: Number(header[2]) };
      tableName = header[1]!;
      continue;
    }
    // The rest of a long header, when a terminal or a document wrapped it.
    if (table !== null && FIB_HEADER_REST.test(line)) continue;
    if (line.trim() !== '') sink.unknown(n, line, 'show ip fib');
  }
  if (out.length === 0 && table === null) unrecognised(sink, text, 'show ip fib');
  return { value: out, diagnostics: sink.finish() };
}

function parseDpo(s: string): VppDpo {
  let m = /^dpo-receive: (\S+) on (\S+)/.exec(s);
  if (m) return { kind: 'receive', interface: m[2]!, nextHop: null, text: s };
  m = /^ipv[46]-glean: (?:\[src:\S+\] )?(\S+?):/.exec(s);
  if (m) return { kind: 'glean', interface: m[1]!, nextHop: null, text: s };
  m = /^ipv[46] (?:\[[^\]]*\] )?via (\S+) (\S+?):/.exec(s);
  if (m) return { kind: 'adjacency', interface: m[2]!, nextHop: m[1]!, text: s };
  if (/^dpo-drop\b/.test(s)) return { kind: 'drop', interface: null, nextHop: null, text: s };
  if (/punt/.test(s)) return { kind: 'punt', interface: null, nextHop: null, text: s };
  if (/lookup in/.test(s)) return { kind: 'lookup', interface: null, nextHop: null, text: s };
  return { kind: 'other', interface: null, nextHop: null, text: s };
}

// ---------------------------------------------------------------------------------------------
// show runtime

export interface VppRuntimeNode {
  name: string;
  /** active, polling, disabled, event wait, any wait, interrupt wait, ... */
  state: string;
  calls: number;
  vectors: number;
  suspends: number;
  clocks: number;
  vectorsPerCall: number;
  line: number;
}

export interface VppRuntimeThread {
  /** 0 (vpp_main) when the output has no `Thread` line: VPP without workers prints none. */
  index: number;
  name: string;
  lcore: number | null;
  /** Seconds the counters cover. */
  time: number | null;
  /** Packets per second into the graph (`vector rates in`). */
  rateIn: number | null;
  nodes: VppRuntimeNode[];
  line: number;
}

const NUMBER = '[-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:e[-+]?\\d+)?';
const RUNTIME_ROW = new RegExp(`^\\s*(\\S+)\\s+([a-z][a-z -]*?)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(${NUMBER})\\s+(${NUMBER})\\s*$`);

/**
 * `show runtime` (`show run`): per thread a `Thread N NAME (lcore L)` line (absent without workers),
 * `Time T, ...`, `  vector rates in R, out ...`, the `Name State Calls Vectors Suspends Clocks
 * Vectors/Call` header, one row per node, and `---------------` between threads. src/vlib/node_cli.c.
 * Pasted with its indentation lost, it reads the same.
 */
export function parseShowRuntime(text: string, path: string): Parsed<VppRuntimeThread[]> {
  const sink = new DiagnosticSink(path);
  const out: VppRuntimeThread[] = [];
  const current = (n: number): VppRuntimeThread => {
    if (out.length === 0) out.push({ index: 0, name: 'vpp_main', lcore: null, time: null, rateIn: null, nodes: [], line: n });
    return out[out.length - 1]!;
  };
  splitLines(text).forEach((line, i) => {
    const n = i + 1;
    if (line.trim() === '' || isPromptLine(line) || /^\s*-{3,}\s*$/.test(line) || /^\s*Name\s+State\s+Calls\s+Vectors/.test(line)) return;
    const thread = /^\s*Thread (\d+) (\S+)(?: \(lcore (\d+)\))?/.exec(line);
    if (thread) {
      out.push({ index: Number(thread[1]), name: thread[2]!, lcore: thread[3] === undefined ? null : Number(thread[3]), time: null, rateIn: null, nodes: [], line: n });
      return;
    }
    const time = new RegExp(`^\\s*Time (${NUMBER}),`).exec(line);
    if (time) {
      current(n).time = Number(time[1]);
      return;
    }
    const rates = new RegExp(`^\\s*vector rates in (${NUMBER}),`).exec(line);
    if (rates) {
      current(n).rateIn = Number(rates[1]);
      return;
    }
    const row = RUNTIME_ROW.exec(line);
    if (!row) return sink.unknown(n, line, 'show runtime');
    current(n).nodes.push({
      name: row[1]!, state: row[2]!, calls: Number(row[3]), vectors: Number(row[4]), suspends: Number(row[5]),
      clocks: Number(row[6]), vectorsPerCall: Number(row[7]), line: n,
    });
  });
  if (out.every((t) => t.nodes.length === 0)) {
    unrecognised(sink, text, 'show runtime');
    return { value: [], diagnostics: sink.finish() };
  }
  return { value: out, diagnostics: sink.finish() };
}

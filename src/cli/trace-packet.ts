/**
 * `hostnet trace packet`: one IPv4 packet through a host, step by step, to where it is delivered, leaves,
 * or dies; then its reply. On a Calico/VPP node Linux and VPP together (seed 002's flows); on any other
 * host Linux alone: receive size, reverse-path filter, local delivery or forwarding, egress MTU.
 */
import { Command, Option } from 'commander';
import { ExitCode, InputError } from '../errors.js';
import { buildHost } from '../model/host.js';
import { replyRequest, tracePacket, TraceSetupError, type Ingress, type PacketTrace, type TraceRequest } from '../sim/packet.js';
import { addHostInputOptions, loadHostInput, type HostInputOptions } from './input.js';
import { emit } from './output.js';
import { parsePacketSize } from './options.js';

interface TracePacketOpts extends HostInputOptions {
  src?: string;
  dst: string;
  in: string;
  reply: boolean;
  size?: number;
  mark?: number;
  format: 'text' | 'json';
  output?: string;
}

function parseMark(s: string): number {
  const n = /^(0x[0-9a-f]{1,8}|\d{1,10})$/i.test(s) ? Number(s) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new InputError(`--mark ${JSON.stringify(s)}: expected a 32-bit mark, decimal or 0x hex`);
  return n;
}

function parseIngress(s: string): Ingress {
  if (s === 'uplink' || s === 'host') return { kind: s };
  const m = /^pod:(\S+)$/.exec(s);
  if (m) return { kind: 'pod', interface: m[1]! };
  if (/^[^\s/:]{1,15}$/.test(s)) return { kind: 'interface', interface: s };
  throw new InputError(`--in ${JSON.stringify(s)}: expected uplink, host, pod:IF (the pod's interface in VPP, e.g. pod:tun1) or an interface of this host`);
}

export function tracePacketCommand(): Command {
  const cmd = new Command('packet').description('Trace an IPv4 packet through this host (Linux, and VPP on a Calico/VPP node): delivered, forwarded, or dropped, and where');
  addHostInputOptions(cmd)
    .option('--src <ip>', 'source address (default: the route\'s source for --in host, 192.0.2.1 otherwise)')
    .requiredOption('--dst <ip>', 'destination address')
    .option('--in <where>', 'where the packet enters: uplink (from the network), host (sent by Linux), pod:IF (a pod on this node, by its VPP interface); on a host without Calico/VPP: host, or the interface it arrives on', 'uplink')
    .option('--size <bytes>', 'the whole IP packet\'s size, DF set (ping -M do -s N sends N + 28): checked against every MTU on the way', parsePacketSize)
    .option('--mark <n>', 'the packet\'s firewall mark as it reaches routing, e.g. 0x1: reverse-path filtering looks the source up with it where src_valid_mark is set', parseMark)
    .option('--no-reply', 'do not trace the reply')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-o, --output <file>', 'write the trace here instead of stdout')
    .addHelpText('after', `
The node must be past the takeover (a tap by the uplink's name): a live node, a snapshot, or the
predicted snapshot of \`npx hostnet plan calico-vpp --predicted-snapshot FILE\`. VPP's side comes from the
vppctl outputs in the snapshot or given with --input (vppctl-show-interface-address, ...-hardware-
interfaces, ...-ip-punt-redirect, ...-ip-fib), else from the plan or the configuration.

On a host without Calico/VPP the packet is sent by the host (--in host) or arrives on an interface
(--in IF, with --src): the trace checks the receiving device's size limit, reverse-path filtering
(rp_filter, from the collected sysctls, looking the source up through the policy rules as the kernel
does: from the packet's destination, iif lo, the mark only with src_valid_mark), local delivery or
forwarding, and the egress MTU. Forwarding and local delivery use the default rules (local, main).

Exit codes: 0 every traced packet arrives, 1 one is dropped, 2 could not evaluate.

Examples (any host):
  npx hostnet trace packet --snapshot examples/rp-filter-asymmetric/snapshot.json --in uplink1 --src 203.0.113.7 --dst 198.51.100.10
  npx hostnet trace packet --snapshot examples/mtu-black-hole/snapshot.json --in host --dst 10.10.0.2 --size 1500

Examples (seed 002):
  npx hostnet trace packet --snapshot examples/calico-vpp-healthy/snapshot.json --in uplink --src 192.168.0.2 --dst 192.168.0.1
  npx hostnet trace packet --snapshot examples/calico-vpp-healthy/snapshot.json --in pod:tun1 --src 10.0.0.1 --dst 192.168.0.1
  npx hostnet trace packet --snapshot examples/calico-vpp-broken/snapshot.json --in uplink --src 192.168.0.2 --dst 192.168.0.1`)
    .action(async (opts: TracePacketOpts) => {
      const ingress = parseIngress(opts.in);
      const { snapshot } = await loadHostInput(opts);
      const host = buildHost(snapshot);
      const req: TraceRequest = { dst: opts.dst, ingress, ...(opts.src ? { src: opts.src } : {}), ...(opts.size !== undefined ? { size: opts.size } : {}), ...(opts.mark !== undefined ? { mark: opts.mark } : {}) };
      const traces: PacketTrace[] = [];
      try {
        traces.push(tracePacket(host, req));
        const reply = opts.reply ? replyRequest(traces[0]!, { ...req, src: traces[0]!.src }) : null;
        if (reply) traces.push(tracePacket(host, reply));
      } catch (err) {
        if (err instanceof TraceSetupError) throw new InputError(err.message, opts.snapshot);
        throw err;
      }
      emit(opts.format === 'json' ? `${JSON.stringify(traces.length === 1 ? traces[0] : traces, null, 2)}\n` : traces.map((t, i) => renderPacketTrace(t, i === 0 ? 'packet' : 'reply')).join('\n'), opts.output);
      process.exitCode = traces.some((t) => t.verdict.kind === 'dropped') ? ExitCode.findings : ExitCode.ok;
    });
  return cmd;
}

export function renderPacketTrace(t: PacketTrace, label: string): string {
  const lines = [`${label}: ${t.src} → ${t.dst}, in ${t.ingress}${t.size !== undefined ? `, ${t.size} bytes (DF)` : ''}`];
  for (const s of t.steps) {
    const dead = t.verdict.kind === 'dropped' && t.verdict.step === s.n;
    lines.push(`  ${String(s.n).padStart(2)}. [${s.plane}] ${s.where}: ${s.what}${dead ? '   <-- DROPPED HERE' : ''}`);
    if (s.because) lines.push(`        (${s.because})`);
  }
  const v = t.verdict;
  lines.push(v.kind === 'delivered' ? `  => delivered to the ${v.where}`
    : v.kind === 'forwarded' ? `  => forwarded out ${v.where}${v.nextHop ? ` (next hop ${v.nextHop})` : ''}`
      : `  => dropped at step ${v.step} (${v.where}): ${v.reason}`);
  return `${lines.join('\n')}\n`;
}

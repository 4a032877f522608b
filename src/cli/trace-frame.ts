/** `hostnet trace frame`: one frame through one Linux bridge, each step with its reason. */
import { execFile } from 'node:child_process';
import { Command, Option } from 'commander';
import { ExitCode, InputError } from '../errors.js';
import { buildHost } from '../model/host.js';
import { LINK_DETAILS_ARGV, VLAN_TABLE_ARGV } from '../model/bridge/index.js';
import type { Snapshot } from '../snapshot/schema.js';
import { PROTOCOLS, renderFrameTrace, traceFrame, type PayloadSpec } from '../sim/frame.js';
import { familyOf } from '../net/ip.js';
import { addHostInputOptions, loadHostInput, type HostInputOptions } from './input.js';
import { parsePacketSize } from './options.js';
import { emit } from './output.js';

interface TraceFrameOpts extends HostInputOptions {
  bridge: string;
  in: string;
  dst?: string[];
  proto?: string[];
  src?: string;
  size?: number;
  payload?: 'ipv4' | 'ipv6' | 'arp';
  saddr?: string;
  daddr?: string;
  reply?: boolean;
  format: 'text' | 'json';
  output?: string;
}

export function traceFrameCommand(): Command {
  const cmd = new Command('frame').description('Trace one frame into a Linux bridge port: forwarded (to which ports), passed up (local) or dropped, and why');
  addHostInputOptions(cmd)
    .requiredOption('--bridge <name>', 'the bridge')
    .requiredOption('--in <port>', 'the port the frame arrives on')
    .option('--dst <mac...>', 'destination MAC address (several: one trace each)')
    .option('--proto <name...>', `a protocol instead of --dst (several: one trace each): ${Object.keys(PROTOCOLS).join(', ')}`)
    .option('--src <mac>', 'source MAC address (default 02:00:00:00:00:01)')
    .option('--size <bytes>', 'the frame carries an IP packet of this many bytes (DF): checked against the ports\' MTUs', parsePacketSize)
    .addOption(new Option('--payload <proto>', 'what the frame carries: it then also goes through the netfilter forward hooks (br_netfilter)').choices(['ipv4', 'ipv6', 'arp']))
    .option('--saddr <ip>', 'with --payload ipv4/ipv6: the source address (unknown when not given: a rule matching it "may match")')
    .option('--daddr <ip>', 'with --payload ipv4/ipv6: the destination address')
    .option('--reply', 'with --payload: the frame answers an earlier packet (conntrack state established, not new)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-o, --output <file>', 'write the trace here instead of stdout')
    .addHelpText('after', `
The forwarding database is treated as empty (unknown unicast floods). On a live host or --netns the
port flags and VLAN tables are read too (ip -d -j link show, bridge -j vlan show).

With several --dst/--proto values each frame is traced; --format json then prints an array.

With --payload the frame also goes through the forward hooks of netfilter, to each port it is sent to:
the bridge family's chains and, where br_netfilter and net.bridge.bridge-nf-call-ip(6)tables say so,
the IPv4/IPv6 FORWARD chains (iptables-nft and nft tables, read from nft -j list ruleset). The step
that drops it names the chain, rule or policy (docs/rules/bridge-netfilter-drops-bridged.md).

Exit codes: 0 every frame traced is forwarded, 1 a frame is passed up only (local) or dropped, 2 could
not evaluate (no such bridge or port, bad address).

Examples:
  npx hostnet trace frame --snapshot examples/lab-lacp/kvm-host-before.json --bridge t5_br9 --in vnet19 --proto lacp
  npx hostnet trace frame --snapshot examples/lab-lacp/kvm-host-before.json --bridge t5_br9 --in vnet19 --proto stp lacp lldp
  npx hostnet trace frame --snapshot examples/lab-lacp/kvm-host-after.json --bridge t5_br9 --in vnet19 --dst 01:80:c2:00:00:02 --format json
  npx hostnet trace frame --snapshot examples/mtu-black-hole/snapshot.json --bridge br-lab --in veth-r1 --dst 52:54:00:00:00:02 --size 9000
  npx hostnet trace frame --snapshot examples/lab-docker-forward/snapshot.json --bridge lab_br0 --in vnet3 --dst 52:54:00:00:00:07 --payload ipv4 --saddr 192.0.2.3 --daddr 192.0.2.7
  npx hostnet trace frame --snapshot examples/lab-docker-forward/snapshot.json --bridge lab_br0 --in vnet3 --proto broadcast --payload arp`)
    .action(async (opts: TraceFrameOpts) => {
      const { snapshot } = await loadHostInput(opts);
      const withDetails = opts.snapshot ? snapshot : await withBridgeDetails(snapshot, opts.netns);
      const host = buildHost(withDetails);
      const frames = [...(opts.dst ?? []).map((dst) => ({ dst })), ...(opts.proto ?? []).map((proto) => ({ proto }))];
      if (frames.length === 0) throw new InputError('give --dst MAC or --proto NAME', undefined, `protocols: ${Object.keys(PROTOCOLS).join(', ')}`);
      const payload = payloadOf(opts);
      const traces = frames.map((f) => traceFrame(host, { bridge: opts.bridge, ingress: opts.in, ...f, src: opts.src, payload, ...(opts.size !== undefined ? { size: opts.size } : {}) }));
      const json = traces.length === 1 ? traces[0] : traces;
      emit(opts.format === 'json' ? `${JSON.stringify(json, null, 2)}\n` : traces.map(renderFrameTrace).join('\n'), opts.output);
      // Like check: 1 says "look here", a frame that does not cross the bridge.
      process.exitCode = traces.every((t) => t.verdict === 'forwarded') ? ExitCode.ok : ExitCode.findings;
    });
  return cmd;
}

/** The --payload options as the trace takes them, the addresses checked against the family. */
function payloadOf(opts: TraceFrameOpts): PayloadSpec | undefined {
  if (!opts.payload) {
    if (opts.saddr || opts.daddr || opts.reply) throw new InputError('--saddr, --daddr and --reply go with --payload ipv4|ipv6|arp');
    return undefined;
  }
  const want = opts.payload === 'ipv4' ? 'inet' : opts.payload === 'ipv6' ? 'inet6' : null;
  for (const [flag, value] of [['--saddr', opts.saddr], ['--daddr', opts.daddr]] as const) {
    if (value === undefined) continue;
    if (want === null) throw new InputError(`${flag} goes with --payload ipv4 or ipv6, not arp`);
    if (familyOf(value) !== want) throw new InputError(`${flag} ${JSON.stringify(value)} is not an ${opts.payload === 'ipv4' ? 'IPv4' : 'IPv6'} address`);
  }
  return { proto: opts.payload, saddr: opts.saddr, daddr: opts.daddr, ctState: opts.reply ? 'established' : 'new' };
}

/** Adds the raw port flags and VLAN tables of a live host (or namespace) to its snapshot's commands. */
async function withBridgeDetails(snapshot: Snapshot, netns: string | undefined): Promise<Snapshot> {
  const commands = [...snapshot.commands];
  for (const argv of [LINK_DETAILS_ARGV, VLAN_TABLE_ARGV]) {
    const real = netns ? [argv[0]!, '-n', netns, ...argv.slice(1)] : argv;
    const stdout = await new Promise<string | null>((resolve) => {
      execFile(real[0]!, real.slice(1), { maxBuffer: 1 << 30 }, (err, out) => resolve(err ? null : out));
    });
    // A tool that is missing leaves the model with its stated defaults.
    if (stdout !== null) commands.push({ argv: [...argv], exitCode: 0, stdout });
  }
  return { ...snapshot, commands };
}

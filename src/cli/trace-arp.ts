/**
 * `hostnet trace arp`: an ARP request arriving on one or more interfaces (who answers, and at which
 * step one does not), or the sender address of the request the host sends for a packet leaving an
 * interface (arp_announce).
 */
import { Command, Option } from 'commander';
import { ExitCode, InputError } from '../errors.js';
import { arpAnswer, arpSender, type ArpAnnounce, type ArpAnswer } from '../model/arp/index.js';
import { neighbourIn, subnetsOf, subnetHolds } from '../model/arp/segment.js';
import { buildHost, type Host } from '../model/host.js';
import { isIPv4 } from '../net/ip.js';
import { addHostInputOptions, loadHostInput, type HostInputOptions } from './input.js';
import { emit } from './output.js';

interface TraceArpOpts extends HostInputOptions {
  in?: string[];
  target?: string;
  sender?: string;
  out?: string;
  src?: string;
  to?: string;
  format: 'text' | 'json';
  output?: string;
}

export function traceArpCommand(): Command {
  const cmd = new Command('arp').description('Trace an ARP request into this host (which interfaces answer, and why not) or the sender address of one it sends (arp_announce)');
  addHostInputOptions(cmd)
    .option('--in <if...>', 'the interface(s) a broadcast request arrives on (several: the interfaces of one segment, each traced)')
    .option('--target <ip>', 'with --in: the address asked for')
    .option('--sender <ip>', 'with --in: the asker\'s address; 0.0.0.0 for a duplicate address probe (default: a neighbour address in the --in interface\'s subnet that holds the target)')
    .option('--out <if>', 'the interface a packet leaves by (with --src and --to)')
    .option('--src <ip>', 'with --out: the packet\'s source address')
    .option('--to <ip>', 'with --out: the next hop whose MAC is asked for')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-o, --output <file>', 'write the trace here instead of stdout')
    .addHelpText('after', `
A request is followed as the kernel handles it (net/ipv4/arp.c arp_process): the target local or routed
elsewhere, the sender checked by rp_filter and accept_local, arp_ignore, arp_filter, proxy_arp for a
target routed elsewhere, probes from 0.0.0.0 (no route lookup). Each setting is shown as the kernel
combines all and the interface: arp_ignore, arp_announce and rp_filter the larger, arp_filter and
proxy_arp either. The model is held to the kernel by test/system/arp-matrix.test.ts.

Exit codes: --in: 0 exactly one of the interfaces answers, 1 none or several (ARP flux) do; --out: 0 the
request carries an address of the --out interface, 1 another interface's address or 0.0.0.0; 2 could
not evaluate (no such interface, a bad address).

Examples:
  npx hostnet trace arp --snapshot examples/arp-flux/snapshot.json --in eth0 eth1 --target 192.0.2.11
  npx hostnet trace arp --snapshot examples/arp-flux/snapshot.json --in eth0 --target 192.0.2.200 --sender 192.0.2.1
  npx hostnet trace arp --snapshot examples/arp-flux/snapshot.json --out eth0 --src 192.0.2.11 --to 192.0.2.1`)
    .action(async (opts: TraceArpOpts) => {
      checkOptions(opts);
      const { snapshot } = await loadHostInput(opts);
      const host = buildHost(snapshot);
      if (opts.out) {
        const trace = traceAnnounce(host, opts);
        emit(opts.format === 'json' ? `${JSON.stringify(trace, null, 2)}\n` : renderAnnounce(trace), opts.output);
        process.exitCode = trace.own ? ExitCode.ok : ExitCode.findings;
        return;
      }
      const answers = traceRequest(host, opts);
      const answeredBy = answers.filter((a) => a.answers === true).map((a) => ({ interface: a.interface, mac: a.mac }));
      emit(opts.format === 'json' ? `${JSON.stringify({ answers, answeredBy }, null, 2)}\n` : renderAnswers(answers), opts.output);
      process.exitCode = answeredBy.length === 1 ? ExitCode.ok : ExitCode.findings;
    });
  return cmd;
}

function checkOptions(opts: TraceArpOpts): void {
  const request = opts.in !== undefined;
  const announce = opts.out !== undefined;
  if (request === announce) throw new InputError('give either --in IF --target IP (a request arriving) or --out IF --src IP --to IP (a request sent)');
  if (request && !opts.target) throw new InputError('--in needs --target IP: the address asked for');
  if (announce && (!opts.src || !opts.to)) throw new InputError('--out needs --src IP (the packet\'s source) and --to IP (the next hop asked for)');
  if (request && (opts.src || opts.to)) throw new InputError('--src and --to go with --out, not --in');
  if (announce && (opts.target || opts.sender)) throw new InputError('--target and --sender go with --in, not --out');
  for (const [flag, value] of [['--target', opts.target], ['--sender', opts.sender], ['--src', opts.src], ['--to', opts.to]] as const) {
    if (value !== undefined && !isIPv4(value)) throw new InputError(`${flag} ${JSON.stringify(value)} is not an IPv4 address (ARP is IPv4 only)`);
  }
}

function requireInterface(host: Host, name: string, flag: string): void {
  if (!host.interface(name)) {
    throw new InputError(`${flag} ${name}: no such interface`, name, `interfaces: ${host.interfaces.map((i) => i.name).join(', ')}`);
  }
}

function traceRequest(host: Host, opts: TraceArpOpts): ArpAnswer[] {
  const target = opts.target!;
  for (const name of opts.in!) requireInterface(host, name, '--in');
  return opts.in!.map((iface) => arpAnswer(host, { iface, target, sender: opts.sender ?? defaultSender(host, iface, target) }));
}

/** A neighbour of the interface's subnet that holds the target, else of its first subnet. */
function defaultSender(host: Host, iface: string, target: string): string {
  const subnets = subnetsOf(host.interface(iface)!);
  const subnet = subnets.find((s) => subnetHolds(s, target)) ?? subnets[0];
  const sender = subnet ? neighbourIn(host, subnet) : null;
  if (!sender) throw new InputError(`${iface} has no IPv4 subnet to pick an asker from: give --sender IP`, iface);
  return sender;
}

function traceAnnounce(host: Host, opts: TraceArpOpts): ArpAnnounce {
  requireInterface(host, opts.out!, '--out');
  return arpSender(host, { device: opts.out!, src: opts.src!, target: opts.to! });
}

export function renderAnswers(answers: ArpAnswer[]): string {
  const lines: string[] = [];
  for (const a of answers) {
    lines.push(`on ${a.interface}:`);
    for (const s of a.steps) lines.push(`  ${String(s.n).padStart(2)}. ${s.what}${a.stoppedAt === s.n ? '   <-- NOT ANSWERED HERE' : ''}`);
    lines.push(a.answers === true ? `  => ${a.interface} answers with ${a.mac ?? '?'}${a.path === 'proxy' ? ' (proxy ARP)' : ''}`
      : a.answers === false ? `  => no answer from ${a.interface} (step ${a.stoppedAt})` : `  => unknown: the snapshot lacks a setting`);
  }
  const by = answers.filter((a) => a.answers === true);
  if (answers.length > 1) {
    lines.push(by.length === 0 ? 'answered by: nobody'
      : `answered by: ${by.map((a) => `${a.interface} (${a.mac ?? '?'})`).join(', ')}${by.length > 1 ? ': several MACs for one address (ARP flux), the last reply wins' : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderAnnounce(a: ArpAnnounce): string {
  const lines = [`out ${a.device}:`, ...a.steps.map((s) => `  ${String(s.n).padStart(2)}. ${s.what}`)];
  lines.push(a.sender === null ? '  => unknown: the snapshot has no arp_announce'
    : `  => who-has ${a.target} tell ${a.sender}${a.own ? '' : a.sender === '0.0.0.0' ? ' (no address to give)' : `: not an address of ${a.device}, so neighbours learn ${a.sender} at ${a.device}'s MAC`}`);
  return `${lines.join('\n')}\n`;
}

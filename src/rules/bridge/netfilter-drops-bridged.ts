/**
 * bridge/netfilter-drops-bridged: IP between two ports of a Linux bridge (lab VMs, namespaces) is
 * dropped by a FORWARD chain because br_netfilter hands bridged frames to iptables/ip6tables, typically
 * Docker's FORWARD policy DROP. ARP, which those hooks do not see, still passes: neighbours resolve and
 * nothing else gets through. Each bridge's traffic is run through the netfilter model (src/model/netfilter).
 */
import type { Host } from '../../model/host.js';
import { bridgeNfOf, filterBridged, rulesetOf, type BridgedOutcome, type BridgedPacket, type BridgeNf, type Ruleset } from '../../model/netfilter/index.js';
import type { Evidence, Finding, Fix, Rule } from '../types.js';

const ID = 'bridge/netfilter-drops-bridged';
const TESTED_BY = 'test/system/netfilter-bridged.test.ts';

/** Docker's own bridges: Docker writes their accept rules itself. */
const DOCKER_BRIDGE = /^(docker0|br-[0-9a-f]{12})$/;

type Proto = 'ipv4' | 'ipv6';

interface Blocked {
  proto: Proto;
  outcome: BridgedOutcome;
  /** The first packet (new) or the answer (established) that is dropped. */
  direction: 'request' | 'reply';
}

export const netfilterDropsBridged: Rule = {
  meta: {
    id: ID,
    title: 'IP between the ports of a bridge is dropped by iptables/nftables through br_netfilter (ARP still passes)',
    severity: 'error',
    references: [
      'reference/field-traps.md section 3 (moby/moby #48365, #39439; seapath/ansible #909; srl-labs/containerlab #2389)',
      'net/bridge/br_netfilter_hooks.c (bridge-nf-call-iptables, bridge priority NF_BR_PRI_BRNF)',
      'docs/rules/bridge-netfilter-drops-bridged.md',
    ],
  },
  check(host: Host): Finding[] {
    const { ruleset } = rulesetOf(host);
    const nf = bridgeNfOf(host);
    if (!ruleset || nf.present === false) return [];
    const findings: Finding[] = [];
    for (const br of host.interfaces.filter((i) => i.bridge && !DOCKER_BRIDGE.test(i.name))) {
      const ports = host.ports(br.name).map((p) => p.name).sort();
      if (ports.length < 2) continue;
      const blocked = blockedOn(ruleset, nf, br.name, ports[0]!, ports[1]!);
      if (blocked.length > 0) findings.push(finding(host, ruleset, nf, br.name, ports, blocked));
    }
    return findings;
  },
};

function packet(proto: Proto | 'arp', bridge: string, from: string, to: string, ctState: BridgedPacket['ctState']): BridgedPacket {
  return { proto, bridge, inPort: from, outPort: to, saddr: null, daddr: null, l4proto: proto === 'arp' ? null : proto === 'ipv6' ? 'ipv6-icmp' : 'icmp', ctState };
}

/** Each family whose first packet or answer between the two ports is dropped for certain. */
function blockedOn(ruleset: Ruleset, nf: BridgeNf, bridge: string, a: string, b: string): Blocked[] {
  const out: Blocked[] = [];
  for (const proto of ['ipv4', 'ipv6'] as const) {
    const request = filterBridged(ruleset, nf, packet(proto, bridge, a, b, 'new'));
    const reply = filterBridged(ruleset, nf, packet(proto, bridge, b, a, 'established'));
    if (request.verdict === 'drop') out.push({ proto, outcome: request, direction: 'request' });
    else if (reply.verdict === 'drop') out.push({ proto, outcome: reply, direction: 'reply' });
  }
  return out;
}

function finding(host: Host, ruleset: Ruleset, nf: BridgeNf, bridge: string, ports: string[], blocked: Blocked[]): Finding {
  const arp = filterBridged(ruleset, nf, packet('arp', bridge, ports[0]!, ports[1]!, 'new'));
  const families = blocked.map((b) => (b.proto === 'ipv4' ? 'IPv4' : 'IPv6')).join(' and ');
  const uncertain = blocked.flatMap((b) => b.outcome.uncertain);
  const evidence: Evidence[] = [
    ...blocked.map((b) => ({
      message: `${b.proto === 'ipv4' ? 'IPv4' : 'IPv6'} ${b.direction === 'request' ? `from ${ports[0]} to ${ports[1]}` : `answer from ${ports[1]} to ${ports[0]}`} is dropped by ${b.outcome.droppedBy}`,
      interface: bridge,
      field: `net.bridge.bridge-nf-call-${b.proto === 'ipv4' ? 'iptables' : 'ip6tables'}`,
      value: nf[b.proto === 'ipv4' ? 'iptables' : 'ip6tables'] === null ? 'not recorded (1 while br_netfilter is loaded)' : '1',
    })),
    { message: `ARP between the same ports is ${arp.verdict === 'accept' ? 'accepted: neighbours resolve, so the link looks up while IP dies' : `dropped by ${arp.droppedBy}`}`, interface: bridge },
    ...uncertain.map((u) => ({ message: `not decided by the model: ${u}` })),
  ];
  return {
    ruleId: ID,
    severity: uncertain.length ? 'warning' : 'error',
    interface: bridge,
    message: `${families} between the ports of ${bridge} (${ports.join(', ')}) ${blocked.length > 1 ? 'are' : 'is'}${uncertain.length ? ' probably' : ''} dropped by netfilter: br_netfilter passes bridged frames through FORWARD, where ` +
      `${[...new Set(blocked.map((b) => b.outcome.droppedBy))].join(' and ')} ${new Set(blocked.map((b) => b.outcome.droppedBy)).size > 1 ? 'drop' : 'drops'} them${arp.verdict === 'accept' ? '; ARP still passes' : ''}`,
    evidence,
    fixes: fixes(host, ruleset, nf, bridge, ports, blocked),
  };
}

function fixes(host: Host, ruleset: Ruleset, nf: BridgeNf, bridge: string, ports: string[], blocked: Blocked[]): Fix[] {
  const netns = host.snapshot.scope.netns;
  const inNs = (cmd: string) => (netns ? `ip netns exec ${netns} ${cmd}` : cmd);
  const clears = (r: Ruleset, n: BridgeNf) => blockedOn(r, n, bridge, ports[0]!, ports[1]!).length === 0;
  const out: Fix[] = [];

  // An accept for bridge-to-bridge traffic at the top of DOCKER-USER (Docker keeps that chain's rules), or FORWARD.
  let patched = ruleset;
  const accept: string[] = [];
  // Legacy tables that hold something: then plain `iptables` is ambiguous and each command names its backend.
  const hasLegacy = ruleset.chains.some((c) => c.backend === 'legacy' && (c.rules.length > 0 || c.policy === 'drop'));
  for (const b of blocked) {
    const family = b.proto === 'ipv4' ? 'ip' : 'ip6';
    // The accept goes to the filter table of the backend whose FORWARD dropped it; if the other backend
    // then drops it too (both run on the hook), there as well.
    for (let round = 0; round < 2; round++) {
      const dropped = blockedOn(patched, nf, bridge, ports[0]!, ports[1]!).find((x) => x.proto === b.proto)?.outcome.droppedIn;
      if (!dropped || dropped.family !== family || dropped.table !== 'filter') break;
      const filter = ruleset.chains.filter((c) => c.family === family && c.table === 'filter' && c.backend === dropped.backend);
      const chain = filter.some((c) => c.name === 'DOCKER-USER') ? 'DOCKER-USER' : 'FORWARD';
      patched = withBridgeAccept(patched, family, chain, bridge, dropped.backend);
      accept.push(inNs(`${iptablesCommand(family, dropped.backend, hasLegacy)} -I ${chain} -i ${bridge} -o ${bridge} -j ACCEPT`));
    }
  }
  if (clears(patched, nf)) {
    out.push({
      title: 'Accept what enters and leaves by the same bridge, at the top of DOCKER-USER (FORWARD where there is no Docker): Docker\'s and a Kubernetes node\'s own rules stay as they are',
      files: [],
      commands: [...accept, '# keep it across reboots and Docker restarts: save it with the firewall (netfilter-persistent save), or run it from a unit ordered after docker.service'],
      testedBy: { detail: 'applied for real to every generated ruleset that drops the bridge; the pings then pass', test: TESTED_BY },
    });
  }

  // br_netfilter off for the blocked families, in the bridge's namespace only.
  const off: BridgeNf = { ...nf };
  const sysctls: string[] = [];
  for (const b of blocked) {
    const name = b.proto === 'ipv4' ? 'iptables' : 'ip6tables';
    off[name] = false;
    sysctls.push(`net.bridge.bridge-nf-call-${name}=0`);
  }
  if (clears(ruleset, off)) {
    out.push({
      title: netns
        ? `Or stop br_netfilter for this bridge's namespace (${netns}): the sysctl is per namespace, so the node's own namespace keeps it at 1 for kube-proxy and the CNI`
        : 'Or, if this bridge can live in a namespace of its own (a lab namespace), set the sysctl to 0 there: it is per namespace; in the node\'s own namespace kube-proxy and the CNI need it at 1',
      files: [],
      commands: netns ? [inNs(`sysctl -w ${sysctls.join(' ')}`)] : [`ip netns exec LAB_NAMESPACE sysctl -w ${sysctls.join(' ')}   # the namespace that holds ${bridge}`],
      ...(netns ? { testedBy: { detail: 'set to 0 for real in the bridge\'s namespace of every generated case that drops it; the pings then pass', test: TESTED_BY } } : {}),
    });
  }
  return out;
}

/** The ruleset with `iifname BR oifname BR accept` first in one chain, as `iptables -I CHAIN -i BR -o BR -j ACCEPT` writes it. */
function withBridgeAccept(ruleset: Ruleset, family: 'ip' | 'ip6', chain: string, bridge: string, backend: 'legacy' | undefined): Ruleset {
  const rule = { handle: null, comment: null, expr: [
    { match: { op: '==', left: { meta: { key: 'iifname' } }, right: bridge } },
    { match: { op: '==', left: { meta: { key: 'oifname' } }, right: bridge } },
    { accept: null },
  ] };
  return { ...ruleset, chains: ruleset.chains.map((c) => (c.family === family && c.table === 'filter' && c.name === chain && c.backend === backend ? { ...c, rules: [rule, ...c.rules] } : c)) };
}

/**
 * The command that writes to a backend: `iptables` for nftables' tables on a host with no legacy ones
 * (iptables-nft is what Debian, RHEL and Ubuntu install as iptables), the explicit -legacy or -nft name
 * where both backends hold rules, since plain `iptables` writes to only one of them.
 */
function iptablesCommand(family: 'ip' | 'ip6', backend: 'legacy' | undefined, hasLegacy: boolean): string {
  const base = family === 'ip' ? 'iptables' : 'ip6tables';
  if (backend === 'legacy') return `${base}-legacy`;
  return hasLegacy ? `${base}-nft` : base;
}

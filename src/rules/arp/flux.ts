/**
 * arp/flux: two or more interfaces of the host on one segment (their IPv4 subnets overlap) answer ARP
 * for each other's addresses, or announce each other's addresses as the sender of their own requests:
 * neighbours learn an address at the wrong interface's MAC, and which one wins changes with every reply.
 */
import { arpAnswer, arpSender, ifaddrs } from '../../model/arp/index.js';
import { neighbourIn, sharedSegments, subnetsOf, subnetHolds, type Subnet } from '../../model/arp/segment.js';
import type { Host } from '../../model/host.js';
import { maxConf, orConf } from '../../model/sysctl.js';
import type { Evidence, Finding, Rule } from '../types.js';
import { describeSettings, ownAddressesOnly, sysctlFix, withSharedFile } from './sysctl-fix.js';

const ID = 'arp/flux';

export const arpFlux: Rule = {
  meta: {
    id: ID,
    title: 'Interfaces on one segment answer ARP for each other\'s addresses or announce them (ARP flux)',
    severity: 'warning',
    references: [
      'reference/field-traps.md section 9 (metallb/metallb #597, kubernetes/kubernetes #59976, metallb #153, kube-router #561)',
      'Documentation/networking/ip-sysctl.rst: arp_ignore, arp_announce, arp_filter',
      'net/ipv4/arp.c arp_process, arp_ignore, arp_solicit',
      'docs/rules/arp-flux.md',
    ],
  },
  check(host: Host): Finding[] {
    const findings = sharedSegments(host).flatMap((segment) => {
      const finding = segmentFinding(host, segment.interfaces, segment.subnets);
      return finding ? [finding] : [];
    });
    return withSharedFile(findings, '/etc/sysctl.d/90-hostnet-arp-flux.conf', 'interfaces that share a segment answer and announce only their own addresses (arp/flux).');
  },
};

interface Cross { kind: 'answers' | 'announces'; by: string; address: string; owner: string; detail: string }

/** Each interface asked for each other interface's addresses by a neighbour of their shared subnet; each sending from them. */
function crossings(host: Host, names: string[], subnets: Subnet[]): Cross[] {
  const out: Cross[] = [];
  for (const owner of names) {
    for (const a of ifaddrs(host.interface(owner)).filter((x) => x.scope < 254)) {
      for (const by of names.filter((n) => n !== owner)) {
        const shared = subnets.find((s) => s.iface === by && subnetHolds(s, a.local));
        const neighbour = shared ? neighbourIn(host, shared) : null;
        if (!neighbour) continue;
        const answer = arpAnswer(host, { iface: by, target: a.local, sender: neighbour });
        if (answer.answers === true) out.push({ kind: 'answers', by, address: a.local, owner, detail: `a request from ${neighbour} for ${a.local} (${owner}'s) arriving on ${by} is answered with ${by}'s MAC ${answer.mac ?? '?'}` });
        const sent = arpSender(host, { device: by, src: a.local, target: neighbour });
        if (sent.sender === a.local) out.push({ kind: 'announces', by, address: a.local, owner, detail: `a packet from ${a.local} (${owner}'s) that leaves ${by} for ${neighbour} asks for it as ${a.local} at ${by}'s MAC` });
      }
    }
  }
  return out;
}

function segmentFinding(host: Host, names: string[], subnets: Subnet[]): Finding | null {
  const found = crossings(host, names, subnets);
  if (found.length === 0) return null;
  const involved = [...new Set(found.flatMap((c) => [c.by, c.owner]))].sort();
  const answers = found.filter((c) => c.kind === 'answers');
  const announces = found.filter((c) => c.kind === 'announces');
  const what = [
    answers.length ? `answer ARP for each other's addresses (${answers.map((c) => `${c.by} for ${c.address}`).join(', ')})` : null,
    announces.length ? `announce each other's addresses in their own requests (${announces.map((c) => `${c.by} with ${c.address}`).join(', ')})` : null,
  ].filter(Boolean).join(' and ');
  const settings = { ...ownAddressesOnly(host, involved, 'arp_ignore'), ...ownAddressesOnly(host, involved, 'arp_announce') };
  const fix = sysctlFix(host,
    `${describeSettings(settings)}: each interface answers only for its own addresses and announces only its own`,
    settings,
    'two or three veths of a namespace on one bridge with overlapping subnets: every reply the kernel sends and every request sender is compared with the model; with the fix\'s sysctls each interface answers only for its own addresses',
  );
  return {
    ruleId: ID,
    severity: 'warning',
    interface: involved[0]!,
    message: `${names.join(', ')} share a segment (overlapping IPv4 subnets: ${subnetText(host, names)}) and ${what}: neighbours map addresses to the wrong interface's MAC, and the mapping flips with every reply (ARP flux). Alternative: arp_filter 1 with one policy-routing table per interface, so each answers only where its route back leaves`,
    evidence: [...evidenceFor(host, involved), ...found.slice(0, 8).map((c): Evidence => ({ message: c.detail, interface: c.by, field: 'addresses', value: c.address }))],
    fixes: [fix],
  };
}

function subnetText(host: Host, names: string[]): string {
  return names.map((n) => `${n} ${subnetsOf(host.interface(n)!).map((s) => `${s.address}/${s.prefixlen}`).join(' ')}`).join('; ');
}

/** Each interface's MAC and addresses, and the effective ARP settings with where each part comes from. */
export function evidenceFor(host: Host, names: string[]): Evidence[] {
  return names.flatMap((name): Evidence[] => {
    const iface = host.interface(name);
    const ignore = maxConf(host, name, 'arp_ignore');
    const announce = maxConf(host, name, 'arp_announce');
    const filter = orConf(host, name, 'arp_filter');
    return [
      { message: `${name}: MAC ${iface?.mac ?? '?'}, addresses ${ifaddrs(iface).map((a) => `${a.local}/${a.prefixlen}`).join(' ') || 'none'}`, interface: name, field: 'addresses' },
      { message: `${name}: arp_ignore ${ignore.value ?? '?'} = max(${ignore.names[0]} ${ignore.all ?? '?'}, ${ignore.names[1]} ${ignore.own ?? '?'}); arp_announce ${announce.value ?? '?'} = max(all ${announce.all ?? '?'}, ${name} ${announce.own ?? '?'}); arp_filter ${filter === null ? '?' : filter ? 1 : 0}`,
        interface: name, field: 'sysctls', value: `${ignore.names[1]}=${ignore.own ?? '?'}` },
    ];
  });
}

/**
 * arp/ipvs-without-strict-arp: kube-proxy in IPVS mode puts every Service and LoadBalancer address on
 * kube-ipvs0; where one of them lies in the on-link subnet of an interface that answers ARP for any
 * local address (arp_ignore 0, or 3 for these scope-global addresses), the node answers ARP for the
 * Service address on the LAN, against MetalLB's (or kube-vip's) speaker: the address flips between nodes.
 */
import { arpAnswer, arpSender, ifaddrs } from '../../model/arp/index.js';
import { arpCapable, neighbourIn, subnetsOf, subnetHolds } from '../../model/arp/segment.js';
import { buildHost, type Host } from '../../model/host.js';
import { confName } from '../../model/sysctl.js';
import { applyFix } from '../apply.js';
import type { Finding, Fix, Rule } from '../types.js';
import { evidenceFor } from './flux.js';
import { describeSettings, ownAddressesOnly, sysctlFix, withSharedFile } from './sysctl-fix.js';
import { unansweredInterfaces } from './unnumbered-unanswered.js';

const ID = 'arp/ipvs-without-strict-arp';
const IPVS_DEVICE = 'kube-ipvs0';

export const ipvsWithoutStrictArp: Rule = {
  meta: {
    id: ID,
    title: 'The node answers ARP on the LAN for Service addresses on kube-ipvs0 (kube-proxy IPVS without strictARP)',
    severity: 'error',
    references: [
      'reference/field-traps.md section 9 (kubernetes/kubernetes #59976, metallb/metallb #153, kubermatic #7309)',
      'MetalLB installation: "If you\'re using kube-proxy in IPVS mode ... you have to enable strict ARP mode"',
      'kube-proxy KubeProxyIPVSConfiguration.strictARP (sets arp_ignore=1 and arp_announce=2 on all)',
      'docs/rules/arp-ipvs-without-strict-arp.md',
    ],
  },
  check(host: Host): Finding[] {
    const out = answering(host).map(({ name, vips }) => finding(host, name, vips));
    return withSharedFile(out, '/etc/sysctl.d/90-hostnet-arp-ipvs.conf', 'do not answer ARP on the LAN for the Service addresses on kube-ipvs0 (arp/ipvs-without-strict-arp).');
  },
};

/** Interfaces that answer a neighbour of their subnet for a kube-ipvs0 address inside it, with those addresses. */
function answering(host: Host): { name: string; vips: string[] }[] {
  const vips = ifaddrs(host.interface(IPVS_DEVICE)).map((a) => a.local);
  if (vips.length === 0) return [];
  return host.interfaces.filter((i) => arpCapable(i) && i.name !== IPVS_DEVICE).flatMap((iface) => {
    const answered = vips.filter((vip) => {
      const subnet = subnetsOf(iface).find((s) => subnetHolds(s, vip));
      const neighbour = subnet ? neighbourIn(host, subnet) : null;
      return neighbour !== null && arpAnswer(host, { iface: iface.name, target: vip, sender: neighbour }).answers === true;
    });
    return answered.length > 0 ? [{ name: iface.name, vips: answered }] : [];
  });
}

function finding(host: Host, name: string, vips: string[]): Finding {
  const neighbour = neighbourIn(host, subnetsOf(host.interface(name)!).find((s) => subnetHolds(s, vips[0]!))!)!;
  const announced = arpSender(host, { device: name, src: vips[0]!, target: neighbour }).sender === vips[0];
  return {
    ruleId: ID,
    severity: 'error',
    interface: name,
    message: `${IPVS_DEVICE} holds ${vips.join(', ')}, inside ${name}'s subnet, and ${name} answers ARP for them with its own MAC${announced ? ` (and announces ${vips[0]} as the sender of its requests)` : ''}: every IPVS node claims the Service addresses on the LAN, against MetalLB's speaker`,
    evidence: [
      { message: `${IPVS_DEVICE} addresses: ${vips.join(', ')}`, interface: IPVS_DEVICE, field: 'addresses' },
      ...evidenceFor(host, [name]),
    ],
    fixes: [fixFor(host, name)],
  };
}

/**
 * strictARP (all.arp_ignore=1, all.arp_announce=2) unless that would leave an unnumbered interface's
 * neighbours unanswered (the opposite trap: the interface's own value cannot undo all's); then the same
 * values on the answering interface only.
 */
function fixFor(host: Host, name: string): Fix {
  const global = { [confName('ipv4', 'all', 'arp_ignore')]: '1', [confName('ipv4', 'all', 'arp_announce')]: '2' };
  const strict = buildHost(applyFix(host.snapshot, { files: [], sysctls: global }));
  const breaks = unansweredInterfaces(strict).map((u) => u.name).filter((n) => !unansweredInterfaces(host).some((u) => u.name === n));
  // An interface's own arp_ignore of 4-7 (answers as 0) outweighs all's 1: strictARP alone does not help it.
  const stillAnswers = answering(strict).some((a) => a.name === name);
  const tested = 'an address on a kube-ipvs0 stand-in (a port-less bridge; this kernel has no dummy module) inside a veth\'s subnet is answered on the veth, and with the fix\'s sysctls it is not';
  if (breaks.length === 0 && !stillAnswers) {
    return sysctlFix(host, 'kube-proxy strictARP: true (it sets all.arp_ignore=1 and all.arp_announce=2); the sysctls now, until kube-proxy restarts',
      global, tested,
      ['kubectl -n kube-system get configmap kube-proxy -o yaml | sed -e "s/strictARP: false/strictARP: true/" | kubectl apply -f -',
        'kubectl -n kube-system rollout restart daemonset kube-proxy']);
  }
  const why = breaks.length > 0 ? `strictARP would set them on all and leave ${breaks.join(', ')} unanswered (arp/unnumbered-unanswered)` : `${name}'s own arp_ignore outweighs what strictARP sets on all`;
  const settings = { ...ownAddressesOnly(host, [name], 'arp_ignore'), ...ownAddressesOnly(host, [name], 'arp_announce') };
  return sysctlFix(host, `${describeSettings(settings)} only: ${why}`, settings, tested);
}

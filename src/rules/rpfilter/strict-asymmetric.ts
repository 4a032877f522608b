/**
 * rpfilter/strict-asymmetric: strict reverse-path filtering on an interface the host also routes
 * through, while the best route for the same destinations leaves by another interface: every packet
 * from those destinations that arrives on it is dropped, silently. A second uplink, a secondary ENI, a
 * shim for a NAD, the VPP tap with pod routes.
 */
import { describeRoute, describeRule } from '../../model/fib.js';
import type { Host } from '../../model/host.js';
import { checkReversePath } from '../../model/rpfilter/index.js';
import { confName } from '../../model/sysctl.js';
import type { Route } from '../../snapshot/schema.js';
import type { Finding, Rule } from '../types.js';

const ID = 'rpfilter/strict-asymmetric';

export const strictAsymmetric: Rule = {
  meta: {
    id: ID,
    title: 'Strict rp_filter drops what arrives on an interface the best route back does not use',
    severity: 'error',
    references: [
      'Documentation/networking/ip-sysctl.rst: rp_filter (the larger of conf/all and conf/IF is used)',
      'net/ipv4/fib_frontend.c fib_validate_source',
      'systemd 50-default.conf: net.ipv4.conf.*.rp_filter',
    ],
  },
  check(host: Host): Finding[] {
    const findings: Finding[] = [];
    for (const route of host.routes) {
      const finding = routeFinding(host, route);
      if (finding && !findings.some((f) => f.interface === finding.interface)) findings.push(finding);
    }
    return findings;
  },
};

/** An address inside a route's destination that stands for it: the network address, or one for default. */
function probeFor(route: Route): string {
  if (route.dst === 'default') return '0.0.0.1';
  return route.dst.split('/')[0]!;
}

function routeFinding(host: Host, route: Route): Finding | null {
  if (route.family !== 'inet' || route.type !== 'unicast' || !route.dev || !route.gateway || !['main', '254'].includes(route.table)) return null;
  const iif = route.dev;
  const probe = probeFor(route);
  // Packets addressed to the interface's own address: a "from ADDRESS lookup N" rule (source routing, a
  // secondary ENI) sends the lookup back to a table of its own.
  const local = host.interface(iif)?.addresses.find((a) => a.family === 'inet')?.local;
  const decision = checkReversePath(host, iif, probe, local ? { dst: local } : {});
  const best = decision.reverse;
  if (!best || best.dev === iif) return null;
  if (decision.passes !== false || decision.setting.value !== 1) return null;
  const names = decision.setting.names;
  const file = '/etc/sysctl.d/90-hostnet-rp-filter.conf';
  const key = confName('ipv4', iif, 'rp_filter');
  return {
    ruleId: ID,
    severity: 'error',
    interface: iif,
    message: `${iif} has a route for ${route.dst} (${describeRoute(route)}) but the best route for it leaves by ${best.dev ?? '?'} (${describeRoute(best)}), and rp_filter on ${iif} is strict: packets from ${route.dst === 'default' ? 'anywhere off-link' : route.dst} arriving on ${iif} are dropped, silently`,
    evidence: [
      { message: `${names[0]} = ${decision.setting.all}`, field: 'sysctls', value: `${names[0]}=${decision.setting.all}` },
      { message: `${names[1]} = ${decision.setting.own}`, interface: iif, field: 'sysctls', value: `${names[1]}=${decision.setting.own}` },
      { message: `route ${describeRoute(route)}`, interface: iif, field: 'routes', value: describeRoute(route) },
      { message: `best route: ${describeRoute(best)}`, interface: best.dev ?? undefined, field: 'routes', value: describeRoute(best) },
      ...(decision.rule && decision.rule.priority !== 32766 ? [{ message: `chosen by policy rule ${describeRule(decision.rule)}${local ? ` for packets to ${local}` : ''}`, field: 'rules', value: describeRule(decision.rule) }] : []),
    ],
    fixes: [{
      title: `Loose reverse-path filtering on ${iif} (2): a packet is taken when any route leads back to its source`,
      files: [{ path: file, content: `# Written by hostnet: ${iif} receives traffic its best return route does not use.\n${key} = 2\n` }],
      sysctls: { [key]: '2' },
      commands: [`sysctl -w ${key}=2`],
      verifyBy: ['declared-state'],
      testedBy: { detail: 'in a namespace with two uplinks and a strict rp_filter, pings arriving on the second are counted dropped (IPReversePathFilter) and, after the fix\'s sysctl, delivered', test: 'test/system/rpfilter-matrix.test.ts' },
    }],
  };
}

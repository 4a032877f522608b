// The tunnel model's arithmetic and decisions for the kinds this test kernel lacks (modelled from the
// kernel source), the underlay lookup, the no-false-positive cases of mtu/tunnel-overhead (Cilium's
// route mtu), and the example from the CLI. vxlan itself is held to the real kernel by
// test/system/tunnel-mtu-matrix.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildHost } from '../../src/model/host.js';
import { crossTunnel, overheadOf, TUNNEL_KINDS, tunnelOf, tunnels, type DfMode, type Family, type TunnelKind } from '../../src/model/mtu/tunnel.js';
import { runChecks } from '../../src/rules/engine.js';
import { ALL_RULES } from '../../src/rules/index.js';
import type { Interface, Route } from '../../src/snapshot/schema.js';
import { traceFrame } from '../../src/sim/frame.js';
import { hostnet } from '../helpers/system.js';
import { bridge, iface, port, snapshot } from './bridge-lab-helpers.js';

const route = (dst: string, dev: string, over: Partial<Route> = {}): Route => ({
  family: dst.includes(':') ? 'inet6' : 'inet', table: 'main', type: 'unicast', dst, gateway: null, dev, protocol: null, scope: null, metric: null, prefsrc: null, mtu: null, ...over,
});

function node(tunnel: Partial<Interface>, extra: { interfaces?: Interface[]; routes?: Route[]; underlay?: number } = {}) {
  const eth0 = iface('eth0', 2, { mtu: extra.underlay ?? 1450, addresses: [{ family: 'inet', local: '10.0.0.11', prefixlen: 24, scope: 'global', peer: null }] });
  const tun = iface(tunnel.name ?? 'tun0', 3, { mtu: 1500, ...tunnel });
  const snap = snapshot([eth0, tun, ...(extra.interfaces ?? [])]);
  snap.routes = [route('default', 'eth0', { gateway: '10.0.0.1' }), route('default', 'eth0', { family: 'inet6', gateway: 'fe80::1' }), route('10.0.0.0/24', 'eth0'), ...(extra.routes ?? [])];
  return buildHost(snap);
}

test('overheads per kind and underlay family, as the kernel counts its headroom', () => {
  const cases: [TunnelKind, Family, Record<string, unknown>, number][] = [
    ['vxlan', 'inet', {}, 50], ['vxlan', 'inet6', {}, 70], ['vxlan', 'inet', { gpe: true }, 36],
    ['geneve', 'inet', {}, 50], ['geneve', 'inet6', {}, 70],
    ['ipip', 'inet', {}, 20], ['sit', 'inet', {}, 20],
    ['gre', 'inet', {}, 24], ['gre', 'inet', { okey: '0.0.0.1', oseq: true, ocsum: true }, 36], ['gretap', 'inet', {}, 38],
    ['ip6gre', 'inet6', {}, 44], ['ip6gretap', 'inet6', { okey: '0.0.0.9' }, 62],
    ['ip6tnl', 'inet6', {}, 48], ['ip6tnl', 'inet6', { encap_limit: 'none' }, 40],
    ['wireguard', 'inet', {}, 60], ['wireguard', 'inet6', {}, 80],
  ];
  for (const [kind, family, data, bytes] of cases) assert.equal(overheadOf(kind, family, data).bytes, bytes, `${kind} ${family} ${JSON.stringify(data)}`);
  assert.equal(overheadOf('geneve', 'inet').exact, false);
});

test('the underlay: the route to the remote, else the bound dev, else the local address\'s device, else the default route', () => {
  const viaRemote = node({ kind: 'vxlan', kindData: { remote: '10.0.0.12', df: 'set' } }, { routes: [route('10.0.0.12', 'eth0', { mtu: 1400 })] });
  const t = tunnels(viaRemote)[0]!;
  assert.deepEqual([t.underlay?.device, t.underlay?.mtu, t.carries, t.df], ['eth0', 1400, 1350, 'set']);
  const byLocal = tunnelOf(node({ kind: 'vxlan', kindData: { local: '10.0.0.11' } }), iface('tun0', 3, { kind: 'vxlan', kindData: { local: '10.0.0.11' } }));
  assert.match(byLocal.underlay!.how, /local address/);
  const wg = tunnels(node({ kind: 'wireguard', name: 'wireguard.cali', mtu: 1440 }))[0]!;
  assert.match(wg.underlay!.how, /default IPv4 route/);
  assert.equal(wg.carries, 1390);
});

test('property: a packet within what the tunnel carries is sent whole; above it, the node\'s own DF packet is refused once learned, never before', () => {
  fc.assert(fc.property(
    fc.constantFrom(...TUNNEL_KINDS), fc.constantFrom<DfMode>('unset', 'set', 'inherit'), fc.integer({ min: 1280, max: 9000 }), fc.integer({ min: 576, max: 9100 }), fc.boolean(),
    (kind, df, underlay, size, learned) => {
      const t = tunnels(node({ kind, kindData: { df } }, { underlay }))[0]!;
      const c = crossTunnel(t, { size, df: true, origin: 'local', learned });
      if (size <= t.carries!) return c.kind === 'sent' && c.fragments === 'none' && c.outer === size + t.overhead.bytes;
      if (learned) return c.kind === 'refused' && c.mtu === t.carries;
      return c.kind !== 'refused';
    },
  ));
});

test('what the kinds this kernel lacks do with a too-large packet (from their source)', () => {
  const over = (kind: TunnelKind, data: Record<string, unknown> = {}) => tunnels(node({ kind, kindData: data }))[0]!;
  // ipip/gre answer DF packets with ICMP, forwarded or not; pmtudisc decides for the rest.
  assert.equal(crossTunnel(over('ipip'), { size: 1440, df: true, origin: 'forwarded' }).kind, 'icmp');
  assert.equal(crossTunnel(over('gre', { pmtudisc: true }), { size: 1440, df: false, origin: 'forwarded' }).kind, 'dropped');
  assert.equal(crossTunnel(over('gre', { pmtudisc: false }), { size: 1440, df: false, origin: 'forwarded' }).fragments, 'outer');
  // WireGuard sends with ignore_df: fragmented, never refused or dropped.
  assert.equal(crossTunnel(over('wireguard'), { size: 1440, df: true, origin: 'forwarded' }).fragments, 'outer');
  // A vxlan bridge port answers a DF packet with ICMP itself.
  assert.equal(crossTunnel(over('vxlan', { df: 'unset' }), { size: 1440, df: true, origin: 'bridged' }).kind, 'icmp');
  // Forwarded packets meet a learned PMTU only with ip_forward_use_pmtu=1.
  const set = over('vxlan', { df: 'set' });
  assert.equal(crossTunnel(set, { size: 1440, df: true, origin: 'forwarded', learned: true }).kind, 'dropped');
  assert.equal(crossTunnel(set, { size: 1440, df: true, origin: 'forwarded', learned: true }, true).kind, 'icmp');
});

test('mtu/tunnel-overhead: quiet where Cilium puts the right mtu on its routes; pods larger than the tunnel reported', () => {
  const find = (h: ReturnType<typeof node>) => runChecks(h, ALL_RULES).findings.filter((f) => f.ruleId === 'mtu/tunnel-overhead');
  const host = iface('cilium_host', 5, { kind: 'veth', link: 'cilium_net', mtu: 1500 });
  const lxc = iface('lxc1234', 6, { kind: 'veth', linkNetns: true, link: 'eth0', mtu: 1500 });
  const cilium = (mtu: number) => node({ kind: 'vxlan', name: 'cilium_vxlan', kindData: { df: 'unset' } }, {
    underlay: 1500, interfaces: [host, lxc], routes: [route('10.1.0.0/16', 'cilium_host', { gateway: '10.1.0.1', mtu })],
  });
  assert.deepEqual(find(cilium(1450)), []);
  const wrong = find(cilium(1500));
  assert.equal(wrong.length, 1);
  assert.match(wrong[0]!.fixes[0]!.title, /routes into cilium_vxlan to 1450/);
  const pods = find(node({ kind: 'vxlan', name: 'vxlan.calico', mtu: 1400, kindData: { local: '10.0.0.11', link: 'eth0' } }, {
    interfaces: [iface('cali1', 7, { kind: 'veth', linkNetns: true, link: 'eth0', mtu: 1450 })], routes: [route('10.244.2.0/26', 'vxlan.calico', { gateway: '10.244.2.0' })],
  }));
  assert.deepEqual(pods.map((f) => [f.interface, f.severity]), [['cali1', 'warning']]);
  assert.match(pods[0]!.fixes[0]!.commands.join('\n'), /calicoNetwork":\{"mtu":1400/);
});

test('the Calico VXLAN example: check reports the tunnel and its pod with verified fixes; trace names the encapsulation step', () => {
  const r = hostnet(['check', '--snapshot', 'examples/mtu-vxlan-overhead/snapshot.json', '--format', 'json']);
  assert.equal(r.code, 1, r.stderr);
  const findings = (JSON.parse(r.stdout) as { findings: { ruleId: string; interface?: string; fixes: { verified?: boolean }[] }[] }).findings.filter((f) => f.ruleId === 'mtu/tunnel-overhead');
  assert.deepEqual(findings.map((f) => f.interface), ['vxlan.calico', 'cali1f2e3d4c5b6']);
  assert.ok(findings.every((f) => f.fixes[0]!.verified === true));
  const trace = hostnet(['trace', 'packet', '--snapshot', 'examples/mtu-vxlan-overhead/snapshot.json', '--in', 'cali1f2e3d4c5b6', '--src', '10.244.1.5', '--dst', '10.244.2.7', '--size', '1450']);
  assert.equal(trace.code, 0, trace.stderr);
  assert.match(trace.stdout, /vxlan\.calico encap: .*1450 \+ 50 = 1500 bytes > underlay eth0's MTU 1450: df unset/);
  const fits = hostnet(['trace', 'packet', '--snapshot', 'examples/mtu-vxlan-overhead/snapshot.json', '--in', 'host', '--dst', '10.244.2.7', '--size', '1400']);
  assert.match(fits.stdout, /1400 \+ 50 = 1450 bytes <= underlay eth0's MTU 1450: sent whole/);
});

test('trace frame: a vxlan bridge port answers a DF packet too large for its underlay with ICMP, and encapsulates what fits', () => {
  const vx = port('vx0', 4, 'br0', { kind: 'vxlan', kindData: { remote: '10.0.0.12', df: 'unset' }, mtu: 1500 });
  const host = node({ name: 'tap-unused', kind: 'tun' }, { interfaces: [bridge('br0', 5), port('tap1', 6, 'br0'), vx] });
  const at = (size: number) => traceFrame(host, { bridge: 'br0', ingress: 'tap1', dst: '52:54:00:00:00:99', size });
  const big = at(1450);
  assert.deepEqual(big.egress, []);
  assert.ok(big.steps.some((s) => s.stage === 'encap' && /ICMP to the sender on vx0/.test(s.result)), JSON.stringify(big.steps));
  assert.deepEqual(at(1400).egress, ['vx0']);
  const noDf = traceFrame(host, { bridge: 'br0', ingress: 'tap1', dst: '52:54:00:00:00:99', size: 1450, df: false });
  assert.deepEqual(noDf.egress, ['vx0']);
});

// trace packet: seed 002's four flows through Linux and VPP, and where a packet dies.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildHost } from '../../src/model/host.js';
import { planCalicoVpp } from '../../src/plan/calico-vpp.js';
import { linuxRoute, replyRequest, tracePacket, TraceSetupError, type TraceRequest } from '../../src/sim/packet.js';
import { parseSnapshot } from '../../src/snapshot/load.js';
import type { Route, Snapshot } from '../../src/snapshot/schema.js';
import { parseCalicoVppConfig } from '../../src/sources/calico-vpp-config.js';
import { hostnet } from '../helpers/system.js';

const ex = (p: string): string => readFileSync(new URL(`../../examples/${p}`, import.meta.url), 'utf8');
const load = (p: string): Snapshot => parseSnapshot(ex(p), p);
const healthy = buildHost(load('calico-vpp-healthy/snapshot.json'));
const where = (t: ReturnType<typeof tracePacket>): string[] => t.steps.map((s) => `${s.plane} ${s.where}`);

function both(host: ReturnType<typeof buildHost>, req: TraceRequest): ReturnType<typeof tracePacket>[] {
  const first = tracePacket(host, req);
  const reply = replyRequest(first, { ...req, src: first.src });
  return reply ? [first, tracePacket(host, reply)] : [first];
}

test('flow 1: from the uplink to the host via the punt path and the tap; the reply through VPP\'s FIB to the uplink', () => {
  const [to, back] = both(healthy, { src: '192.168.0.2', dst: '192.168.0.1', ingress: { kind: 'uplink' } });
  assert.deepEqual(where(to!), ['wire avf-0/d8/a/0 rx', 'vpp ip4-lookup', 'vpp ip4-local', 'vpp ip4-punt-redirect', 'wire tap0 → enp216s0f1', 'linux enp216s0f1 rx', 'linux ip_local_deliver']);
  assert.deepEqual(to!.verdict, { kind: 'delivered', where: 'host (enp216s0f1)' });
  assert.deepEqual(where(back!), ['linux fib_lookup', 'linux enp216s0f1 tx', 'vpp tap0 rx', 'vpp ip4-lookup', 'vpp avf-0/d8/a/0 tx']);
  assert.deepEqual(back!.verdict, { kind: 'forwarded', where: 'avf-0/d8/a/0', nextHop: '192.168.0.2' });
});

test('flows 3 and 4: a pod on another node and a pod on this node reaching the API server', () => {
  const [remote, remoteBack] = both(healthy, { src: '10.0.1.5', dst: '192.168.0.1', ingress: { kind: 'uplink' } });
  assert.equal(remote!.verdict.kind, 'delivered');
  assert.deepEqual(remoteBack!.verdict, { kind: 'forwarded', where: 'avf-0/d8/a/0', nextHop: '192.168.0.254' });
  const [local, localBack] = both(healthy, { src: '10.0.0.1', dst: '192.168.0.1', ingress: { kind: 'pod', interface: 'tun1' } });
  assert.equal(where(local!)[0], 'vpp tun1 rx');
  assert.equal(local!.verdict.kind, 'delivered');
  assert.match(localBack!.steps[0]!.what, /route 10\.0\.0\.0\/16 via 192\.168\.0\.254 dev enp216s0f1 proto static mtu 1440/);
  assert.deepEqual(localBack!.verdict, { kind: 'forwarded', where: 'tun1', nextHop: '0.0.0.0' });
});

test('the tap with another MAC: the packet dies at the tap, in Linux, with both MACs named', () => {
  const broken = buildHost(load('calico-vpp-broken/snapshot.json'));
  const t = tracePacket(broken, { src: '192.168.0.2', dst: '192.168.0.1', ingress: { kind: 'uplink' } });
  assert.equal(t.verdict.kind, 'dropped');
  assert.equal(t.verdict.kind === 'dropped' && t.verdict.step, 6);
  assert.equal(t.steps[5]!.plane, 'linux');
  assert.match(t.steps[5]!.what, /addressed to 52:54:00:40:46:8e but enp216s0f1 has MAC a6:13:4d:6b:3f:97/);
  assert.equal(replyRequest(t, { src: '192.168.0.2', dst: '192.168.0.1', ingress: { kind: 'uplink' } }), null);
});

test('no punt redirect: the packet dies in VPP', () => {
  const s = load('calico-vpp-healthy/snapshot.json');
  const noPunt = buildHost({ ...s, commands: s.commands.map((c) => (c.argv.includes('punt') ? { ...c, stdout: '' } : c)) });
  const t = tracePacket(noPunt, { src: '192.168.0.2', dst: '192.168.0.1', ingress: { kind: 'uplink' } });
  assert.equal(t.verdict.kind === 'dropped' && t.verdict.where, 'vpp ip4-punt');
});

test('the predicted host of a plan (no vppctl FIB): the same flows from the takeover\'s own FIB', () => {
  const pre = load('calico-vpp-predeploy/snapshot.json');
  const { predicted } = planCalicoVpp(pre, parseCalicoVppConfig(ex('calico-vpp-predeploy/calico-vpp-config.yaml'), 'c').config);
  const host = buildHost(predicted);
  const [to, back] = both(host, { src: '192.168.0.2', dst: '192.168.0.1', ingress: { kind: 'uplink' } });
  assert.equal(to!.verdict.kind, 'delivered');
  assert.deepEqual(back!.verdict, { kind: 'forwarded', where: 'avf-0/d8/a/0', nextHop: '192.168.0.2' });
  const [, podBack] = both(host, { src: '10.0.0.9', dst: '192.168.0.1', ingress: { kind: 'pod', interface: 'tun4' } });
  assert.deepEqual(podBack!.verdict, { kind: 'forwarded', where: 'tun4', nextHop: '0.0.0.0' });
  assert.throws(() => tracePacket(buildHost(pre), { dst: '192.168.0.1', ingress: { kind: 'uplink' } }), TraceSetupError);
});

test('a service address from the host: through the tap with the service route, then VPP\'s service NAT', () => {
  const t = tracePacket(healthy, { dst: '10.96.0.10', ingress: { kind: 'host' } });
  assert.match(t.steps[0]!.what, /192\.168\.0\.1 → 10\.96\.0\.10: route 10\.96\.0\.0\/12 via 192\.168\.0\.254 dev enp216s0f1 proto static mtu 1440/);
  assert.deepEqual(t.steps.map((s) => s.where).slice(-1), ['cnat']);
  assert.deepEqual(t.verdict, { kind: 'forwarded', where: 'VPP service NAT (cnat)', nextHop: null });
});

test('Linux route choice: longest prefix, then the lowest metric, main table only', () => {
  const r = (dst: string, metric: number | null, table = 'main'): Route => ({ family: 'inet', table, type: 'unicast', dst, gateway: null, dev: dst, protocol: null, scope: null, metric, prefsrc: null, mtu: null });
  const routes = [r('default', 100), r('default', 50), r('10.0.0.0/8', null), r('10.1.0.0/16', null), r('10.1.2.0/24', null, 'local')];
  assert.equal(linuxRoute(routes, '10.1.2.3')!.dst, '10.1.0.0/16');
  assert.equal(linuxRoute(routes, '10.9.0.1')!.dst, '10.0.0.0/8');
  assert.equal(linuxRoute(routes, '8.8.8.8')!.metric, 50);
  assert.equal(linuxRoute([], '8.8.8.8'), null);
});

test('the CLI: text shows where the packet died, exit 1; bad --in is exit 2', () => {
  const r = hostnet(['trace', 'packet', '--snapshot', 'examples/calico-vpp-broken/snapshot.json', '--in', 'uplink', '--src', '192.168.0.2', '--dst', '192.168.0.1']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /6\. \[linux\] enp216s0f1 rx: .*<-- DROPPED HERE/);
  const ok = hostnet(['trace', 'packet', '--snapshot', 'examples/calico-vpp-healthy/snapshot.json', '--in', 'pod:tun1', '--src', '10.0.0.1', '--dst', '192.168.0.1', '--format', 'json']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual((JSON.parse(ok.stdout) as { verdict: { kind: string } }[]).map((t) => t.verdict.kind), ['delivered', 'forwarded']);
  const bad = hostnet(['trace', 'packet', '--snapshot', 'examples/calico-vpp-healthy/snapshot.json', '--in', 'nowhere', '--dst', '192.168.0.1']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^hostnet: examples\/calico-vpp-healthy\/snapshot.json: --in nowhere: on a Calico\/VPP node a packet enters by uplink, host or pod:IF/);
  const unreadable = hostnet(['trace', 'packet', '--snapshot', 'examples/calico-vpp-healthy/snapshot.json', '--in', 'no where', '--dst', '192.168.0.1']);
  assert.equal(unreadable.code, 2);
  assert.match(unreadable.stderr, /^hostnet: --in "no where": expected uplink, host, pod:IF/);
});

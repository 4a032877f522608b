// On the real kernel: the host side Calico/VPP leaves after the takeover (a real tap with the uplink's
// name and MAC, its addresses, the service and pod routes with their MTU), checked against the plan;
// then broken in each way the verification must see. And Linux's route choice in trace packet
// compared with the kernel's own (`ip route get`) on generated route tables.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { planCalicoVpp } from '../../src/plan/calico-vpp.js';
import { linuxRoute } from '../../src/sim/packet.js';
import { parseSnapshot } from '../../src/snapshot/load.js';
import type { Route } from '../../src/snapshot/schema.js';
import { parseCalicoVppConfig } from '../../src/sources/calico-vpp-config.js';
import { hostnet, netns, requireRealSystem, sh } from '../helpers/system.js';

const ex = (p: string): string => readFileSync(new URL(`../../examples/${p}`, import.meta.url), 'utf8');

interface JsonReport { findings: { ruleId: string; severity: string; message: string }[] }

test('a real post-takeover host: healthy against its plan, then each breakage found', (t) => {
  if (!requireRealSystem(t, { tools: ['ip'] })) return;
  const dir = mkdtempSync(join(tmpdir(), 'hn-vpp-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const configText = ex('calico-vpp-predeploy/calico-vpp-config.yaml');
  const pre = parseSnapshot(ex('calico-vpp-predeploy/snapshot.json'), 'pre');
  const { plan, vppctl } = planCalicoVpp(pre, parseCalicoVppConfig(configText, 'c').config);
  writeFileSync(join(dir, 'plan.json'), JSON.stringify({ plan }));
  writeFileSync(join(dir, 'config.yaml'), configText);
  for (const c of vppctl) writeFileSync(join(dir, `${c.argv.slice(1).join('-')}.txt`), c.stdout);

  const ns = netns(t, 'hn-vpp');
  const tap = plan.tap.name;
  ns.ip('tuntap', 'add', 'dev', tap, 'mode', 'tap');
  ns.ip('link', 'set', tap, 'address', plan.tap.mac, 'mtu', String(plan.tap.mtu));
  ns.ip('link', 'set', tap, 'up');
  for (const a of plan.tap.addresses.filter((x) => x.scope !== 'link')) ns.ip('addr', 'add', `${a.local}/${a.prefixlen}`, 'dev', tap);
  ns.ip('route', 'add', 'default', 'via', '192.168.0.254', 'dev', tap, 'proto', 'dhcp', 'metric', '100', 'onlink');
  const clusterRoute = (dst: string, mtu: number, verb = 'add'): void => void ns.ip('route', verb, dst, 'via', plan.fakeNextHops.inet, 'dev', tap, 'proto', 'static', 'mtu', String(mtu), 'onlink');
  for (const r of plan.tap.clusterRoutes) clusterRoute(r.dst, r.mtu);

  const check = (extra: string[] = []): JsonReport['findings'] => {
    const r = hostnet(['check', '--netns', ns.name, '--format', 'json', '--input', `calico-vpp-plan=${join(dir, 'plan.json')}`, '--input', `calico-vpp-config=${join(dir, 'config.yaml')}`, ...extra]);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    // Only the Calico/VPP verification: this machine's own .link/.network files are not the subject.
    return (JSON.parse(r.stdout) as JsonReport).findings.filter((f) => f.ruleId.startsWith('vpp/') && f.ruleId !== 'vpp/networkd-permanent-mac');
  };

  assert.deepEqual(check(), [], 'the host as the plan predicts it is healthy');

  // The MAC udevd would have written: the tap drops what VPP punts to it.
  ns.ip('link', 'set', tap, 'address', '02:aa:bb:cc:dd:ee');
  const mac = check();
  assert.deepEqual(mac.map((f) => f.ruleId), ['vpp/tap-mac']);
  assert.match(mac[0]!.message, /02:aa:bb:cc:dd:ee but VPP sends host-bound traffic to 52:54:00:40:46:8e/);
  // The same with VPP's own outputs as the reference (the punt adjacency's destination MAC).
  const withVpp = check(['--input', `vppctl-show-hardware-interfaces=${join(dir, 'show-hardware-interfaces.txt')}`, '--input', `vppctl-show-ip-punt-redirect=${join(dir, 'show-ip-punt-redirect.txt')}`, '--input', `vppctl-show-interface-address=${join(dir, 'show-interface-address.txt')}`]);
  assert.deepEqual(withVpp.map((f) => f.ruleId), ['vpp/tap-mac']);
  ns.ip('link', 'set', tap, 'address', plan.tap.mac);
  assert.deepEqual(check(), []);

  // The service route gone.
  ns.ip('route', 'del', '10.96.0.0/12');
  const missing = check();
  assert.deepEqual(missing.map((f) => f.ruleId), ['vpp/cluster-routes']);
  assert.match(missing[0]!.message, /no route to 10\.96\.0\.0\/12/);
  clusterRoute('10.96.0.0/12', 1440);

  // The pod route with the uplink's MTU instead of MTU - 60.
  clusterRoute('10.0.0.0/16', 1500, 'replace');
  const mtu = check();
  assert.deepEqual(mtu.map((f) => [f.ruleId, f.severity]), [['vpp/cluster-routes', 'error']]);
  assert.match(mtu[0]!.message, /MTU 1500, expected 1440/);
  clusterRoute('10.0.0.0/16', 1440, 'replace');

  // The address gone from the tap.
  // (The kernel drops the routes through that subnet with it, as seen here: put them back.)
  ns.ip('addr', 'del', '192.168.0.1/24', 'dev', tap);
  ns.ip('route', 'replace', 'default', 'via', '192.168.0.254', 'dev', tap, 'proto', 'dhcp', 'metric', '100', 'onlink');
  for (const r of plan.tap.clusterRoutes) clusterRoute(r.dst, r.mtu, 'replace');
  assert.deepEqual(check().map((f) => f.ruleId), ['vpp/tap-mirror']);
});

test('differential: the route Linux picks in trace packet is the one the kernel picks', (t) => {
  if (!requireRealSystem(t, { tools: ['ip'] })) return;
  const ns = netns(t, 'hn-vpp-rt');
  ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  ns.ip('link', 'set', 'v0', 'up');
  ns.ip('link', 'set', 'v1', 'up');
  ns.ip('addr', 'add', '172.16.0.1/16', 'dev', 'v0');
  const dir = mkdtempSync(join(tmpdir(), 'hn-vpp-rt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const prefix = fc.tuple(fc.integer({ min: 10, max: 11 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.constantFrom(8, 12, 16, 20, 24, 28, 32));
  fc.assert(fc.property(fc.array(fc.tuple(prefix, fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 25 }), fc.array(fc.tuple(fc.integer({ min: 10, max: 11 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 10 }), (specs, dsts) => {
    sh(['ip', '-n', ns.name, 'route', 'flush', 'proto', 'static']);
    const routes: Route[] = [];
    const seen = new Set<string>();
    const lines: string[] = [];
    specs.forEach(([[a, b, c, len], metric], i) => {
      const mask = len === 32 ? 0xffffffff : (0xffffffff << (32 - len)) >>> 0;
      const ipn = (((a << 24) | (b << 16) | (c << 8)) >>> 0) & mask;
      const dst = `${[24, 16, 8, 0].map((s) => (ipn >>> s) & 255).join('.')}/${len}`;
      if (seen.has(`${dst} ${metric}`)) return;
      seen.add(`${dst} ${metric}`);
      const gw = `172.16.1.${i + 1}`;
      lines.push(`route add ${dst} via ${gw} dev v0 proto static metric ${metric}`);
      routes.push({ family: 'inet', table: 'main', type: 'unicast', dst, gateway: gw, dev: 'v0', protocol: 'static', scope: null, metric, prefsrc: null, mtu: null });
    });
    const batch = join(dir, 'routes.batch');
    writeFileSync(batch, `${lines.join('\n')}\n`);
    sh(['ip', '-n', ns.name, '-batch', batch]);
    for (const [a, b, c, d] of dsts) {
      const dst = `${a}.${b}.${c}.${d}`;
      const ours = linuxRoute(routes, dst);
      const r = spawnSync('ip', ['-n', ns.name, '-j', 'route', 'get', dst], { encoding: 'utf8' });
      // No route: ip says "Network is unreachable" and exits non-zero.
      const got = r.status === 0 ? (JSON.parse(r.stdout) as { gateway?: string }[])[0]?.gateway ?? null : null;
      assert.equal(ours?.gateway ?? null, got, `${dst} with ${lines.join('; ')}`);
    }
  }), { numRuns: 40 });
});

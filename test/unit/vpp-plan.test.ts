// The Calico/VPP takeover model and planner, on the seed-002 examples.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { InputError } from '../../src/errors.js';
import { buildHost } from '../../src/model/host.js';
import { parseCalicoVppPlan } from '../../src/model/vpp/plan-file.js';
import { clusterRouteMtu, driverEffect, fakeNextHop, uplinkMtu } from '../../src/model/vpp/takeover.js';
import { inPrefix, networkPrefix } from '../../src/net/ip.js';
import { calicoVppView } from '../../src/model/vpp/view.js';
import { planCalicoVpp } from '../../src/plan/calico-vpp.js';
import { runChecks } from '../../src/rules/engine.js';
import { ALL_RULES } from '../../src/rules/index.js';
import { parseSnapshot } from '../../src/snapshot/load.js';
import type { Address, Route, Snapshot } from '../../src/snapshot/schema.js';
import { parseCalicoVppConfig } from '../../src/sources/calico-vpp-config.js';
import { parseShowHardwareInterfaces, parseShowInterfaceAddress, parseShowIpPuntRedirect } from '../../src/sources/vppctl.js';

const ex = (p: string): string => readFileSync(new URL(`../../examples/${p}`, import.meta.url), 'utf8');
const pre = parseSnapshot(ex('calico-vpp-predeploy/snapshot.json'), 'pre.json');
const configText = ex('calico-vpp-predeploy/calico-vpp-config.yaml');
const config = parseCalicoVppConfig(configText, 'cfg.yaml').config;
const configFile = { path: '/in/cfg.yaml', content: configText, mask: null, role: 'calico-vpp-config' };

test('the seed-002 plan: tap, routes with MTU 1440 via the gateway, avf uplink avf-0/d8/a/0, punt via 169.254.0.1', () => {
  const { plan, predicted } = planCalicoVpp(pre, config, { uplink: 'enp216s0f1', configFile });
  assert.equal(plan.uplinkMac, '52:54:00:40:46:8e');
  assert.equal(plan.tap.mac, '52:54:00:40:46:8e');
  assert.equal(plan.driver.fate, 'unbound-from-kernel');
  assert.equal(plan.driver.vppName, 'avf-0/d8/a/0');
  assert.equal(plan.clusterRouteMtu, 1440);
  assert.deepEqual(plan.tap.clusterRoutes.map((r) => `${r.dst} via ${r.gateway} mtu ${r.mtu}`), ['10.96.0.0/12 via 192.168.0.254 mtu 1440', '10.0.0.0/16 via 192.168.0.254 mtu 1440']);
  assert.deepEqual(plan.vpp.uplink.addresses, ['192.168.0.1/24']);
  assert.deepEqual(plan.vpp.tap, { name: 'tap0', unnumberedOf: 'avf-0/d8/a/0', mac: '02:ca:11:c0:fd:00', mtu: 9216 });
  assert.deepEqual(plan.vpp.punt, { nextHop: '169.254.0.1', interface: 'tap0' });
  // The predicted host: the NIC is gone, a tap of the same name, MAC and addresses is there.
  const tap = predicted.interfaces.find((i) => i.name === 'enp216s0f1')!;
  assert.equal(tap.kind, 'tun');
  assert.equal(tap.permaddr, null);
  assert.equal(tap.mac, '52:54:00:40:46:8e');
  assert.deepEqual(tap.addresses.map((a) => a.local), ['192.168.0.1', 'fe80::5054:ff:fe40:468e']);
  assert.deepEqual(predicted.routes.filter((r) => r.protocol === 'static').map((r) => [r.dst, r.gateway, r.dev, r.mtu]),
    [['10.96.0.0/12', '192.168.0.254', 'enp216s0f1', 1440], ['10.0.0.0/16', '192.168.0.254', 'enp216s0f1', 1440]]);
});

test('the predicted VPP outputs read back through the vppctl parsers', () => {
  const { vppctl, plan } = planCalicoVpp(pre, config, { configFile });
  const text = (w: string): string => vppctl.find((c) => c.argv.join(' ').includes(w))!.stdout;
  const addr = parseShowInterfaceAddress(text('interface address'), 'p');
  assert.deepEqual(addr.diagnostics, []);
  assert.deepEqual(addr.value.map((i) => [i.name, i.unnumberedOf]), [['avf-0/d8/a/0', null], ['tap0', 'avf-0/d8/a/0']]);
  const hw = parseShowHardwareInterfaces(text('hardware'), 'p');
  assert.deepEqual(hw.value.map((h) => [h.name, h.mac]), [['avf-0/d8/a/0', plan.uplinkMac], ['tap0', '02:ca:11:c0:fd:00']]);
  const punt = parseShowIpPuntRedirect(text('punt'), 'p');
  assert.equal(punt.value[0]!.rewriteDstMac, plan.tap.mac);
});

test('the checks run on the predicted host: the MAC race of the future tap and the .network that stops matching', () => {
  const { predicted } = planCalicoVpp(pre, config, { configFile });
  const report = runChecks(buildHost(predicted), ALL_RULES);
  const ids = report.findings.map((f) => f.ruleId);
  assert.ok(ids.includes('vpp/networkd-permanent-mac'), ids.join(', '));
  if (ALL_RULES.some((r) => r.meta.id === 'link/mac-policy-race')) assert.ok(ids.includes('link/mac-policy-race'), ids.join(', '));
  // The predicted state is consistent with its own plan: no verification finding.
  assert.deepEqual(ids.filter((id) => ['vpp/tap-mac', 'vpp/tap-mirror', 'vpp/cluster-routes', 'vpp/punt-redirect'].includes(id)), []);
  const networkd = report.findings.find((f) => f.ruleId === 'vpp/networkd-permanent-mac')!;
  assert.match(networkd.message, /once VPP replaces it/);
  assert.equal(networkd.fixes[0]!.verified, true);
});

test('plan refuses what it cannot plan, with a clear error', () => {
  assert.throws(() => planCalicoVpp(pre, config, { uplink: 'eth9' }), (e: unknown) => e instanceof InputError && /not the configuration's main uplink/.test(e.message));
  const other = parseCalicoVppConfig('{"uplinkInterfaces": [{"interfaceName": "eth9", "vppDriver": "af_packet"}]}', 'x').config;
  assert.throws(() => planCalicoVpp(pre, other), (e: unknown) => e instanceof InputError && /eth9 is not in the snapshot/.test(e.message));
  const { predicted } = planCalicoVpp(pre, config);
  assert.throws(() => planCalicoVpp(predicted, config), (e: unknown) => e instanceof InputError && /already a tap/.test(e.message));
});

test('drivers: what happens to the netdev and VPP names where VPP\'s naming is known', () => {
  const nic = pre.interfaces.find((i) => i.name === 'enp216s0f1')!;
  const spec = config.mainUplink!;
  const fate = (d: string | null) => driverEffect({ ...spec, vppDriver: d }, nic);
  assert.deepEqual([fate('af_packet').fate, fate('af_packet').vppName], ['moved-to-vpp-netns', 'host-enp216s0f1']);
  assert.equal(fate('af_xdp').fate, 'moved-to-vpp-netns');
  assert.equal(fate('rdma').fate, 'moved-to-vpp-netns');
  assert.equal(fate('dpdk').fate, 'unbound-from-kernel');
  assert.deepEqual([fate('virtio').fate, fate('virtio').vppName], ['unbound-from-kernel', 'virtio-0/d8/a/0']);
  assert.equal(fate('vmxnet3').vppName, 'vmxnet3-0/d8/a/0');
  assert.equal(fate(null).fate, 'moved-to-vpp-netns');
  assert.equal(uplinkMtu({ ...spec, vppDriver: 'af_xdp', mtu: 9000 }, nic), 3072);
  assert.equal(uplinkMtu({ ...spec, mtu: 9000 }, nic), 9000);
  assert.equal(uplinkMtu({ ...spec, mtu: null }, nic), nic.mtu);
  assert.equal(clusterRouteMtu([1500, 9000]), 1440);
  assert.equal(clusterRouteMtu([9999]), 9216 - 60);
});

const addr = (local: string, prefixlen: number): Address => ({ family: 'inet', local, prefixlen, scope: 'global', peer: null });
const route = (dst: string, gateway: string | null): Route => ({ family: 'inet', table: 'main', type: 'unicast', dst, gateway, dev: 'e', protocol: null, scope: null, metric: null, prefsrc: null, mtu: null });

test('the fake next hop: the default gateway first, else the address before broadcast, else the one after the network', () => {
  assert.equal(fakeNextHop('inet', [addr('192.168.0.1', 24)], [route('default', '192.168.0.254')]), '192.168.0.254');
  assert.equal(fakeNextHop('inet', [addr('192.168.0.1', 24)], []), '192.168.0.254');
  assert.equal(fakeNextHop('inet', [addr('192.168.0.254', 24)], []), '192.168.0.1');
  assert.equal(fakeNextHop('inet', [], []), '0.0.0.0');
  assert.equal(fakeNextHop('inet6', [addr('192.168.0.1', 24)], []), '::');
});

test('property: the derived next hop is inside the uplink subnet and is not the uplink address', () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), fc.integer({ min: 8, max: 30 }), (o, len) => {
    const local = o.join('.');
    const nh = fakeNextHop('inet', [addr(local, len)], []);
    assert.ok(inPrefix(nh, `${local}/${len}`), `${nh} in ${local}/${len}`);
    assert.notEqual(nh, local);
    assert.ok(inPrefix(local, networkPrefix(`${local}/${len}`)));
    assert.ok(networkPrefix(`${local}/${len}`).split('/')[0]!.split('.').map(Number).every((x, i) => (x & ~o[i]!) === 0));
  }), { numRuns: 500 });
});

test('a plan file round-trips; a wrong one is a diagnostic naming the file', () => {
  const { plan } = planCalicoVpp(pre, config, { configFile });
  assert.deepEqual(parseCalicoVppPlan(JSON.stringify({ schema: 'x', plan }), 'p.json').plan, plan);
  const bad = parseCalicoVppPlan('{"schema": "hostnet.calico-vpp-plan/v1"}', 'p.json');
  assert.equal(bad.plan, null);
  assert.equal(bad.diagnostics[0]!.where, 'p.json');
  assert.match(parseCalicoVppPlan('not json', 'q.json').diagnostics[0]!.message, /not JSON/);
});

test('the view of the examples: planned before, deployed after, expectation from VPP outputs', () => {
  const before = calicoVppView(buildHost(pre));
  assert.equal(before.uplinkName, 'enp216s0f1');
  assert.ok(before.nic && !before.tap);
  const healthy = parseSnapshot(ex('calico-vpp-healthy/snapshot.json'), 'h.json') as Snapshot;
  const after = calicoVppView(buildHost(healthy));
  assert.ok(after.tap && !after.nic);
  assert.equal(after.expectation?.vppUplinkName, 'avf-0/d8/a/0');
  assert.equal(after.expectation?.tapMac, '52:54:00:40:46:8e');
  assert.deepEqual(after.expectation?.addresses, ['192.168.0.1/24']);
  assert.equal(after.expectation?.clusterRouteMtu, 1440);
});

test('a secondary uplink: its own tap, service and pool routes at metric 1, the lowest MTU for every route', () => {
  const nic = pre.interfaces.find((i) => i.name === 'enp216s0f1')!;
  const second = { ...nic, index: 99, name: 'ens3', mac: '52:54:00:00:00:03', mtu: 1400, devicePath: null, addresses: [{ family: 'inet' as const, local: '10.20.0.5', prefixlen: 24, scope: 'global', peer: null }] };
  const twoNics: Snapshot = { ...pre, interfaces: [...pre.interfaces, second] };
  const cfg = parseCalicoVppConfig(configText.replace('"vppDriver": "avf"\n        }', '"vppDriver": "avf"\n        },\n        {"interfaceName": "ens3", "vppDriver": "af_packet"}'), 'c').config;
  assert.deepEqual(cfg.uplinkInterfaces.map((u) => [u.interfaceName, u.isMain]), [['enp216s0f1', true], ['ens3', false]]);
  const { plan, predicted } = planCalicoVpp(twoNics, cfg);
  assert.equal(plan.clusterRouteMtu, 1340, 'the lowest uplink MTU (1400) - 60');
  assert.deepEqual(plan.secondary[0]!.clusterRoutes!.map((r) => `${r.dst} via ${r.gateway} metric ${r.metric} mtu ${r.mtu}`), ['10.96.0.0/12 via 10.20.0.254 metric 1 mtu 1340', '10.0.0.0/16 via 10.20.0.254 metric 1 mtu 1340']);
  const tap = predicted.interfaces.find((i) => i.name === 'ens3')!;
  assert.deepEqual([tap.kind, tap.mac, tap.mtu], ['tun', '52:54:00:00:00:03', 1400]);
  assert.deepEqual(predicted.routes.filter((r) => r.dev === 'ens3' && r.protocol === 'static').map((r) => r.metric), [1, 1]);
});

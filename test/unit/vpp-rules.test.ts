// The vpp/* rules on the examples and on each way a deployed node can differ from the takeover.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildHost } from '../../src/model/host.js';
import { planCalicoVpp } from '../../src/plan/calico-vpp.js';
import { runChecks } from '../../src/rules/engine.js';
import { ALL_RULES } from '../../src/rules/index.js';
import type { Rule } from '../../src/rules/types.js';
import { parseSnapshot } from '../../src/snapshot/load.js';
import type { FileRecord, Snapshot } from '../../src/snapshot/schema.js';
import { parseCalicoVppConfig } from '../../src/sources/calico-vpp-config.js';

const ex = (p: string): string => readFileSync(new URL(`../../examples/${p}`, import.meta.url), 'utf8');
const load = (p: string): Snapshot => parseSnapshot(ex(p), p);
const healthy = load('calico-vpp-healthy/snapshot.json');
const pre = load('calico-vpp-predeploy/snapshot.json');
const VPP_RULES: Rule[] = ALL_RULES.filter((r) => r.meta.id.startsWith('vpp/'));

function vppFindings(s: Snapshot): { id: string; severity: string; message: string; verified: boolean[] }[] {
  return runChecks(buildHost(s), VPP_RULES).findings.map((f) => ({ id: f.ruleId, severity: f.severity, message: f.message, verified: f.fixes.map((x) => x.verified ?? false) }));
}
const ids = (s: Snapshot): string[] => vppFindings(s).map((f) => f.id);
const withFile = (s: Snapshot, f: Omit<FileRecord, 'mask' | 'role'> & Partial<FileRecord>): Snapshot => ({ ...s, files: [...s.files.filter((x) => x.path !== f.path), { mask: null, role: null, ...f }] });

test('every vpp rule is registered once and has its documentation page', () => {
  assert.equal(VPP_RULES.length, 9);
  for (const r of VPP_RULES) {
    const page = readFileSync(new URL(`../../docs/rules/${r.meta.id.replace('/', '-')}.md`, import.meta.url), 'utf8');
    assert.match(page, new RegExp(r.meta.id.replace('/', '\\/')));
  }
});

test('the healthy example: no vpp finding; the broken one: the tap MAC, the .network', () => {
  assert.deepEqual(ids(healthy), []);
  const broken = vppFindings(load('calico-vpp-broken/snapshot.json'));
  assert.deepEqual(broken.map((f) => f.id).sort(), ['vpp/networkd-permanent-mac', 'vpp/tap-mac']);
  const mac = broken.find((f) => f.id === 'vpp/tap-mac')!;
  assert.match(mac.message, /a6:13:4d:6b:3f:97 but VPP sends host-bound traffic to 52:54:00:40:46:8e/);
  assert.deepEqual(mac.verified, [true]);
});

test('a missing service route, a pod route with the wrong MTU, a missing address', () => {
  const noService = { ...healthy, routes: healthy.routes.filter((r) => r.dst !== '10.96.0.0/12') };
  const f1 = vppFindings(noService);
  assert.deepEqual(f1.map((f) => f.id), ['vpp/cluster-routes']);
  assert.match(f1[0]!.message, /no route to 10\.96\.0\.0\/12 \(service CIDR/);
  const bigMtu = { ...healthy, routes: healthy.routes.map((r) => (r.dst === '10.0.0.0/16' ? { ...r, mtu: 1500 } : r)) };
  const f2 = vppFindings(bigMtu);
  assert.deepEqual(f2.map((f) => [f.id, f.severity]), [['vpp/cluster-routes', 'error']]);
  assert.match(f2[0]!.message, /MTU 1500, expected 1440/);
  const smallMtu = { ...healthy, routes: healthy.routes.map((r) => (r.dst === '10.0.0.0/16' ? { ...r, mtu: 1400 } : r)) };
  assert.deepEqual(vppFindings(smallMtu).map((f) => f.severity), ['warning']);
  const noAddr = { ...healthy, interfaces: healthy.interfaces.map((i) => (i.name === 'enp216s0f1' ? { ...i, addresses: i.addresses.filter((a) => a.family !== 'inet') } : i)) };
  assert.ok(ids(noAddr).includes('vpp/tap-mirror'));
});

test('no punt redirect in VPP', () => {
  const s = { ...healthy, commands: healthy.commands.map((c) => (c.argv.includes('punt') ? { ...c, stdout: '' } : c)) };
  assert.deepEqual(ids(s), ['vpp/punt-redirect']);
  const elsewhere = { ...healthy, commands: healthy.commands.map((c) => (c.argv.includes('punt') ? { ...c, stdout: ' rx GigabitEthernet0/8/0 redirect via 169.254.0.1 tap0\n' } : c)) };
  assert.deepEqual(ids(elsewhere), ['vpp/punt-redirect']);
});

test('verification against a plan: a route of the uplink missing from the tap', () => {
  const configText = ex('calico-vpp-predeploy/calico-vpp-config.yaml');
  const { plan } = planCalicoVpp(pre, parseCalicoVppConfig(configText, 'c').config);
  const withPlan = withFile({ ...healthy, commands: [] }, { path: '/in/plan.json', content: JSON.stringify({ plan }), role: 'calico-vpp-plan' });
  assert.deepEqual(ids(withPlan), []);
  const noDefault = { ...withPlan, routes: withPlan.routes.filter((r) => r.dst !== 'default') };
  const f = vppFindings(noDefault);
  assert.deepEqual(f.map((x) => [x.id, x.severity]), [['vpp/tap-mirror', 'error']]);
  const wrongMac = { ...withPlan, interfaces: withPlan.interfaces.map((i) => (i.name === 'enp216s0f1' ? { ...i, mac: '02:00:00:00:00:01' } : i)) };
  assert.deepEqual(ids(wrongMac), ['vpp/tap-mac']);
});

test('NetworkManager: a note while the Calico/VPP hook is on, a warning when it is off, none with dns=none', () => {
  const nm = withFile(pre, { path: '/etc/NetworkManager/NetworkManager.conf', content: '[main]\nplugins=ifupdown,keyfile\n' });
  const on = vppFindings(nm).filter((f) => f.id === 'vpp/networkmanager-tap');
  assert.deepEqual(on.map((f) => f.severity), ['note']);
  assert.deepEqual(on[0]!.verified, [true]);
  const cfg = pre.files.find((f) => f.role === 'calico-vpp-config')!;
  const hookOff = withFile(nm, { ...cfg, content: cfg.content!.replace('  SERVICE_PREFIX: 10.96.0.0/12', '  SERVICE_PREFIX: 10.96.0.0/12\n  CALICOVPP_ENABLE_NETWORK_MANAGER_HOOK: "false"') });
  assert.deepEqual(vppFindings(hookOff).filter((f) => f.id === 'vpp/networkmanager-tap').map((f) => f.severity), ['warning']);
  const dnsNone = withFile(nm, { path: '/etc/NetworkManager/conf.d/dns.conf', content: '[main]\ndns=none\n' });
  assert.deepEqual(vppFindings(dnsNone).filter((f) => f.id === 'vpp/networkmanager-tap'), []);
  const unmanaged = withFile(nm, { path: '/etc/NetworkManager/conf.d/u.conf', content: '[keyfile]\nunmanaged-devices=interface-name:enp216s0f1\n' });
  assert.deepEqual(vppFindings(unmanaged).filter((f) => f.id === 'vpp/networkmanager-tap'), []);
});

test('systemd-networkd: only PermanentMACAddress= loses the tap; Name= and MACAddress= keep it', () => {
  assert.ok(ids(pre).includes('vpp/networkd-permanent-mac'));
  const path = '/run/systemd/network/10-netplan-enp216s0f1.network';
  const byName = withFile(pre, { path, content: '[Match]\nName=enp216s0f1\n\n[Network]\nDHCP=ipv4\n' });
  assert.ok(!ids(byName).includes('vpp/networkd-permanent-mac'));
  const byMac = withFile(pre, { path, content: '[Match]\nMACAddress=52:54:00:40:46:8e\n\n[Network]\nDHCP=ipv4\n' });
  assert.ok(!ids(byMac).includes('vpp/networkd-permanent-mac'));
  // A file with an empty [Match] is ignored by networkd (v245+): it does not take the tap either.
  const empty = withFile(pre, { path: '/etc/systemd/network/90-all.network', content: '[Match]\n\n[Network]\nDHCP=yes\n' });
  assert.deepEqual(vppFindings(empty).filter((f) => f.id === 'vpp/networkd-permanent-mac').map((f) => f.severity), ['error']);
  // A second file that takes the tap by name: a warning (another .network), not the loss of the link.
  const second = withFile(pre, { path: '/etc/systemd/network/50-tap.network', content: '[Match]\nName=enp*\n\n[Network]\nDHCP=no\n' });
  assert.deepEqual(vppFindings(second).filter((f) => f.id === 'vpp/networkd-permanent-mac').map((f) => f.severity), ['warning']);
});

test('API server address: the uplink\'s first address, a secondary one, another interface\'s', () => {
  const manifest = '/etc/kubernetes/manifests/kube-apiserver.yaml';
  const api = (a: string): Snapshot => withFile(pre, { path: manifest, content: `spec:\n  containers:\n  - command:\n    - kube-apiserver\n    - --advertise-address=${a}\n` });
  assert.deepEqual(vppFindings(api('192.168.0.1')).filter((f) => f.id === 'vpp/apiserver-address'), []);
  const other = vppFindings(api('10.20.0.5')).filter((f) => f.id === 'vpp/apiserver-address');
  assert.deepEqual(other.map((f) => f.severity), ['error']);
  const two = { ...api('192.168.0.7'), interfaces: pre.interfaces.map((i) => (i.name === 'enp216s0f1' ? { ...i, addresses: [...i.addresses, { family: 'inet' as const, local: '192.168.0.7', prefixlen: 24, scope: 'global', peer: null }] } : i)) };
  assert.deepEqual(vppFindings(two).filter((f) => f.id === 'vpp/apiserver-address').map((f) => f.severity), ['warning']);
});

test('encapsulation room: VXLAN over an IPv6 uplink, an uplink mtu above the NIC\'s', () => {
  const cfg = pre.files.find((f) => f.role === 'calico-vpp-config')!;
  const vxlan = withFile(pre, { ...cfg, content: cfg.content!.replace('vxlanMode: Never', 'vxlanMode: Always') });
  assert.deepEqual(vppFindings(vxlan).filter((f) => f.id === 'vpp/encap-mtu'), [], 'VXLAN over IPv4 fits in 60 bytes');
  const v6 = { ...vxlan, interfaces: vxlan.interfaces.map((i) => (i.name === 'enp216s0f1' ? { ...i, addresses: [{ family: 'inet6' as const, local: 'fd00::1', prefixlen: 64, scope: 'global', peer: null }] } : i)) };
  const f = vppFindings(v6).filter((x) => x.id === 'vpp/encap-mtu');
  assert.deepEqual(f.map((x) => x.severity), ['error']);
  assert.match(f[0]!.message, /VXLAN over IPv6 \(70 bytes/);
  const big = withFile(pre, { ...cfg, content: cfg.content!.replace('"vppDriver": "avf"', '"vppDriver": "avf", "mtu": 9000') });
  assert.deepEqual(vppFindings(big).filter((x) => x.id === 'vpp/encap-mtu').map((x) => x.severity), ['warning']);
});

test('a host without Calico/VPP: the vpp rules stay silent', () => {
  const minimal = parseSnapshot(readFileSync(new URL('../fixtures/snapshots/minimal.json', import.meta.url), 'utf8'), 'm');
  assert.deepEqual(ids(minimal), []);
});

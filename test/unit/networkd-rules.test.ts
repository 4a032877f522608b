// The networkd/* rules on a Calico node built around real public .network and networkd.conf files
// (test/fixtures/networkd/README.md): each case installs one file and checks which CNI links the
// model gives it and what a restart would remove.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildHost } from '../../src/model/host.js';
import { loadNetworkd, networkForLink, restartEffect } from '../../src/model/networkd/index.js';
import { runChecks } from '../../src/rules/engine.js';
import { dropsForeignRoutes } from '../../src/rules/networkd/drops-foreign-routes.js';
import { managesCniLink } from '../../src/rules/networkd/manages-cni-link.js';
import type { Rule } from '../../src/rules/types.js';
import type { FileRecord, Interface, Route, RoutingRule, Snapshot } from '../../src/snapshot/schema.js';
import { file, fixture, iface, snapshot } from './bridge-lab-helpers.js';

const route = (r: Partial<Route> & { dst: string }): Route => ({
  family: 'inet', table: 'main', type: 'unicast', gateway: null, dev: null, protocol: null, scope: null, metric: null, prefsrc: null, mtu: null, ...r,
});
const rule = (r: Partial<RoutingRule>): RoutingRule => ({
  family: 'inet', priority: null, table: null, action: null, protocol: 'kernel', src: null, dst: null, iif: null, oif: null, fwmark: null, not: false, ...r,
});
const addr = (local: string, prefixlen: number) => ({ family: 'inet' as const, local, prefixlen, scope: 'global', peer: null });

/** A Calico node (IPIP, VXLAN and WireGuard set up) with kube-proxy in IPVS mode. */
function calicoNode(uplinkDriver = 'virtio_net'): Snapshot {
  const interfaces: Interface[] = [
    iface('lo', 1, { linkType: 'loopback', arphrdType: 772, flags: ['LOOPBACK', 'UP', 'LOWER_UP'], mac: '00:00:00:00:00:00', addresses: [addr('127.0.0.1', 8)] }),
    iface('eth0', 2, { driver: uplinkDriver, devicePath: '/sys/devices/pci0000:00/0000:00:03.0/virtio0', addrAssignType: 0, addresses: [addr('10.0.0.5', 24)] }),
    iface('cali1a2b3c4d5e6', 3, { kind: 'veth', link: null, linkNetns: true }),
    iface('vxlan.calico', 4, { kind: 'vxlan', devtype: 'vxlan', addresses: [addr('192.168.12.0', 32)] }),
    iface('tunl0', 5, { kind: 'ipip', linkType: 'ipip', arphrdType: 768, mac: null, addresses: [addr('192.168.12.1', 32)] }),
    iface('kube-ipvs0', 6, { kind: 'dummy', flags: ['BROADCAST', 'NOARP'], operstate: 'DOWN', addresses: [addr('10.96.0.1', 32)] }),
  ];
  return {
    ...snapshot(interfaces),
    host: { ...snapshot([]).host, virtualization: 'kvm', systemdVersion: 252 },
    routes: [
      route({ dst: 'default', gateway: '10.0.0.1', dev: 'eth0', protocol: 'dhcp' }),
      route({ dst: '10.0.0.0/24', dev: 'eth0', protocol: 'kernel', scope: 'link' }),
      route({ dst: '192.168.12.5', dev: 'cali1a2b3c4d5e6', protocol: 'boot', scope: 'link' }),
      route({ dst: '192.168.12.0/26', type: 'blackhole', protocol: 'bird' }),
      route({ dst: '192.168.7.0/26', gateway: '10.0.0.6', dev: 'eth0', protocol: 'bird' }),
    ],
    rules: [
      rule({ priority: 0, table: 'local' }),
      rule({ priority: 99, table: '1', not: true, fwmark: '0x100000/0x100000', protocol: 'unspec' }),
      rule({ priority: 32766, table: 'main' }),
      rule({ priority: 32767, table: 'default' }),
    ],
    nexthops: [{ id: 7, gateway: '10.0.0.6', dev: 'eth0', group: null, blackhole: false, protocol: 'zebra' }],
  };
}

const withFiles = (s: Snapshot, ...files: FileRecord[]): Snapshot => ({ ...s, files: [...s.files, ...files] });
const run = (s: Snapshot, r: Rule) => runChecks(buildHost(s), [r]).findings;
const NETPLAN = '/run/systemd/network/10-netplan-def1.network';

test('netplan match {name: "*"}: every CNI link is taken, DHCP runs on them and their addresses go; the fix is verified', () => {
  const s = withFiles(calicoNode(), file(NETPLAN, fixture('networkd/netplan-match-all-names.network')));
  const [f, ...rest] = run(s, managesCniLink);
  assert.equal(rest.length, 0);
  assert.equal(f!.severity, 'error');
  assert.match(f!.message, /cali1a2b3c4d5e6, vxlan\.calico, tunl0, kube-ipvs0/);
  assert.ok(f!.evidence.some((e) => e.file === NETPLAN && e.line === 2 && /Name=/.test(e.message)));
  assert.ok(f!.evidence.some((e) => e.interface === 'vxlan.calico' && /DHCP=ipv4/.test(e.message) && /192\.168\.12\.0\/32/.test(e.message)));
  assert.ok(f!.evidence.some((e) => e.interface === 'cali1a2b3c4d5e6' && /192\.168\.12\.5 dev cali1a2b3c4d5e6/.test(e.message)));
  const fix = f!.fixes[0]!;
  assert.equal(fix.verified, true, fix.verification?.summary);
  assert.match(fix.files[0]!.content, /^Name=cali\* vxlan\.calico tunl\* kube-ipvs0$/m);
  assert.match(fix.files[0]!.content, /^Unmanaged=yes$/m);
  assert.ok(fix.files[0]!.path.split('/').pop()! < '10-netplan-def1.network');
});

test('netplan match {}: an empty [Match] is ignored from systemd 245 on, and takes every link before', () => {
  const s = withFiles(calicoNode(), file(NETPLAN, fixture('networkd/netplan-match-all.network')));
  assert.deepEqual(run(s, managesCniLink), []);
  const cfg = loadNetworkd(buildHost(s));
  assert.equal(cfg.skipped[0]?.reason, 'empty-match');
  const old = { ...s, host: { ...s.host, systemdVersion: 244 } };
  const [f] = run(old, managesCniLink);
  assert.equal(f?.severity, 'error');
  assert.match(f!.message, /cali1a2b3c4d5e6/);
});

test('CoreOS Container Linux\'s zz-default.network (no [Match], DHCP=v4): every link with systemd 241, none with 252', () => {
  const path = '/usr/lib/systemd/network/zz-default.network';
  const s = withFiles(calicoNode(), file(path, fixture('networkd/coreos-zz-default.network')));
  assert.deepEqual(run(s, managesCniLink), []);
  const [f] = run({ ...s, host: { ...s.host, systemdVersion: 241 } }, managesCniLink);
  assert.ok(f!.evidence.some((e) => /DHCP=ipv4/.test(e.message)));
});

test('Flatcar\'s zz-default.network excludes veths, VXLAN and tunnel devices; Type=dummy cannot exclude kube-ipvs0 (its type is ether)', () => {
  const path = '/usr/lib/systemd/network/zz-default.network';
  const s = withFiles(calicoNode(), file(path, fixture('networkd/flatcar-zz-default.network')));
  const host = buildHost(s);
  const cfg = loadNetworkd(host);
  const taken = (name: string) => networkForLink(host, cfg, host.interface(name)!);
  assert.match(taken('cali1a2b3c4d5e6').tried[0]!.why, /^Driver=!veth/);
  assert.match(taken('vxlan.calico').tried[0]!.why, /^Type=.* vs type vxlan/);
  assert.match(taken('tunl0').tried[0]!.why, /vs type tunnel/);
  assert.equal(taken('kube-ipvs0').managed, true);
  const [f, ...rest] = run(s, managesCniLink);
  assert.equal(rest.length, 0);
  assert.equal(f!.interface, 'kube-ipvs0');
});

test('systemd\'s 89-ethernet example and archiso\'s 20-ethernet take no CNI link', () => {
  for (const [name, path] of [['systemd-89-ethernet.network', '/etc/systemd/network/89-ethernet.network'], ['archiso-20-ethernet.network', '/etc/systemd/network/20-ethernet.network']] as const) {
    const s = withFiles(calicoNode(), file(path, fixture(`networkd/${name}`)));
    assert.deepEqual(run(s, managesCniLink), [], name);
  }
});

test('a .network with Unmanaged=yes before the catch-all clears the finding; a masked one does not', () => {
  const s = withFiles(calicoNode(), file(NETPLAN, fixture('networkd/netplan-match-all-names.network')));
  const unmanaged = file('/etc/systemd/network/05-cni.network', '[Match]\nName=cali* vxlan.calico tunl0 kube-ipvs0\n\n[Link]\nUnmanaged=yes\n');
  assert.deepEqual(run(withFiles(s, unmanaged), managesCniLink), []);
  const masked: FileRecord = { ...unmanaged, content: null, mask: 'dev-null' };
  assert.equal(run(withFiles(s, masked), managesCniLink).length, 1);
});

test('netplan Driver=ixgbe on a bare-metal uplink: the BIRD routes, the WireGuard rule and the zebra nexthop go on a restart', () => {
  const s = withFiles(calicoNode('ixgbe'), file(NETPLAN, fixture('networkd/netplan-match-driver.network')),
    file('/etc/systemd/networkd.conf', fixture('networkd/systemd-networkd.conf')));
  assert.deepEqual(run(s, managesCniLink), []);
  const effect = restartEffect(buildHost(s), loadNetworkd(buildHost(s)));
  assert.deepEqual(effect.routes.map((r) => r.route.dst).sort(), ['192.168.12.0/26', '192.168.7.0/26'], 'the DHCP default route is networkd\'s own; the kernel\'s stay');
  assert.deepEqual(effect.rules.map((r) => r.priority), [99]);
  assert.deepEqual(effect.nexthops.map((n) => n.nexthop.id), [7]);
  const [f, ...rest] = run(s, dropsForeignRoutes);
  assert.equal(rest.length, 0);
  assert.match(f!.message, /2 routes, 1 policy rule, 1 nexthop/);
  assert.match(f!.message, /ManageForeignNextHops= needs systemd >= 256/);
  assert.ok(f!.evidence.some((e) => /blackhole 192\.168\.12\.0\/26 proto bird/.test(e.message)));
  assert.ok(f!.evidence.some((e) => /99: not from all fwmark 0x100000\/0x100000 lookup 1/.test(e.message)));
  const fix = f!.fixes[0]!;
  assert.equal(fix.files[0]!.content.includes('ManageForeignNextHops'), false, 'systemd 252 does not know it');
  assert.match(fix.files[0]!.content, /^ManageForeignRoutes=no\nManageForeignRoutingPolicyRules=no$/m);
});

test('kops\'s 80-release.conf keeps routes and rules; only the nexthop is left, and 256 can be told to keep it', () => {
  const base = withFiles(calicoNode('ixgbe'), file(NETPLAN, fixture('networkd/netplan-match-driver.network')),
    file('/usr/lib/systemd/networkd.conf.d/80-release.conf', fixture('networkd/kops-80-release.conf')));
  const [f] = run(base, dropsForeignRoutes);
  assert.match(f!.message, /removes 1 nexthop/);
  assert.equal(f!.fixes.length, 0, 'no setting to write on 252');
  const v256 = { ...base, host: { ...base.host, systemdVersion: 256 } };
  const [g] = run(v256, dropsForeignRoutes);
  assert.equal(g!.fixes[0]!.verified, true, g!.fixes[0]!.verification?.summary);
  assert.match(g!.fixes[0]!.files[0]!.content, /^ManageForeignNextHops=no$/m);
  const noNexthops = { ...base, nexthops: [] };
  assert.deepEqual(run(noNexthops, dropsForeignRoutes), []);
});

test('a drop-in in /etc hides the same-named one in /usr/lib; KeepConfiguration=yes protects everything', () => {
  const base = withFiles({ ...calicoNode('ixgbe'), nexthops: [] }, file(NETPLAN, fixture('networkd/netplan-match-driver.network')),
    file('/usr/lib/systemd/networkd.conf.d/80-release.conf', fixture('networkd/kops-80-release.conf')));
  assert.deepEqual(run(base, dropsForeignRoutes), []);
  const hidden = withFiles(base, file('/etc/systemd/networkd.conf.d/80-release.conf', '[Network]\nManageForeignRoutes=yes\n'));
  const [f] = run(hidden, dropsForeignRoutes);
  assert.match(f!.message, /2 routes, 1 policy rule/);
  const keep = withFiles(hidden, file(`${NETPLAN}.d/keep.conf`, '[Network]\nKeepConfiguration=yes\n'));
  assert.deepEqual(run(keep, dropsForeignRoutes), []);
});

test('no .network file: networkd manages nothing and removes nothing', () => {
  assert.deepEqual(run(calicoNode(), dropsForeignRoutes), []);
  assert.deepEqual(run(calicoNode(), managesCniLink), []);
});

// `hostnet collect --netns` on a real namespace: every recorded property is compared with what
// `ip` and sysfs say about the same namespace, read independently of the collector.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SnapshotSchema, type Interface } from '../../src/snapshot/schema.js';
import { hostnet, hostnetArgv, hostnetAsNobody, netns, requireRealSystem, sh } from '../helpers/system.js';

test('collect --netns records links, sysfs, bridge masks, addresses and routes exactly', (t) => {
  if (!requireRealSystem(t, { tools: ['ip'] })) return;
  const ns = netns(t, 'hn-col');
  const { ip } = ns;
  // No duplicate address detection: addresses are usable (not "tentative") at once.
  ns.exec('sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0');
  ip('link', 'add', 'br0', 'type', 'bridge', 'group_fwd_mask', '0x4000', 'stp_state', '0');
  for (let n = 0; n < 3; n++) ip('link', 'add', `va${n}`, 'type', 'veth', 'peer', 'name', `vb${n}`);
  ip('link', 'set', 'va0', 'master', 'br0');
  ip('link', 'set', 'va1', 'master', 'br0');
  ip('link', 'set', 'dev', 'va0', 'type', 'bridge_slave', 'group_fwd_mask', '0x4');
  ip('link', 'set', 'dev', 'va1', 'type', 'bridge_slave', 'hairpin', 'on', 'flood', 'off');
  ip('tuntap', 'add', 'dev', 'ens2f0', 'mode', 'tap');
  ip('tuntap', 'add', 'dev', 'tun0', 'mode', 'tun');
  ip('link', 'set', 'ens2f0', 'address', '52:54:00:40:46:8e');
  ip('link', 'add', 'mv0', 'link', 'vb2', 'type', 'macvlan', 'mode', 'private');
  ip('link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'dev', 'vb2');
  for (const dev of ['br0', 'va0', 'va1', 'vb0', 'vb1', 'vb2', 'ens2f0']) ip('link', 'set', dev, 'up');
  ip('link', 'set', 'vb2', 'mtu', '9000');
  ip('addr', 'add', '192.168.0.1/24', 'dev', 'vb2');
  ip('addr', 'add', '2001:db8::1/64', 'dev', 'vb2');
  ip('route', 'add', 'default', 'via', '192.168.0.254', 'dev', 'vb2', 'proto', 'dhcp', 'metric', '100');
  ip('route', 'add', '10.96.0.0/12', 'via', '192.168.0.254', 'dev', 'vb2', 'proto', 'static', 'mtu', '1440', 'table', '1000');
  ip('-6', 'route', 'add', '2001:db8:1::/64', 'via', '2001:db8::fe', 'dev', 'vb2', 'mtu', '1400', 'table', '1000');
  // Policy rules and a nexthop: what systemd-networkd's ManageForeign* settings are about.
  ip('rule', 'add', 'pref', '99', 'not', 'fwmark', '0x100000/0x100000', 'lookup', '1000', 'proto', 'bird');
  ip('-6', 'rule', 'add', 'pref', '98', 'from', '2001:db8::/64', 'lookup', '1000');
  ip('nexthop', 'add', 'id', '7', 'dev', 'va0');

  // IPv6 link-local addresses and their routes appear a moment after a link comes up: wait until
  // the tables stop changing so that the collector and the comparison see the same state.
  const routeDump = () => ip('-6', '-j', 'route', 'show', 'table', 'all') + ip('-j', 'addr', 'show');
  for (let last = '', n = 0; n < 50; n++) {
    const now = routeDump();
    if (now === last && !now.includes('tentative')) break;
    last = now;
    sh(['sleep', '0.2']);
  }
  const r = hostnet(['collect', '--netns', ns.name]);
  assert.equal(r.code, 0, r.stderr);
  const snap = SnapshotSchema.parse(JSON.parse(r.stdout));
  assert.equal(snap.scope.netns, ns.name);

  // The independent view: ip's own JSON and sysfs read with cat inside the namespace.
  const links = JSON.parse(ip('-d', '-j', 'link', 'show')) as Record<string, unknown>[];
  assert.deepEqual(snap.interfaces.map((i) => i.name).sort(), links.map((l) => String(l.ifname)).sort());
  const sys = (name: string, attr: string): string | null => {
    try {
      return ns.exec('cat', `/sys/class/net/${name}/${attr}`).trim();
    } catch {
      return null;
    }
  };
  const by = new Map(snap.interfaces.map((i) => [i.name, i]));
  for (const l of links) {
    const i = by.get(String(l.ifname)) as Interface;
    const info = (l.linkinfo ?? {}) as Record<string, unknown>;
    assert.equal(i.index, l.ifindex, `${i.name} index`);
    assert.equal(i.kind, info.info_kind ?? null, `${i.name} kind`);
    assert.equal(i.mtu, l.mtu, `${i.name} mtu`);
    assert.equal(i.master, l.master ?? null, `${i.name} master`);
    assert.deepEqual(i.flags, l.flags, `${i.name} flags`);
    assert.equal(i.operstate, l.operstate, `${i.name} operstate`);
    if (l.link_type === 'ether') assert.equal(i.mac, l.address, `${i.name} mac`);
    assert.equal(i.addrAssignType, Number(sys(i.name, 'addr_assign_type')), `${i.name} addr_assign_type`);
    assert.equal(i.arphrdType, Number(sys(i.name, 'type')), `${i.name} type`);
    const speed = sys(i.name, 'speed');
    assert.equal(i.speed, speed === null || Number(speed) < 0 ? null : Number(speed), `${i.name} speed`);
    assert.equal(i.duplex, sys(i.name, 'duplex'), `${i.name} duplex`);
    const devtype = (sys(i.name, 'uevent') ?? '').split('\n').find((x) => x.startsWith('DEVTYPE='))?.slice(8) ?? null;
    assert.equal(i.devtype, devtype, `${i.name} devtype`);
  }
  assert.equal(by.get('ens2f0')!.kindData.type, 'tap');
  assert.equal(by.get('ens2f0')!.addrAssignType, 3, 'a MAC set by userspace is NET_ADDR_SET');
  assert.equal(by.get('ens2f0')!.mac, '52:54:00:40:46:8e');
  assert.equal(by.get('tun0')!.kindData.type, 'tun');
  assert.equal(by.get('tun0')!.addrAssignType, 0);
  assert.equal(by.get('vb0')!.addrAssignType, 1, 'veth MACs are random');
  assert.equal(by.get('mv0')!.kindData.mode, 'private');
  assert.equal(by.get('mv0')!.link, 'vb2');
  assert.equal(by.get('vx0')!.kindData.id, 42);
  assert.equal(by.get('vx0')!.link, 'vb2');
  assert.equal(by.get('va0')!.link, 'vb0', 'veth peer');
  const bridge = by.get('br0')!.bridge!;
  assert.deepEqual([bridge.groupFwdMask, bridge.stpState, bridge.vlanFiltering, bridge.groupAddr], [0x4000, 0, false, '01:80:c2:00:00:00']);
  assert.equal(Number(sys('br0', 'bridge/group_fwd_mask')), 0x4000);
  assert.deepEqual([by.get('va0')!.bridgePort!.groupFwdMask, by.get('va0')!.bridgePort!.state], [0x4, 'forwarding']);
  assert.equal(by.get('va1')!.bridgePort!.flags?.hairpin, true);
  assert.equal(by.get('va1')!.bridgePort!.flags?.flood, false);
  assert.equal(Number(sys('va1', 'brport/hairpin_mode')), 1);
  assert.equal(by.get('va0')!.bridgePort!.flags?.hairpin, false);
  assert.equal(Number(sys('va0', 'brport/group_fwd_mask')), 0x4);
  assert.equal(by.get('va1')!.bridgePort!.groupFwdMask, 0);
  assert.equal(by.get('vb2')!.mtu, 9000);
  assert.deepEqual(by.get('vb2')!.addresses.filter((a) => a.scope === 'global').map((a) => `${a.local}/${a.prefixlen}`).sort(),
    ['192.168.0.1/24', '2001:db8::1/64']);

  const route = (dst: string, table: string) => snap.routes.find((x) => x.dst === dst && x.table === table);
  assert.deepEqual(route('default', 'main'), {
    family: 'inet', table: 'main', type: 'unicast', dst: 'default', gateway: '192.168.0.254', dev: 'vb2',
    protocol: 'dhcp', scope: null, metric: 100, prefsrc: null, mtu: null,
  });
  assert.equal(route('10.96.0.0/12', '1000')!.mtu, 1440);
  assert.equal(route('10.96.0.0/12', '1000')!.protocol, 'static');
  assert.equal(route('2001:db8:1::/64', '1000')!.mtu, 1400);
  assert.equal(route('2001:db8:1::/64', '1000')!.family, 'inet6');
  const ipRoutes = [...JSON.parse(ip('-4', '-j', 'route', 'show', 'table', 'all')), ...JSON.parse(ip('-6', '-j', 'route', 'show', 'table', 'all'))];
  assert.equal(snap.routes.length, ipRoutes.length, 'every route of every table, both families');

  const rule = snap.rules!.find((x) => x.priority === 99)!;
  assert.deepEqual([rule.family, rule.not, rule.fwmark, rule.table, rule.protocol], ['inet', true, '0x100000/0x100000', '1000', 'bird']);
  const rule6 = snap.rules!.find((x) => x.priority === 98)!;
  assert.deepEqual([rule6.family, rule6.src, rule6.protocol], ['inet6', '2001:db8::/64', 'unspec']);
  const ipRules = [...JSON.parse(ip('-4', '-j', 'rule', 'show')), ...JSON.parse(ip('-6', '-j', 'rule', 'show'))];
  assert.equal(snap.rules!.length, ipRules.length, 'every rule, both families');
  assert.ok(snap.rules!.filter((x) => x.priority === 0).every((x) => x.protocol === 'kernel'), 'the kernel\'s own rules say so');
  assert.deepEqual(snap.nexthops, [{ id: 7, gateway: null, dev: 'va0', group: null, blackhole: false, protocol: 'unspec' }]);

  // Host facts and files come from the machine itself.
  assert.ok(snap.host.kernelRelease);
  assert.match(snap.host.machineId ?? '', /^[0-9a-f]{32}$/);
});

test('collect --redact leaves out the machine-id', (t) => {
  if (!requireRealSystem(t, { tools: ['ip'] })) return;
  const ns = netns(t, 'hn-col');
  const r = hostnet(['collect', '--netns', ns.name, '--redact']);
  assert.equal(r.code, 0, r.stderr);
  const snap = JSON.parse(r.stdout);
  assert.equal(snap.host.machineId, null);
  assert.equal(snap.scope.redacted, true);
  assert.ok(!r.stdout.includes(readFileSync('/etc/machine-id', 'utf8').trim()), 'the machine-id appears nowhere in the output');
});


test('collect in a namespace that does not exist: one message, exit 2', (t) => {
  if (!requireRealSystem(t, { tools: ['ip'] })) return;
  const r = hostnet(['collect', '--netns', 'hn-no-such-namespace']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /cannot collect in network namespace "hn-no-such-namespace"/);
  assert.match(r.stderr, /ip netns list/);
});

test('collect as a user who cannot read everything records gaps instead of failing', (t) => {
  if (!requireRealSystem(t, { tools: ['ip', 'setpriv'] })) return;
  // An unreadable .link file under --root becomes a gap with the reason.
  const root = mkdtempSync(join(tmpdir(), 'hostnet-root-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'etc/systemd/network'), { recursive: true });
  writeFileSync(join(root, 'etc/systemd/network/10-a.link'), '[Match]\nOriginalName=*\n[Link]\nMACAddressPolicy=none\n');
  chmodSync(join(root, 'etc/systemd/network/10-a.link'), 0o000);
  chmodSync(root, 0o755);
  const r = hostnet(['collect', '--root', root], {});
  // As root the file is readable; as nobody it is a gap.
  const asNobody = hostnetAsNobody(['collect', '--root', root]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(JSON.parse(r.stdout).files.some((f: { path: string }) => f.path === '/etc/systemd/network/10-a.link'));
  assert.equal(asNobody.code, 0, asNobody.stderr);
  const gaps = JSON.parse(asNobody.stdout).gaps as { source: string; reason: string }[];
  assert.ok(gaps.some((g) => g.source === '/etc/systemd/network/10-a.link' && g.reason === 'permission-denied'), JSON.stringify(gaps));
});

test('the agent collects a live namespace with sysfs read on its own thread, as collect does with workers', (t) => {
  if (!requireRealSystem(t, { tools: ['ip'] })) return;
  const ns = netns(t, 'hn-agl');
  for (let n = 0; n < 3; n++) ns.ip('link', 'add', `pa${n}`, 'type', 'veth', 'peer', 'name', `pb${n}`);
  ns.ip('link', 'add', 'br0', 'type', 'bridge');
  ns.ip('link', 'set', 'pa0', 'master', 'br0');
  // The agent reads sysfs on the main thread (src/cli/agent.ts); `collect` on worker threads. Both
  // must see the namespace the same way: the agent's check finds what `check --netns` finds.
  const check = hostnet(['check', '--netns', ns.name, '--format', 'json']);
  assert.ok(check.code === 0 || check.code === 1, check.stderr);
  const findings = (JSON.parse(check.stdout) as { findings: unknown[] }).findings.length;
  const [node, ...argv] = hostnetArgv(['agent', '--once', '--no-kube', '--node-name', 'n1']);
  const agent = spawnSync('ip', ['netns', 'exec', ns.name, node!, ...argv], { encoding: 'utf8' });
  assert.equal(agent.status, check.code, agent.stderr);
  assert.match(agent.stderr, new RegExp(`check 1: ${findings} finding\\(s\\)`));
});

// The ip JSON converters on output recorded on this machine (a namespace with a bridge, veth, tap,
// tun, macvlan, vxlan; see test/fixtures/ip/README.md for the commands that made it).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { interfacesFromIpAddr, parseMask, routesFromIp } from '../../src/collect/ip.js';
import { parseUdevDb } from '../../src/collect/sysfs.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/ip/${name}`, import.meta.url), 'utf8'));

test('interfaces: kinds, parents, masters and kind data', () => {
  const ifs = interfacesFromIpAddr(fixture('addr-d.json'));
  const by = new Map(ifs.map((i) => [i.name, i]));
  assert.equal(ifs.length, 8);
  assert.equal(by.get('lo')!.kind, null);
  assert.equal(by.get('lo')!.linkType, 'loopback');
  assert.equal(by.get('br0')!.kind, 'bridge');
  assert.deepEqual(by.get('br0')!.bridge, { groupFwdMask: 0x4000, stpState: 0, vlanFiltering: false, vlanProtocol: null, groupAddr: '01:80:c2:00:00:00' });
  assert.equal(by.get('v0')!.master, 'br0');
  assert.equal(by.get('v0')!.slaveKind, 'bridge');
  const port = by.get('v0')!.bridgePort!;
  assert.equal(port.groupFwdMask, 0x4);
  assert.equal(port.state, 'forwarding');
  assert.equal(port.flags?.learning, true);
  assert.equal(port.flags?.hairpin, false);
  assert.equal(port.flags?.flood, true);
  assert.ok(Object.values(port.flags ?? {}).every((v) => typeof v === 'boolean'), 'only the boolean options');
  assert.equal(by.get('v0')!.link, 'v1');
  assert.equal(by.get('ens2f0')!.kind, 'tun');
  assert.equal(by.get('ens2f0')!.kindData.type, 'tap');
  assert.equal(by.get('ens2f0')!.mac, '52:54:00:40:46:8e');
  assert.equal(by.get('tun0')!.kindData.type, 'tun');
  assert.equal(by.get('tun0')!.mac, null, 'a tun device has no MAC');
  assert.equal(by.get('mv0')!.kindData.mode, 'bridge');
  assert.equal(by.get('mv0')!.link, 'v1');
  assert.equal(by.get('vx0')!.kindData.id, 42);
  assert.equal(by.get('vx0')!.link, 'v1', 'a vxlan names its lower device in info_data');
  assert.equal(by.get('br0')!.kindData && Object.keys(by.get('br0')!.kindData).length, 0, 'bridge data goes to .bridge, not kindData');
});

test('interfaces: addresses of both families with prefix length and scope', () => {
  const v1 = interfacesFromIpAddr(fixture('addr-d.json')).find((i) => i.name === 'v1')!;
  assert.deepEqual(v1.addresses.map((a) => `${a.family} ${a.local}/${a.prefixlen} ${a.scope}`).sort(), [
    'inet 10.1.0.1/24 global',
    'inet6 fd00::1/64 global',
    'inet6 fe80::6479:5bff:fe97:821f/64 link',
  ]);
});

test('interfaces: a physical NIC keeps its bus and has no kind', () => {
  const [eth0] = interfacesFromIpAddr(fixture('addr-d-host-eth0.json'));
  assert.equal(eth0!.kind, null);
  assert.equal(eth0!.parentBus, 'virtio');
  assert.equal(eth0!.mtu, 1400);
});

test('routes: tables, route MTU, types and families', () => {
  const v4 = routesFromIp(fixture('route4.json'), 'inet');
  const inTable100 = v4.find((r) => r.table === '100')!;
  assert.deepEqual(inTable100, {
    family: 'inet', table: '100', type: 'unicast', dst: '10.9.0.0/16', gateway: '10.1.0.254', dev: 'v1',
    protocol: null, scope: null, metric: null, prefsrc: null, mtu: 1440,
  });
  assert.ok(v4.some((r) => r.table === 'local' && r.type === 'local' && r.dst === '10.1.0.1'));
  assert.ok(v4.some((r) => r.table === 'main' && r.protocol === 'kernel' && r.dst === '10.1.0.0/24'));
  const v6 = routesFromIp(fixture('route6.json'), 'inet6');
  assert.ok(v6.length > 0 && v6.every((r) => r.family === 'inet6'));
  assert.ok(v6.some((r) => r.dst === 'fd00::/64' && r.metric === 256));
});

test('masks: hex and decimal strings as ip prints them', () => {
  assert.equal(parseMask('0x4000'), 0x4000);
  assert.equal(parseMask('0'), 0);
  assert.equal(parseMask(16388), 16388);
  assert.equal(parseMask(''), null);
  assert.equal(parseMask('junk'), null);
});

test('udev database: E: lines become properties, other lines are ignored', () => {
  const props = parseUdevDb('I:123\nE:ID_NET_NAME_PATH=enp216s0f1\nE:ID_NET_LINK_FILE=/usr/lib/systemd/network/99-default.link\nG:systemd\nE:EMPTY=\n');
  assert.deepEqual(props, {
    ID_NET_NAME_PATH: 'enp216s0f1',
    ID_NET_LINK_FILE: '/usr/lib/systemd/network/99-default.link',
    EMPTY: '',
  });
});

test('converters refuse output that is not an array', () => {
  assert.throws(() => interfacesFromIpAddr({}), /JSON array/);
  assert.throws(() => routesFromIp('x', 'inet'), /JSON array/);
});

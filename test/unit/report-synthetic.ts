/**
 * Synthetic snapshots and a test rule, for the agent and report tests and bench/agent.bench.ts:
 * real-shaped hosts (a NIC with macvlan children, a bridge with veth and tap ports, a VPP host tap)
 * of any size, validated by the snapshot schema like a collected one.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Finding, Rule } from '../../src/rules/types.js';
import { SnapshotSchema, type Interface, type Snapshot } from '../../src/snapshot/schema.js';

const MINIMAL = fileURLToPath(new URL('../fixtures/snapshots/minimal.json', import.meta.url));

function iface(index: number, name: string, extra: Partial<Interface>): Interface {
  const mac = `02:00:${((index >> 24) & 255).toString(16).padStart(2, '0')}:${((index >> 16) & 255).toString(16).padStart(2, '0')}:${((index >> 8) & 255).toString(16).padStart(2, '0')}:${(index & 255).toString(16).padStart(2, '0')}`;
  return {
    index, name, kind: null, kindData: {}, link: null, linkNetns: false, master: null, slaveKind: null, linkType: 'ether', arphrdType: 1,
    devtype: null, mac, permaddr: null, addrAssignType: 3, nameAssignType: null, mtu: 1500, flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], operstate: 'UP',
    promiscuity: 0, driver: null, devicePath: null, parentBus: null, speed: null, duplex: null, numTxQueues: 1, numRxQueues: 1, udev: null,
    bridge: null, bridgePort: null, addresses: [], ...extra,
  };
}

/**
 * A node: eth0 (NIC) with `macvlans` macvlan children, br0 with veth ports and a tap, a VPP host tap
 * `vpptap0` carrying the default route, and `veths` more host-side veths (pods) on cni0.
 * Interfaces named `trap*` are what TRAP_RULE reports.
 */
export function syntheticSnapshot(options: { hostname?: string; veths?: number; macvlans?: number; traps?: string[] } = {}): Snapshot {
  const base = JSON.parse(readFileSync(MINIMAL, 'utf8')) as Snapshot;
  const list: Interface[] = [iface(1, 'lo', { linkType: 'loopback', arphrdType: 772, mac: '00:00:00:00:00:00', flags: ['LOOPBACK', 'UP'], mtu: 65536 })];
  let n = 2;
  list.push(iface(n++, 'eth0', { driver: 'ice', devicePath: '/sys/devices/pci0000:00/0000:3b:00.0', parentBus: 'pci', speed: 25000, duplex: 'full', addrAssignType: 0 }));
  for (let i = 0; i < (options.macvlans ?? 2); i++) list.push(iface(n++, `mvl${i}`, { kind: 'macvlan', kindData: { mode: 'bridge' }, link: 'eth0', addrAssignType: 1 }));
  list.push(iface(n++, 'br0', { kind: 'bridge', devtype: 'bridge', bridge: { groupFwdMask: 0, stpState: 0, vlanFiltering: false } }));
  for (const port of ['vm1-tap', 'vm2-tap']) {
    list.push(iface(n++, port, { kind: 'tun', kindData: { type: 'tap' }, master: 'br0', slaveKind: 'bridge', bridgePort: { groupFwdMask: 0, state: 'forwarding' } }));
  }
  list.push(iface(n++, 'vpptap0', { kind: 'tun', kindData: { type: 'tap' }, addrAssignType: 1, addresses: [{ family: 'inet', local: '192.0.2.10', prefixlen: 24, scope: 'global', peer: null }] }));
  list.push(iface(n++, 'cni0', { kind: 'bridge', devtype: 'bridge', bridge: { groupFwdMask: 0, stpState: 0, vlanFiltering: false } }));
  for (let i = 0; i < (options.veths ?? 4); i++) {
    list.push(iface(n++, `veth${i.toString(16).padStart(8, '0')}`, { kind: 'veth', link: 'eth0', linkNetns: true, master: 'cni0', slaveKind: 'bridge', bridgePort: { groupFwdMask: 0, state: 'forwarding' } }));
  }
  for (const trap of options.traps ?? []) {
    list.push(iface(n++, trap, { kind: 'veth', link: 'eth0', linkNetns: true, master: 'br0', slaveKind: 'bridge', bridgePort: { groupFwdMask: 0, state: 'forwarding' } }));
  }
  const snapshot: Snapshot = {
    ...base,
    host: { ...base.host, hostname: options.hostname ?? 'node1' },
    interfaces: list,
    routes: [{ family: 'inet', table: 'main', type: 'unicast', dst: 'default', gateway: '192.0.2.1', dev: 'vpptap0', protocol: 'static', scope: null, metric: null, prefsrc: null, mtu: null }],
    files: [],
    commands: [],
    gaps: [{ source: '/proc/net/bonding', reason: 'not-found', detail: 'no bonds' }],
  };
  return SnapshotSchema.parse(snapshot);
}

/** A rule for tests: every interface whose name starts with `trap` is a trap, with evidence and a fix. */
export const TRAP_RULE: Rule = {
  meta: { id: 'test/trap-iface', title: 'Interfaces named trap*', severity: 'error', references: ['test/unit/report-synthetic.ts'] },
  check(host): Finding[] {
    return host.interfaces.filter((i) => i.name.startsWith('trap')).map((i) => ({
      ruleId: 'test/trap-iface', severity: 'error' as const, interface: i.name,
      message: `${i.name} is a trap <on purpose> & "quoted"`,
      evidence: [{ message: 'its name starts with trap', interface: i.name, field: 'name', value: i.name },
        { message: 'the .link file that should rename it', file: '/etc/systemd/network/10-trap.link', line: 3 }],
      fixes: [{ title: `rename ${i.name}`, files: [], commands: [`ip link set ${i.name} name fixed-${i.name}`] }],
    }));
  },
};

/** A host-level rule for tests (no interface): fires when a host has no default route via eth0. */
export const NOTE_RULE: Rule = {
  meta: { id: 'test/host-note', title: 'A host-level note', severity: 'note', references: [] },
  check(host): Finding[] {
    return host.routes.some((r) => r.dst === 'default' && r.dev === 'vpptap0')
      ? [{ ruleId: 'test/host-note', severity: 'note', message: 'the default route goes through the VPP host tap', evidence: [], fixes: [] }]
      : [];
  },
};

// Snapshots for the bridge, bond and libvirt unit tests: whole interfaces from a few fields.
import { readFileSync } from 'node:fs';
import { SNAPSHOT_SCHEMA, type FileRecord, type Interface, type Snapshot } from '../../src/snapshot/schema.js';

export function iface(name: string, index: number, over: Partial<Interface> = {}): Interface {
  return {
    index, name, kind: null, kindData: {}, link: null, linkNetns: false, master: null, slaveKind: null, linkType: 'ether',
    arphrdType: 1, devtype: null, mac: `02:00:00:00:00:${index.toString(16).padStart(2, '0')}`, permaddr: null, addrAssignType: 3, nameAssignType: null,
    mtu: 1500, flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], operstate: 'UP', promiscuity: 0, driver: null, devicePath: null,
    parentBus: null, speed: null, duplex: null, numTxQueues: 1, numRxQueues: 1, udev: null, bridge: null, bridgePort: null, addresses: [],
    ...over,
  };
}

export function bridge(name: string, index: number, over: Partial<NonNullable<Interface['bridge']>> = {}): Interface {
  return iface(name, index, { kind: 'bridge', devtype: 'bridge', bridge: { groupFwdMask: 0, stpState: 0, vlanFiltering: false, ...over } });
}

export function port(name: string, index: number, master: string, over: Partial<Interface> & { mask?: number | null; state?: string } = {}): Interface {
  const { mask, state, ...rest } = over;
  return iface(name, index, { kind: 'tun', kindData: { type: 'tap' }, master, slaveKind: 'bridge', bridgePort: { groupFwdMask: mask === undefined ? 0 : mask, state: state ?? 'forwarding' }, ...rest });
}

export function snapshot(interfaces: Interface[], files: FileRecord[] = [], kernelRelease: string | null = '6.1.0-18-amd64'): Snapshot {
  return {
    schema: SNAPSHOT_SCHEMA, collectedAt: '2026-11-22T00:00:00.000Z', collector: { name: 'hostnet', version: 'test' },
    scope: { netns: null, root: '/', redacted: false },
    host: { hostname: 'kvm1', kernelRelease, architecture: 'x86_64', kernelCommandLine: null, os: { id: 'debian', versionId: '12', prettyName: null },
      systemdVersion: 252, virtualization: 'none', machineId: null },
    interfaces, routes: [], files, commands: [], gaps: [],
  };
}

export function file(path: string, content: string, role: string | null = null): FileRecord {
  return { path, content, mask: null, role };
}

export function fixture(path: string): string {
  return readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');
}

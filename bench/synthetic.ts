/**
 * A synthetic host at scale for benchmarks: N interfaces (NICs, bridges with ports, veth pairs, taps,
 * vxlan devices, a few well-known CNI devices), M routes over several tables, K .link files with
 * drop-ins, and a Calico/VPP configuration naming some uplinks. Deterministic for a given size.
 */
import { SNAPSHOT_SCHEMA, type FileRecord, type Interface, type Route, type Snapshot } from '../src/snapshot/schema.js';

export interface SyntheticSize {
  interfaces: number;
  routes: number;
  linkFiles: number;
}

const hex = (n: number, width = 2) => n.toString(16).padStart(width, '0');
const mac = (n: number) => `02:00:${hex((n >> 24) & 255)}:${hex((n >> 16) & 255)}:${hex((n >> 8) & 255)}:${hex(n & 255)}`;

export function syntheticSnapshot(size: SyntheticSize): Snapshot {
  const interfaces: Interface[] = [];
  const base = (index: number, name: string): Interface => ({
    index, name, kind: null, kindData: {}, link: null, linkNetns: false, master: null, slaveKind: null, linkType: 'ether', arphrdType: 1,
    devtype: null, mac: mac(index), permaddr: null, addrAssignType: 1, nameAssignType: null, mtu: 1500, flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
    operstate: 'UP', promiscuity: 0, driver: null, devicePath: null, parentBus: null, speed: null, duplex: null, numTxQueues: 1,
    numRxQueues: 1, udev: null, bridge: null, bridgePort: null, addresses: [],
  });
  interfaces.push({ ...base(1, 'lo'), linkType: 'loopback', arphrdType: 772, mac: '00:00:00:00:00:00', addrAssignType: 0, flags: ['LOOPBACK', 'UP', 'LOWER_UP'] });
  for (let n = 2; interfaces.length < size.interfaces; n++) {
    const i = interfaces.length;
    const kind = i % 10;
    if (kind === 0) {
      interfaces.push({ ...base(n, `ens${i}f0`), driver: 'ice', addrAssignType: 0, devicePath: `/sys/devices/pci0000:00/0000:00:${hex(i & 255)}.0`, parentBus: 'pci', speed: 25000, duplex: 'full', numRxQueues: 64, numTxQueues: 64,
        addresses: [{ family: 'inet', local: `10.${(i >> 8) & 255}.${i & 255}.1`, prefixlen: 24, scope: 'global', peer: null }] });
    } else if (kind === 1) {
      interfaces.push({ ...base(n, `br${i}`), kind: 'bridge', devtype: 'bridge', bridge: { groupFwdMask: 0, stpState: 0, vlanFiltering: false } });
    } else if (kind <= 4) {
      const bridge = `br${i - (kind - 1)}`;
      interfaces.push({ ...base(n, `vnet${i}`), kind: 'tun', kindData: { type: 'tap' }, master: bridge, slaveKind: 'bridge', addrAssignType: 3, bridgePort: { groupFwdMask: 0, state: 'forwarding' } });
    } else if (kind <= 7) {
      interfaces.push({ ...base(n, `veth${i}`), kind: 'veth', link: `eth0`, linkNetns: true, speed: 10000, duplex: 'full' });
    } else if (kind === 8) {
      interfaces.push({ ...base(n, `vxlan${i}`), kind: 'vxlan', devtype: 'vxlan', kindData: { id: i } });
    } else {
      interfaces.push({ ...base(n, `tap${i}`), kind: 'tun', kindData: { type: 'tap' } });
    }
  }
  interfaces.push({ ...base(size.interfaces + 10, 'flannel.1'), kind: 'vxlan', devtype: 'vxlan', kindData: { id: 1 }, addrAssignType: 3 });

  const routes: Route[] = [];
  const nics = interfaces.filter((i) => i.driver === 'ice');
  for (let r = 0; r < size.routes; r++) {
    const dev = nics[r % nics.length]!;
    routes.push({ family: 'inet', table: r % 4 === 0 ? 'main' : String(100 + (r % 50)), type: 'unicast', dst: `172.${16 + ((r >> 16) & 15)}.${(r >> 8) & 255}.${r & 255}/32`,
      gateway: dev.addresses[0]!.local.replace(/\.1$/, '.254'), dev: dev.name, protocol: 'static', scope: null, metric: null, prefsrc: null, mtu: r % 3 === 0 ? 1440 : null });
  }

  const files: FileRecord[] = [
    { path: '/usr/lib/systemd/network/99-default.link', content: '[Match]\nOriginalName=*\n\n[Link]\nNamePolicy=keep kernel database onboard slot path\nAlternativeNamesPolicy=database onboard slot path\nMACAddressPolicy=persistent\n', mask: null, role: null },
  ];
  for (let k = 0; k < size.linkFiles; k++) {
    const path = `/etc/systemd/network/${String(10 + (k % 80)).padStart(2, '0')}-site-${k}.link`;
    files.push({ path, content: `[Match]\nOriginalName=site${k}-*\nDriver=ice e1000e !virtio_net\nProperty=ID_BUS=pci\n\n[Link]\nMTUBytes=9000\nMACAddressPolicy=${k % 2 ? 'persistent' : 'none'}\n`, mask: null, role: null });
    if (k % 3 === 0) files.push({ path: `${path}.d/50-override.conf`, content: '[Link]\nMTUBytes=1500\n', mask: null, role: null });
  }
  const uplinks = nics.slice(0, 4).map((n) => `{"interfaceName": "${n.name}", "vppDriver": "dpdk"}`).join(', ');
  files.push({ path: '/etc/calico-vpp/calico-vpp-config.yaml', role: 'calico-vpp-config', mask: null,
    content: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: calico-vpp-config}\ndata:\n  CALICOVPP_INTERFACES: '{"uplinkInterfaces": [${uplinks}]}'\n  CALICOVPP_CONFIG_TEMPLATE: |-\n    cpu { workers 2 }\n` });

  return {
    schema: SNAPSHOT_SCHEMA, collectedAt: '2026-01-01T00:00:00.000Z', collector: { name: 'hostnet', version: 'bench' },
    scope: { netns: null, root: '/', redacted: false },
    host: { hostname: 'bench', kernelRelease: '6.1.0', architecture: 'x86_64', kernelCommandLine: '', os: { id: 'debian', versionId: '12', prettyName: 'Debian 12' },
      systemdVersion: 252, virtualization: 'none', machineId: '0123456789abcdef0123456789abcdef' },
    interfaces, routes, files, commands: [], gaps: [],
  };
}

/**
 * A synthetic host at scale for benchmarks: N interfaces (NICs, bridges with ports, veth pairs, taps,
 * vxlan devices, a few well-known CNI devices), M routes over several tables, K .link files that really
 * match them (name globs, drivers, drop-ins, masked files), and a Calico/VPP configuration naming every
 * NIC as an uplink, so each NIC's future tap is a data-plane tap the .link engine resolves. Deterministic
 * for a given size.
 */
import { SNAPSHOT_SCHEMA, type FileRecord, type Interface, type Route, type Snapshot } from '../src/snapshot/schema.js';

export interface SyntheticSize {
  interfaces: number;
  routes: number;
  linkFiles: number;
  /** How many NICs Calico/VPP takes over (each becomes a tap); default every NIC. */
  uplinks?: number;
}

/** Name prefixes of the synthetic interfaces, each followed by the interface's position. */
const PREFIXES = ['ens', 'br', 'vnet', 'veth', 'vxlan', 'tap'] as const;

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
      interfaces.push({ ...base(n, `vnet${i}`), kind: 'tun', driver: 'tun', kindData: { type: 'tap' }, master: bridge, slaveKind: 'bridge', addrAssignType: 3, bridgePort: { groupFwdMask: 0, state: 'forwarding' } });
    } else if (kind <= 7) {
      interfaces.push({ ...base(n, `veth${i}`), kind: 'veth', driver: 'veth', link: `eth0`, linkNetns: true, speed: 10000, duplex: 'full' });
    } else if (kind === 8) {
      interfaces.push({ ...base(n, `vxlan${i}`), kind: 'vxlan', devtype: 'vxlan', kindData: { id: i } });
    } else {
      interfaces.push({ ...base(n, `tap${i}`), kind: 'tun', driver: 'tun', kindData: { type: 'tap' } });
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
  files.push(...linkFiles(size.linkFiles));
  const uplinks = nics.slice(0, size.uplinks ?? nics.length).map((n) => `{"interfaceName": "${n.name}", "vppDriver": "dpdk"}`).join(', ');
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

/**
 * K .link files that match the synthetic interfaces: file k matches the names of one prefix whose
 * position starts with one digit (`vnet3*`), so each interface is matched by several files and the
 * engine walks the sorted list to the first. Every fifth file of a group adds a condition that fails
 * (a driver the device does not have), a third of them have a drop-in, and one file in twenty under
 * /usr/lib is masked by /etc. Tun devices (the data-plane taps) get files of their own per digit that
 * sort first and set MACAddressPolicy=persistent, so every data-plane tap is raced.
 */
export function linkFiles(count: number): FileRecord[] {
  const out: FileRecord[] = [];
  for (let k = 0; k < count; k++) {
    const prefix = PREFIXES[k % PREFIXES.length]!;
    const digit = 1 + (Math.floor(k / PREFIXES.length) % 9);
    const tun = k % 7 === 3;
    // The taps' files sort first and let udevd write a persistent MAC: every data-plane tap is raced.
    const name = tun ? `05-site-${k}-tun.link` : `${String(10 + (k % 80)).padStart(2, '0')}-site-${k}.link`;
    const dir = k % 20 === 5 ? '/usr/lib/systemd/network' : '/etc/systemd/network';
    const match = [
      tun ? `OriginalName=ens${digit}* ens${digit}?f0` : `OriginalName=${prefix}${digit}*`,
      ...(tun ? ['Driver=tun'] : k % 5 === 4 ? ['Driver=!tun virtio_net'] : []),
    ];
    out.push({ path: `${dir}/${name}`, content: `[Match]\n${match.join('\n')}\n\n[Link]\nMTUBytes=9000\nNamePolicy=keep\nMACAddressPolicy=${tun || k % 2 ? 'persistent' : 'none'}\n`, mask: null, role: null });
    if (k % 3 === 0) out.push({ path: `${dir}/${name}.d/50-override.conf`, content: '[Link]\nMTUBytes=1500\n', mask: null, role: null });
    if (dir.startsWith('/usr/lib')) out.push({ path: `/etc/systemd/network/${name}`, content: null, mask: 'dev-null', role: null });
  }
  return out;
}

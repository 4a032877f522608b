/**
 * Regenerates the three Calico/VPP examples from real collections (needs root):
 *   node --import tsx examples/calico-vpp-predeploy/make-examples.ts
 *
 * Linux state is collected by `hostnet collect --netns` from namespaces built to look like seed 002's
 * node: before the takeover a NIC enp216s0f1 (a veth stands in for the Intel VF; its physical facts,
 * driver iavf at PCI 0000:d8:0a.0, are then written in), after it a real tap of that name with the
 * uplink's MAC, addresses and routes. VPP's side is seed 002's vppctl outputs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { persistentMac } from '../../src/model/link/persistent.js';
import type { CommandRecord, FileRecord, Snapshot } from '../../src/snapshot/schema.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const MAC = '52:54:00:40:46:8e';
const MACHINE_ID = '8e3f0c2a5b6d4e7f9a0b1c2d3e4f5a6b';
const ip = (ns: string, ...args: string[]): void => void execFileSync('ip', ['-n', ns, ...args]);

function collect(ns: string): Snapshot {
  const out = execFileSync(process.execPath, ['--import', 'tsx', cli, 'collect', '--netns', ns], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return JSON.parse(out) as Snapshot;
}

function withNamespace<T>(name: string, build: (ns: string) => void, then: (ns: string) => T): T {
  spawnSync('ip', ['netns', 'del', name]);
  execFileSync('ip', ['netns', 'add', name]);
  try {
    build(name);
    return then(name);
  } finally {
    spawnSync('ip', ['netns', 'del', name]);
  }
}

const predeployConfig = readFileSync(new URL('./calico-vpp-config.yaml', import.meta.url), 'utf8');
const defaultLink = readFileSync(new URL('./99-default.link', import.meta.url), 'utf8');
const netplan = readFileSync(new URL('./10-netplan-enp216s0f1.network', import.meta.url), 'utf8');
const apiserver = readFileSync(new URL('./kube-apiserver.yaml', import.meta.url), 'utf8');
const vppctl = (name: string): string => readFileSync(new URL(`../calico-vpp-healthy/vppctl/${name}`, import.meta.url), 'utf8');

const files: FileRecord[] = [
  { path: '/usr/lib/systemd/network/99-default.link', content: defaultLink, mask: null, role: null },
  { path: '/run/systemd/network/10-netplan-enp216s0f1.network', content: netplan, mask: null, role: null },
  { path: '/etc/kubernetes/manifests/kube-apiserver.yaml', content: apiserver, mask: null, role: null },
  { path: '/etc/calico-vpp/calico-vpp-config.yaml', content: predeployConfig, mask: null, role: 'calico-vpp-config' },
];

/** networkd keeps the routes Calico/VPP installs through the tap (hostnet networkd/drops-foreign-routes). */
const KEEP_FOREIGN = '# Routes, policy rules and nexthops installed by the CNI or a routing daemon are not\n# systemd-networkd\'s to remove (hostnet networkd/drops-foreign-routes).\n[Network]\nManageForeignRoutes=no\nManageForeignRoutingPolicyRules=no\n';

/** The healthy node has the fixes hostnet proposes for the pre-deployment snapshot in place. */
const healthyFiles: FileRecord[] = [
  ...files,
  { path: '/etc/systemd/network/10-netplan-enp216s0f1.network', content: netplan.replace(/^PermanentMACAddress=.*$/m, 'Name=enp216s0f1'), mask: null, role: null },
  { path: '/etc/systemd/network/10-hostnet-keep-mac-tun.link', content: '[Match]\nDriver=tun\nOriginalName=enp216s0f1\n\n[Link]\nNamePolicy=keep\nMACAddressPolicy=none\n', mask: null, role: null },  { path: '/etc/systemd/networkd.conf.d/50-hostnet-keep-foreign.conf', content: KEEP_FOREIGN, mask: null, role: null },
];

function hostFacts(s: Snapshot, withFiles: FileRecord[] = files): Snapshot {
  return {
    ...s,
    collectedAt: '2026-11-22T04:30:00.000Z',
    scope: { netns: null, root: '/', redacted: false },
    host: {
      hostname: 'node-a', kernelRelease: '5.15.0-88-generic', architecture: 'x86_64',
      kernelCommandLine: 'BOOT_IMAGE=/vmlinuz-5.15.0-88-generic root=/dev/mapper/vg0-root ro intel_iommu=on iommu=pt hugepagesz=1G hugepages=16',
      os: { id: 'ubuntu', versionId: '22.04', prettyName: 'Ubuntu 22.04.3 LTS' }, systemdVersion: 249, virtualization: 'none', machineId: MACHINE_ID,
    },
    interfaces: s.interfaces.filter((i) => i.name !== 'peer0'),
    routes: s.routes.filter((r) => r.dev !== 'peer0'),
    files: withFiles,
    gaps: [],
  };
}

// Before: the NIC with the host's address and DHCP default route.
const pre = withNamespace('hn-vpp-ex-pre', (ns) => {
  ip(ns, 'link', 'add', 'enp216s0f1', 'type', 'veth', 'peer', 'name', 'peer0');
  ip(ns, 'link', 'set', 'enp216s0f1', 'address', MAC);
  ip(ns, 'link', 'set', 'enp216s0f1', 'up');
  ip(ns, 'link', 'set', 'peer0', 'up');
  ip(ns, 'addr', 'add', '192.168.0.1/24', 'brd', '192.168.0.255', 'dev', 'enp216s0f1');
  ip(ns, 'route', 'add', 'default', 'via', '192.168.0.254', 'dev', 'enp216s0f1', 'proto', 'dhcp', 'src', '192.168.0.1', 'metric', '100');
}, collect);
const preSnap = hostFacts(pre);
preSnap.interfaces = preSnap.interfaces.map((i) => i.name !== 'enp216s0f1' ? i : {
  ...i, kind: null, kindData: {}, link: null, linkNetns: false, driver: 'iavf', parentBus: 'pci', addrAssignType: 0, permaddr: null,
  devicePath: '/sys/devices/pci0000:d7/0000:d7:00.0/0000:d8:0a.0', speed: 25000, duplex: 'full', numRxQueues: 4, numTxQueues: 4,
  udev: { ID_NET_DRIVER: 'iavf', ID_PATH: 'pci-0000:d8:0a.0', ID_NET_NAME_PATH: 'enp216s0f1', ID_BUS: 'pci', ID_NET_LINK_FILE: '/usr/lib/systemd/network/99-default.link' },
});
writeFileSync(`${root}calico-vpp-predeploy/snapshot.json`, `${JSON.stringify(preSnap, null, 1)}\n`);

/** After: the tap VPP leaves, with the given MAC. */
function post(ns: string, mac: string): Snapshot {
  return withNamespace(ns, (n) => {
    ip(n, 'tuntap', 'add', 'dev', 'enp216s0f1', 'mode', 'tap');
    ip(n, 'link', 'set', 'enp216s0f1', 'address', mac);
    ip(n, 'link', 'set', 'enp216s0f1', 'up');
    ip(n, 'addr', 'add', '192.168.0.1/24', 'brd', '192.168.0.255', 'dev', 'enp216s0f1');
    ip(n, 'route', 'add', 'default', 'via', '192.168.0.254', 'dev', 'enp216s0f1', 'proto', 'dhcp', 'src', '192.168.0.1', 'metric', '100', 'onlink');
    ip(n, 'route', 'add', '10.96.0.0/12', 'via', '192.168.0.254', 'dev', 'enp216s0f1', 'proto', 'static', 'mtu', '1440', 'onlink');
    ip(n, 'route', 'add', '10.0.0.0/16', 'via', '192.168.0.254', 'dev', 'enp216s0f1', 'proto', 'static', 'mtu', '1440', 'onlink');
  }, collect);
}

const commands: CommandRecord[] = [
  { argv: ['vppctl', 'show', 'interface', 'address'], exitCode: 0, stdout: vppctl('show-interface-address.txt') },
  { argv: ['vppctl', 'show', 'hardware-interfaces'], exitCode: 0, stdout: vppctl('show-hardware-interfaces.txt') },
  { argv: ['vppctl', 'show', 'ip', 'punt', 'redirect'], exitCode: 0, stdout: vppctl('show-ip-punt-redirect.txt') },
  { argv: ['vppctl', 'show', 'ip', 'fib'], exitCode: 0, stdout: vppctl('show-ip-fib.txt') },
];

for (const [dir, mac] of [['calico-vpp-healthy', MAC], ['calico-vpp-broken', persistentMac(MACHINE_ID, 'enp216s0f1')]] as const) {
  const s = hostFacts(post(`hn-vpp-ex-${dir.slice(11)}`, mac), dir === 'calico-vpp-healthy' ? healthyFiles : files);
  s.commands = commands;
  writeFileSync(`${root}${dir}/snapshot.json`, `${JSON.stringify(s, null, 1)}\n`);
  console.log(`${dir}: tap MAC ${mac}`);
}

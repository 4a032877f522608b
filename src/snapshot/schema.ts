/**
 * The snapshot: one host's network state as the sources gave it.
 *
 * This file is the single definition of the format. The TypeScript types are inferred from it and
 * `npm run schema` publishes it as JSON Schema under schema/. Collection writes it, analysis reads it;
 * nothing else crosses that line. Raw values are kept raw (a sysfs number stays a number, an unknown
 * speed stays null) so that analysis, not collection, decides what they mean.
 */
import { z } from 'zod';

import { SNAPSHOT_SCHEMA } from './version.js';

export { SNAPSHOT_SCHEMA };

const mac = z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2})*$/, 'a MAC address in lower-case colon form');

export const GapSchema = z.object({
  source: z.string().describe('What could not be read: a command, a file or a directory.'),
  reason: z.enum(['missing-tool', 'permission-denied', 'not-found', 'failed', 'unsupported', 'timeout'])
    .describe('Why it could not be read.'),
  detail: z.string().describe('The error as the system reported it.'),
});

export const HostFactsSchema = z.object({
  hostname: z.string().nullable(),
  kernelRelease: z.string().nullable().describe('uname -r'),
  architecture: z.string().nullable().describe('uname -m, e.g. x86_64'),
  kernelCommandLine: z.string().nullable().describe('/proc/cmdline'),
  initCommandLine: z.string().nullable().optional()
    .describe('/proc/1/cmdline, arguments joined by spaces: what systemd tests KernelCommandLine= against inside a container'),
  os: z.object({
    id: z.string().nullable(),
    versionId: z.string().nullable(),
    prettyName: z.string().nullable(),
  }),
  systemdVersion: z.number().int().nullable().describe('Major version of systemd-udevd (udevadm --version).'),
  virtualization: z.string().nullable().describe('As systemd-detect-virt prints it ("none" on bare metal).'),
  machineId: z.string().regex(/^[0-9a-f]{32}$/).nullable().describe('/etc/machine-id; null with --redact.'),
});

export const AddressSchema = z.object({
  family: z.enum(['inet', 'inet6']),
  local: z.string(),
  prefixlen: z.number().int().min(0).max(128),
  scope: z.string().nullable(),
  peer: z.string().nullable().default(null),
  flags: z.array(z.string()).optional()
    .describe('Address flags as ip prints them: dynamic (it has a lifetime), mngtmpaddr (a SLAAC address the kernel made from a router advertisement), temporary, deprecated, tentative, noprefixroute, ...; absent when there are none and in older snapshots'),
  validLifetime: z.number().int().min(0).optional()
    .describe('Seconds the address has left (valid_lft); absent when forever'),
  preferredLifetime: z.number().int().min(0).optional()
    .describe('Seconds it stays preferred (preferred_lft); absent when forever'),
});

export const BridgeSchema = z.object({
  groupFwdMask: z.number().int().min(0).max(0xffff),
  stpState: z.number().int().describe('0 off, 1 kernel STP, 2 user-space STP'),
  vlanFiltering: z.boolean(),
  vlanProtocol: z.string().nullable().optional().describe('802.1Q or 802.1ad, as ip prints it; absent in older snapshots'),
  groupAddr: z.string().nullable().optional().describe('The STP group address (01:80:c2:00:00:00 unless changed)'),
});

export const BridgePortSchema = z.object({
  groupFwdMask: z.number().int().min(0).max(0xffff).nullable().describe('null where the kernel predates per-port masks (< 4.15)'),
  state: z.string().describe('disabled, listening, learning, forwarding or blocking'),
  flags: z.record(z.string(), z.boolean()).nullable().optional()
    .describe('The port\'s boolean options as ip prints them: learning, flood, mcast_flood, bcast_flood, hairpin, isolated, proxy_arp, ...'),
});

export const InterfaceSchema = z.object({
  index: z.number().int(),
  name: z.string().min(1),
  kind: z.string().nullable().describe('rtnetlink kind (linkinfo info_kind): veth, bridge, tun, macvlan, vxlan, bond, ...; null for physical NICs and loopback'),
  kindData: z.record(z.string(), z.unknown()).describe('linkinfo info_data as ip prints it (tun type, macvlan mode, vxlan id, ...)'),
  link: z.string().nullable().describe('The parent (lower) device or the veth peer, as ip names it'),
  linkNetns: z.boolean().default(false).describe('The parent or peer lives in another namespace'),
  master: z.string().nullable(),
  slaveKind: z.string().nullable().describe('linkinfo info_slave_kind: bridge, bond, ...'),
  linkType: z.string().nullable().describe('ip link_type: ether, loopback, none, ...'),
  arphrdType: z.number().int().nullable().describe('/sys/class/net/IF/type (1 ether, 772 loopback, 65534 none)'),
  devtype: z.string().nullable().describe('DEVTYPE from /sys/class/net/IF/uevent (bridge, vxlan, wlan, ...)'),
  mac: mac.nullable(),
  permaddr: mac.nullable().describe('IFLA_PERM_ADDRESS as ip prints it; ip omits it when it equals the current address'),
  addrAssignType: z.number().int().nullable().describe('/sys/class/net/IF/addr_assign_type: 0 permanent, 1 random, 2 stolen, 3 set'),
  nameAssignType: z.number().int().nullable().default(null)
    .describe('/sys/class/net/IF/name_assign_type: 1 enumerated, 2 predictable, 3 user, 4 renamed; null when the kernel does not say (EINVAL)'),
  mtu: z.number().int(),
  flags: z.array(z.string()),
  operstate: z.string().nullable(),
  promiscuity: z.number().int().nullable(),
  driver: z.string().nullable().describe('Basename of /sys/class/net/IF/device/driver; null for virtual devices'),
  devicePath: z.string().nullable().describe('Resolved /sys/class/net/IF/device, e.g. /sys/devices/pci0000:00/0000:00:03.0/virtio2'),
  parentBus: z.string().nullable(),
  speed: z.number().int().nullable().describe('Mb/s from sysfs; null when unknown or unreadable (virtio reports none)'),
  duplex: z.string().nullable().describe('sysfs duplex: full, half, unknown; null when unreadable'),
  numTxQueues: z.number().int().nullable(),
  numRxQueues: z.number().int().nullable(),
  udev: z.record(z.string(), z.string()).nullable().describe('Properties from the udev database (/run/udev/data/nIFINDEX); null where there is none'),
  bridge: BridgeSchema.nullable(),
  bridgePort: BridgePortSchema.nullable(),
  addresses: z.array(AddressSchema),
});

export const RouteSchema = z.object({
  family: z.enum(['inet', 'inet6']),
  table: z.string().describe('main, local, or a number'),
  type: z.string().describe('unicast, local, broadcast, multicast, blackhole, ...'),
  dst: z.string().describe('"default" or a prefix'),
  gateway: z.string().nullable(),
  dev: z.string().nullable(),
  protocol: z.string().nullable(),
  scope: z.string().nullable(),
  metric: z.number().int().nullable(),
  prefsrc: z.string().nullable(),
  mtu: z.number().int().nullable(),
  expires: z.number().int().nullable().optional()
    .describe('Seconds the route has left (ip prints expires for routes learnt from router advertisements); null or absent when it does not expire'),
});

export const RoutingRuleSchema = z.object({
  family: z.enum(['inet', 'inet6']),
  priority: z.number().int().nullable(),
  table: z.string().nullable().describe('main, local, default or a number; null for rules that do not look up a table (goto, nop)'),
  action: z.string().nullable().describe('ip\'s "action" (blackhole, unreachable, prohibit, goto); null for a table lookup'),
  protocol: z.string().nullable().describe('Who installed the rule: kernel, boot, static, unspec or a number/name (ip -d)'),
  src: z.string().nullable(),
  dst: z.string().nullable(),
  iif: z.string().nullable(),
  oif: z.string().nullable(),
  fwmark: z.string().nullable().describe('As ip prints it, with /MASK when a mask is set'),
  not: z.boolean().describe('The rule is inverted'),
  suppressPrefixlength: z.number().int().nullable().optional()
    .describe('suppress_prefixlength: a result whose prefix is this long or shorter is discarded; absent when not set'),
  unmodelled: z.array(z.string()).optional()
    .describe('Other selectors ip printed (tos, ipproto, sport, dport, uid range, l3mdev, tun_id, ...), which analysis does not evaluate; absent when none'),
});

export const NextHopSchema = z.object({
  id: z.number().int(),
  gateway: z.string().nullable(),
  dev: z.string().nullable(),
  group: z.array(z.number().int()).nullable().describe('Member ids of a nexthop group; null for a single nexthop'),
  blackhole: z.boolean(),
  protocol: z.string().nullable(),
});

export const FileRecordSchema = z.object({
  path: z.string().describe('Absolute path as seen on the analysed host (below --root when collected from one)'),
  content: z.string().nullable().describe('Text of the file; null when masked'),
  mask: z.enum(['dev-null', 'empty']).nullable().default(null).describe('Masked: a symlink to /dev/null or an empty file'),
  role: z.string().nullable().default(null)
    .describe('What the file is when its path does not say (an input given with --input ROLE=FILE): see src/snapshot/roles.ts'),
  origin: z.object({
    path: z.string().describe('The provisioning file (Butane, Ignition, MachineConfig, cloud-init) that installs this file'),
    line: z.number().int().describe('The line declaring it there'),
    contentLine: z.number().int().nullable().describe('The line holding its first line, when its text is written there line for line; null when encoded'),
  }).nullable().optional().describe('Where a file installed by a provisioning input comes from; absent for files read from disk'),
});

export const CommandRecordSchema = z.object({
  argv: z.array(z.string()),
  exitCode: z.number().int(),
  stdout: z.string(),
});

export const TunHolderSchema = z.object({
  interface: z.string().describe('The tun/tap device, from `iff:` in /proc/PID/fdinfo/FD of the holder\'s /dev/net/tun descriptor'),
  pid: z.number().int(),
  comm: z.string().nullable().describe('/proc/PID/comm (the thread name: VPP\'s main thread is vpp_main)'),
  cmdline: z.array(z.string()).nullable().describe('/proc/PID/cmdline split at NULs; null when unreadable'),
});

export const SnapshotSchema = z.object({
  schema: z.literal(SNAPSHOT_SCHEMA),
  collectedAt: z.string().describe('ISO 8601 time of collection'),
  collector: z.object({ name: z.string(), version: z.string() }),
  scope: z.object({
    netns: z.string().nullable().describe('Network namespace collected, null for the caller\'s'),
    root: z.string().describe('Root directory configuration files were read below'),
    redacted: z.boolean(),
  }),
  host: HostFactsSchema,
  interfaces: z.array(InterfaceSchema),
  routes: z.array(RouteSchema),
  rules: z.array(RoutingRuleSchema).optional()
    .describe('Policy routing rules (ip -d -j rule, both families); absent in older snapshots'),
  nexthops: z.array(NextHopSchema).optional()
    .describe('Nexthop objects (ip -d -j nexthop); absent in older snapshots'),
  files: z.array(FileRecordSchema).describe('Configuration files: .link/.network and drop-ins, /proc/net/bonding/*, and sources named by later analyses'),
  commands: z.array(CommandRecordSchema).describe('Raw outputs of other tools (vppctl, nft -j list ruleset, ...)'),
  tunHolders: z.array(TunHolderSchema).optional()
    .describe('Processes holding a tun/tap device open, in the collected network namespace; absent in older snapshots'),
  sysctls: z.record(z.string(), z.string()).optional()
    .describe('Network sysctls of the collected namespace, by full dotted name as `sysctl -a` prints them (net.ipv4.conf.eth0.rp_filter; a dot in an interface name written as /), values as the kernel prints them; absent in older snapshots and where nothing could be read'),
  gaps: z.array(GapSchema),
});

export type Gap = z.infer<typeof GapSchema>;
export type HostFacts = z.infer<typeof HostFactsSchema>;
export type Address = z.infer<typeof AddressSchema>;
export type Interface = z.infer<typeof InterfaceSchema>;
export type Route = z.infer<typeof RouteSchema>;
export type RoutingRule = z.infer<typeof RoutingRuleSchema>;
export type NextHop = z.infer<typeof NextHopSchema>;
export type FileRecord = z.infer<typeof FileRecordSchema>;
export type CommandRecord = z.infer<typeof CommandRecordSchema>;
export type TunHolder = z.infer<typeof TunHolderSchema>;
export type Snapshot = z.infer<typeof SnapshotSchema>;

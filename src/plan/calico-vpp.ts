/**
 * The Calico/VPP planner: from a pre-deployment snapshot and the Calico/VPP configuration, the state
 * after VPP takes the uplink over (src/model/vpp/takeover.ts says what VPP does), as
 * - a plan (what becomes of the uplink, the tap, its routes, the VPP side), and
 * - the predicted post-takeover snapshot, with VPP's state as the vppctl outputs VPP would print,
 *   so every registered rule (the MAC race of the future tap among them) runs on the future host.
 * Pure.
 */
import { InputError } from '../errors.js';
import { buildHost } from '../model/host.js';
import { CALICO_VPP_PLAN_SCHEMA, type CalicoVppPlan } from '../model/vpp/plan-file.js';
import {
  CALICO_VPP_MAX_MTU, clusterRouteMtu, clusterRoutes, driverEffect, fakeNextHop, uplinkMtu, VPP_SIDE_MAC_BASE,
} from '../model/vpp/takeover.js';
import type { FileRecord, Interface, Route, Snapshot } from '../snapshot/schema.js';
import { VPP_TAP_NAME, type CalicoVppConfig } from '../sources/calico-vpp-config.js';

/** Where the predicted snapshot records its own plan; rules read it to word findings about the future. */
export const PREDICTED_PLAN_PATH = '(predicted)/calico-vpp-plan.json';

export interface PlanOptions {
  /** The main uplink; defaults to the configuration's main uplink. Must agree with it when both are given. */
  uplink?: string;
  /** The configuration file as it should appear in the predicted snapshot (role calico-vpp-config). */
  configFile?: FileRecord;
  /** VPP's name for the uplink when the driver's naming is not modelled (e.g. `TenGigabitEthernetd8/0/1`). */
  vppUplinkName?: string;
}

export interface CalicoVppPlanResult {
  plan: CalicoVppPlan;
  predicted: Snapshot;
  /** What VPP would print, by command. */
  vppctl: { argv: string[]; stdout: string }[];
}

function vppSideMac(index: number): string {
  return `${VPP_SIDE_MAC_BASE}:${index.toString(16).padStart(2, '0')}`;
}

export function planCalicoVpp(pre: Snapshot, config: CalicoVppConfig, options: PlanOptions = {}): CalicoVppPlanResult {
  const main = config.mainUplink;
  if (!main) throw new InputError('the Calico/VPP configuration has no uplink interface', options.configFile?.path, 'set CALICOVPP_INTERFACES {"uplinkInterfaces": [{"interfaceName": ...}]}');
  const name = options.uplink ?? main.interfaceName;
  if (options.uplink && options.uplink !== main.interfaceName) {
    throw new InputError(`--uplink ${options.uplink} is not the configuration's main uplink (${main.interfaceName})`, options.configFile?.path,
      'Calico/VPP takes the uplink named in CALICOVPP_INTERFACES; fix the configuration or the --uplink value');
  }
  const host = buildHost(pre);
  const nic = host.interface(name);
  if (!nic) {
    throw new InputError(`uplink ${name} is not in the snapshot`, undefined,
      `the snapshot's interfaces are ${pre.interfaces.map((i) => i.name).join(', ')}; plan from a snapshot taken before the deployment`);
  }
  if (nic.kind === 'tun') {
    throw new InputError(`${name} is already a tap: VPP has taken the uplink over on this host`, undefined,
      'plan from a pre-deployment snapshot; to verify a deployed node run `npx hostnet check --input calico-vpp-plan=PLAN.json`');
  }
  if (nic.mac === null) throw new InputError(`uplink ${name} has no MAC address in the snapshot`);

  const effect = driverEffect(main, nic);
  const mtu = uplinkMtu(main, nic);
  const notes: string[] = [];
  if (main.vppDriver === 'af_xdp' && (main.mtu ?? nic.mtu) > mtu) notes.push(`af_xdp: vpp-manager lowers the uplink MTU from ${main.mtu ?? nic.mtu} to ${mtu}`);
  const secondaries = config.uplinkInterfaces.filter((u) => !u.isMain);
  const allMtus = [mtu, ...secondaries.map((u) => {
    const i = host.interface(u.interfaceName);
    return i ? uplinkMtu(u, i) : u.mtu ?? CALICO_VPP_MAX_MTU;
  })];
  const routeMtu = clusterRouteMtu(allMtus);
  const uplinkRoutes = pre.routes.filter((r) => r.dev === name);
  const mainRoutes = uplinkRoutes.filter((r) => r.table === 'main' || r.table === '254');
  const nextHops = { inet: fakeNextHop('inet', nic.addresses, mainRoutes), inet6: fakeNextHop('inet6', nic.addresses, mainRoutes) };
  const cluster = clusterRoutes(config, routeMtu, nextHops);
  const vppName = options.vppUplinkName ?? effect.vppName;
  if (vppName === null) notes.push(`VPP's name for the uplink with driver ${effect.driver} depends on the NIC; give it with --vpp-uplink-name to see it in the VPP state`);
  if (!config.serviceCidrs.length) notes.push('no SERVICE_PREFIX: no service route through the tap');
  if (!config.ipPools.length) notes.push('no IP pool in the configuration inputs: pod routes through the tap are not predicted (add the IPPool or Installation YAML to --config)');
  const globalAddrs = nic.addresses.filter((a) => a.scope !== 'link');

  const plan: CalicoVppPlan = {
    schema: CALICO_VPP_PLAN_SCHEMA,
    uplink: name,
    uplinkMac: nic.mac,
    uplinkMtu: mtu,
    uplinkNic: { driver: nic.driver, rxQueues: nic.numRxQueues, devicePath: nic.devicePath },
    driver: { ...effect, vppName },
    clusterRouteMtu: routeMtu,
    fakeNextHops: nextHops,
    tap: { name, mac: nic.mac, mtu, addresses: nic.addresses, routes: mainRoutes, clusterRoutes: cluster },
    vpp: {
      uplink: { name: vppName, mac: nic.mac, mtu, addresses: globalAddrs.map((a) => `${a.local}/${a.prefixlen}`) },
      tap: { name: VPP_TAP_NAME, unnumberedOf: vppName, mac: vppSideMac(main.index), mtu: CALICO_VPP_MAX_MTU },
      punt: { nextHop: config.tap0Address.split('/')[0]!, interface: VPP_TAP_NAME },
    },
    secondary: secondaries.map((u, k) => {
      const sec = host.interface(u.interfaceName);
      const secRoutes = pre.routes.filter((r) => r.dev === u.interfaceName && (r.table === 'main' || r.table === '254'));
      const hops = sec ? { inet: fakeNextHop('inet', sec.addresses, secRoutes), inet6: fakeNextHop('inet6', sec.addresses, secRoutes) } : null;
      // Service routes go through every uplink; pool routes through those on the default physical network.
      const routes = hops ? clusterRoutes({ ...config, ipPools: u.physicalNetworkName ? [] : config.ipPools }, routeMtu, hops).map((r) => ({ ...r, metric: k + 1 })) : [];
      return { uplink: u.interfaceName, driver: u.vppDriver ?? 'default', mtu: sec ? uplinkMtu(u, sec) : u.mtu, tapMac: sec?.mac ?? null, clusterRoutes: routes };
    }),
    notes,
  };
  const vppctl = predictedVppctl(plan);
  return { plan, predicted: predictedSnapshot(pre, plan, vppctl, options.configFile), vppctl };
}

/** The host after the takeover: the NIC replaced by the tap, the cluster routes added, VPP's outputs. */
function predictedSnapshot(pre: Snapshot, plan: CalicoVppPlan, vppctl: { argv: string[]; stdout: string }[], configFile?: FileRecord): Snapshot {
  const nic = pre.interfaces.find((i) => i.name === plan.uplink)!;
  const index = Math.max(0, ...pre.interfaces.map((i) => i.index)) + 1;
  const tap: Interface = {
    ...nic,
    index,
    kind: 'tun',
    kindData: { type: 'tap', pi: false, vnet_hdr: true },
    link: null,
    linkNetns: false,
    master: null,
    slaveKind: null,
    linkType: 'ether',
    arphrdType: 1,
    devtype: null,
    mac: plan.tap.mac,
    // A tap has no permanent address; VPP sets the MAC once the tap exists (NET_ADDR_SET).
    permaddr: null,
    addrAssignType: 3,
    mtu: plan.tap.mtu,
    flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
    operstate: 'UP',
    promiscuity: 0,
    driver: null,
    devicePath: null,
    parentBus: null,
    speed: 10,
    duplex: 'full',
    udev: null,
    bridge: null,
    bridgePort: null,
    addresses: plan.tap.addresses,
  };
  const toRoute = (r: { dst: string; gateway: string; mtu: number }, dev: string, metric: number | null): Route => ({
    family: r.dst.includes(':') ? 'inet6' : 'inet', table: 'main', type: 'unicast', dst: r.dst, gateway: r.gateway, dev,
    protocol: 'static', scope: null, metric, prefsrc: null, mtu: r.mtu,
  });
  const clusterRoutes: Route[] = [
    ...plan.tap.clusterRoutes.map((r) => toRoute(r, plan.uplink, null)),
    ...plan.secondary.flatMap((s) => (s.clusterRoutes ?? []).map((r) => toRoute(r, s.uplink, r.metric))),
  ];
  // Each secondary uplink is replaced by its own tap the same way.
  const secondaryTaps = new Map(plan.secondary.filter((s) => s.tapMac !== null).map((s) => [s.uplink, s]));
  const planFile: FileRecord = { path: PREDICTED_PLAN_PATH, content: JSON.stringify(plan), mask: null, role: 'calico-vpp-plan' };
  return {
    ...pre,
    collectedAt: pre.collectedAt,
    interfaces: pre.interfaces.map((i) => {
      if (i.name === plan.uplink) return tap;
      const sec = secondaryTaps.get(i.name);
      return sec ? { ...tap, index: tap.index + 1 + plan.secondary.indexOf(sec), name: i.name, mac: sec.tapMac, mtu: sec.mtu ?? i.mtu, addresses: i.addresses } : i;
    }),
    routes: [...pre.routes, ...clusterRoutes],
    files: [...pre.files.filter((f) => f.role !== 'calico-vpp-plan' && (!configFile || (f.role !== 'calico-vpp-config' && f.path !== configFile.path))), ...(configFile ? [configFile] : []), planFile],
    commands: [...pre.commands.filter((c) => !c.argv.includes('vppctl')), ...vppctl.map((c) => ({ argv: c.argv, exitCode: 0, stdout: c.stdout }))],
  };
}

/** VPP's outputs after the takeover, in the layout of VPP 19.04 and later. */
function predictedVppctl(plan: CalicoVppPlan): { argv: string[]; stdout: string }[] {
  const up = plan.vpp.uplink.name ?? '<vpp-uplink>';
  const addr = [
    `${up} (up):`, ...plan.vpp.uplink.addresses.map((a) => `  L3 ${a}`),
    `${VPP_TAP_NAME} (up): `, `  unnumbered, use ${up}`, ...plan.vpp.uplink.addresses.map((a) => `  L3 ${a}`),
  ].join('\n');
  const col = (s: string, w: number): string => {
    const pad = Math.max(0, w - s.length);
    return ' '.repeat(Math.floor(pad / 2)) + s + ' '.repeat(pad - Math.floor(pad / 2));
  };
  const hw = [
    `${col('Name', 32)}${col('Idx', 6)}${col('Link', 8)}Hardware`,
    `${up.padEnd(32)}${col('1', 6)}${col('up', 8)}${up}`,
    '  Link speed: unknown',
    `  Ethernet address ${plan.vpp.uplink.mac}`,
    `${VPP_TAP_NAME.padEnd(32)}${col('2', 6)}${col('up', 8)}${VPP_TAP_NAME}`,
    '  Link speed: unknown',
    `  Ethernet address ${plan.vpp.tap.mac}`,
    '  VIRTIO interface',
  ].join('\n');
  const rewrite = `${plan.tap.mac.replace(/:/g, '')}${plan.vpp.tap.mac.replace(/:/g, '')}0800`;
  const punt = [
    ' rx local0 via:',
    '  path-list:[1] locks:1 flags:no-uRPF, uPRF-list:1 len:1 itfs:[2, ]',
    '    path:[1] pl-index:1 ip4 weight=1 pref=0 attached-nexthop:  oper-flags:resolved,',
    `      ${plan.vpp.punt.nextHop} ${plan.vpp.punt.interface}`,
    `      [@0]: ipv4 via ${plan.vpp.punt.nextHop} ${plan.vpp.punt.interface}: mtu:${plan.vpp.tap.mtu} next:6 flags:[features ] ${rewrite}`,
    '',
    ' forwarding',
    `  [@1]: ipv4 via ${plan.vpp.punt.nextHop} ${plan.vpp.punt.interface}: mtu:${plan.vpp.tap.mtu} next:6 flags:[features ] ${rewrite}`,
  ].join('\n');
  return [
    { argv: ['vppctl', 'show', 'interface', 'address'], stdout: `${addr}\n` },
    { argv: ['vppctl', 'show', 'hardware-interfaces'], stdout: `${hw}\n` },
    { argv: ['vppctl', 'show', 'ip', 'punt', 'redirect'], stdout: `${punt}\n` },
  ];
}

/**
 * The Calico/VPP picture of one host, for the rules: which uplink VPP takes (or took), whether the
 * takeover has happened (a tap by the uplink's name), and what the host and VPP should look like
 * afterwards: from a plan written by `hostnet plan calico-vpp` when one is given, else derived from the
 * configuration, the live tap and VPP's own outputs.
 */
import type { Host } from '../host.js';
import type { Interface, Route } from '../../snapshot/schema.js';
import { VPP_TAP0_ADDRESS, VPP_TAP_NAME } from '../../sources/calico-vpp-config.js';
import type { Diagnostic } from '../../sources/vpp-common.js';
import type { VppInterfaceAddresses } from '../../sources/vppctl.js';
import { calicoVppInputs, type CalicoVppInputs } from './inputs.js';
import { parseCalicoVppPlan, type CalicoVppPlan } from './plan-file.js';
import { clusterRouteMtu, clusterRoutes, fakeNextHop, type ClusterRoute } from './takeover.js';

export interface TakeoverExpectation {
  /** Where the expectation comes from: the plan file, or the configuration and VPP's outputs. */
  source: string;
  tapName: string;
  /** The MAC the tap must have: the uplink's MAC as VPP has it; null when unknown. */
  tapMac: string | null;
  tapMacSource: string | null;
  /** Addresses the tap must carry (`a.b.c.d/n`); null when unknown. */
  addresses: string[] | null;
  addressesSource: string | null;
  /** Routes of the uplink that must be back on the tap (main table; kernel routes excluded). */
  routes: Pick<Route, 'family' | 'dst' | 'gateway'>[] | null;
  clusterRoutes: ClusterRoute[];
  clusterRouteMtu: number | null;
  puntNextHop: string;
  puntInterface: string;
  vppUplinkName: string | null;
}

export interface CalicoVppView {
  inputs: CalicoVppInputs;
  plan: { value: CalicoVppPlan; source: string } | null;
  /** The main uplink's Linux name (the tap's name after the takeover); null when nothing says. */
  uplinkName: string | null;
  /** The tap that replaced the uplink, when the takeover has happened. */
  tap: Interface | null;
  /** The uplink still a Linux NIC (before the takeover). */
  nic: Interface | null;
  expectation: TakeoverExpectation | null;
  /** The host is the planner's prediction, not a collected one: findings speak of the future. */
  predicted: boolean;
  diagnostics: Diagnostic[];
}

export function isTap(iface: Interface | undefined | null): boolean {
  return !!iface && iface.kind === 'tun' && (iface.kindData.type === 'tap' || iface.kindData.type === undefined);
}

const cache = new WeakMap<Host, CalicoVppView>();

/** Plan files already read (fix verification re-reads the same plan on patched copies of the host). */
const plans = new Map<string, ReturnType<typeof parseCalicoVppPlan>>();
function readPlan(text: string, path: string): ReturnType<typeof parseCalicoVppPlan> {
  const key = `${path}\0${text}`;
  let hit = plans.get(key);
  if (!hit) {
    if (plans.size >= 8) plans.delete(plans.keys().next().value as string);
    hit = parseCalicoVppPlan(text, path);
    plans.set(key, hit);
  }
  return hit;
}

export function calicoVppView(host: Host): CalicoVppView {
  const hit = cache.get(host);
  if (hit) return hit;
  const view = build(host);
  cache.set(host, view);
  return view;
}

function build(host: Host): CalicoVppView {
  const inputs = calicoVppInputs(host);
  const diagnostics: Diagnostic[] = [];
  let plan: CalicoVppView['plan'] = null;
  const planFile = host.snapshot.files.find((f) => f.role === 'calico-vpp-plan' && f.content !== null);
  if (planFile) {
    const parsed = readPlan(planFile.content!, planFile.path);
    diagnostics.push(...parsed.diagnostics);
    if (parsed.plan) plan = { value: parsed.plan, source: planFile.path };
  }
  const uplinkName = plan?.value.uplink ?? inputs.config?.value.mainUplink?.interfaceName ?? null;
  const current = uplinkName ? host.interface(uplinkName) ?? null : null;
  const tap = isTap(current) ? current : null;
  const nic = current && !tap ? current : null;
  const expectation = tap ? expect(host, inputs, plan, tap) : null;
  const predicted = planFile?.path.startsWith('(predicted)') ?? false;
  return { inputs, plan, uplinkName, tap, nic, expectation, predicted, diagnostics };
}

/** The VPP interface the tap is unnumbered on, else the one holding the tap's first address. */
export function vppUplinkFromOutputs(addrs: readonly VppInterfaceAddresses[], tapAddress: string | null): VppInterfaceAddresses | null {
  const tap0 = addrs.find((i) => i.name === VPP_TAP_NAME && i.unnumberedOf) ?? addrs.find((i) => /^(tap|tun)\d+$/.test(i.name) && i.unnumberedOf && !i.addresses.some((a) => a.prefixlen === 32 && a.tableId !== null));
  if (tap0?.unnumberedOf) return addrs.find((i) => i.name === tap0.unnumberedOf) ?? null;
  if (!tapAddress) return null;
  return addrs.find((i) => !i.unnumberedOf && !/^(tap|tun|loop|local)/.test(i.name) && i.addresses.some((a) => `${a.address}/${a.prefixlen}` === tapAddress)) ?? null;
}

function expect(host: Host, inputs: CalicoVppInputs, plan: CalicoVppView['plan'], tap: Interface): TakeoverExpectation {
  if (plan) {
    const p = plan.value;
    return {
      source: plan.source,
      tapName: p.uplink,
      tapMac: p.tap.mac,
      tapMacSource: `${plan.source} (the uplink's MAC before the takeover)`,
      addresses: p.tap.addresses.map((a) => `${a.local}/${a.prefixlen}`),
      addressesSource: plan.source,
      routes: p.tap.routes.filter((r) => r.protocol !== 'kernel'),
      clusterRoutes: p.tap.clusterRoutes,
      clusterRouteMtu: p.clusterRouteMtu,
      puntNextHop: p.vpp.punt.nextHop,
      puntInterface: p.vpp.punt.interface,
      vppUplinkName: p.vpp.uplink.name,
    };
  }
  const config = inputs.config?.value;
  const firstAddr = tap.addresses.find((a) => a.family === 'inet' && a.scope !== 'link') ?? tap.addresses.find((a) => a.scope !== 'link');
  const addrs = inputs.vppctl.interfaceAddress?.value ?? null;
  const vppUplink = addrs ? vppUplinkFromOutputs(addrs, firstAddr ? `${firstAddr.local}/${firstAddr.prefixlen}` : null) : null;
  const hw = vppUplink ? inputs.vppctl.hardwareInterfaces?.value.find((h) => h.name === vppUplink.name) : undefined;
  // Every uplink's tap counts for the route MTU; secondary uplinks' taps have their own names.
  const tapMtus = (config?.uplinkInterfaces ?? []).map((u) => host.interface(u.interfaceName)).filter(isTap).map((i) => i!.mtu);
  const mtu = clusterRouteMtu(tapMtus.length ? tapMtus : [tap.mtu]);
  const tapRoutes = host.routes.filter((r) => r.dev === tap.name);
  const nextHops = { inet: fakeNextHop('inet', tap.addresses, tapRoutes), inet6: fakeNextHop('inet6', tap.addresses, tapRoutes) };
  const tap0 = config?.tap0Address.split('/')[0] ?? VPP_TAP0_ADDRESS;
  return {
    source: inputs.config?.source ?? 'vppctl outputs',
    tapName: tap.name,
    tapMac: hw?.mac ?? null,
    tapMacSource: hw ? `${inputs.vppctl.hardwareInterfaces!.source} (${hw.name}, line ${hw.line})` : null,
    addresses: vppUplink ? vppUplink.addresses.map((a) => `${a.address}/${a.prefixlen}`) : null,
    addressesSource: vppUplink ? `${inputs.vppctl.interfaceAddress!.source} (${vppUplink.name}, line ${vppUplink.line})` : null,
    routes: null,
    clusterRoutes: config ? clusterRoutes(config, mtu, nextHops) : [],
    clusterRouteMtu: config ? mtu : null,
    puntNextHop: tap0,
    puntInterface: VPP_TAP_NAME,
    vppUplinkName: vppUplink?.name ?? null,
  };
}

/**
 * Every problem found reading the Calico/VPP inputs of a host (configuration, startup.conf, vppctl
 * outputs, plan), for the report's input section; the rules themselves never fail on them.
 */
export function calicoVppDiagnostics(host: Host): Diagnostic[] {
  const view = calicoVppView(host);
  return [...view.inputs.diagnostics, ...view.diagnostics];
}

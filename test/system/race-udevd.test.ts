/**
 * The race model against the real systemd-udevd 252. udevd runs as a daemon, isolated in a throw-away
 * network and mount namespace (test/helpers/udevd.ts); `udevadm control --stop-exec-queue` holds the
 * tap's add event so each ordering is forced:
 *
 *   data plane first: the kernel creates the tap, "VPP" sets the uplink MAC (RTM_SETLINK, as VPP's
 *                     vnet_netlink_set_link_addr does), then udevd handles the add event;
 *   udevd first:      the kernel creates the tap, udevd handles the add event, then "VPP" sets the MAC.
 *
 * For each ordering, with and without hostnet's fix, the real MAC and addr_assign_type after every
 * observable point must be the model's state after the same steps, and udevd's own log must show the
 * decision (file applied, policy outcome) the model took from the .link engine.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { buildHost, type Host } from '../../src/model/host.js';
import { loadLinkConfigs } from '../../src/model/link/index.js';
import { loadSnapshotFile } from '../../src/snapshot/load.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { bringUpSystem, type TapState } from '../../src/sim/race/bringup.js';
import { execute } from '../../src/sim/race/explore.js';
import { withRaceFix } from '../../src/sim/race/fix.js';
import { exploreRace, racedInterfaces, tapSpec } from '../../src/sim/race/index.js';
import { startIsolatedUdevd, udevdAvailable } from '../helpers/udevd.js';

const TAP = 'ens2f0';
const inCI = process.env.CI === 'true';

/** The seed's pre-deployment node (examples/vpp-e810-predeploy) on this machine's udev: its .link files, its machine-id. */
function thisMachinesNode(): Snapshot {
  const example = loadSnapshotFile(new URL('../../examples/vpp-e810-predeploy/snapshot.json', import.meta.url).pathname);
  const dir = '/usr/lib/systemd/network';
  const linkFiles = readdirSync(dir).filter((f) => f.endsWith('.link'))
    .map((f) => ({ path: `${dir}/${f}`, content: readFileSync(`${dir}/${f}`, 'utf8'), mask: null, role: null }));
  return {
    ...example,
    host: { ...example.host, systemdVersion: 252, machineId: readFileSync('/etc/machine-id', 'utf8').trim() },
    files: [...example.files.filter((f) => !/\.(link|network)$/.test(f.path)), ...linkFiles],
  };
}

interface Observed {
  mac: string;
  aat: number;
}

/** The real values a model state stands for: the kernel's random MAC is whatever the tap got at creation. */
function expectedReal(state: TapState, createdMac: string): Observed {
  const mac = state.mac?.value ?? (state.mac?.origin === 'kernel-random' ? createdMac : null);
  assert.ok(mac !== null, `the model state has no knowable MAC: ${JSON.stringify(state.mac)}`);
  return { mac, aat: state.aat! };
}

function ids(workers: number, udevFirst: boolean): string[] {
  const create = `${TAP}/kernel/create`;
  const udev = [`${TAP}/udevd/read-add`, `${TAP}/udevd/write-add`];
  const vpp = [...Array.from({ length: workers + 1 }, (_, q) => `${TAP}/vpp/vhost${q}`), `${TAP}/vpp/set-mac`];
  return udevFirst ? [create, ...udev, ...vpp] : [create, ...vpp, ...udev];
}

async function forceOrdering(t: TestContext, host: Host, etcNetwork: Record<string, string>, udevFirst: boolean): Promise<void> {
  const owned = racedInterfaces(host).find((o) => o.name === TAP)!;
  const { spec } = tapSpec(host, owned, loadLinkConfigs(host), {});
  const system = bringUpSystem(spec);
  const order = ids(spec.workers, udevFirst);
  const states = execute(system, order);
  const after = (id: string) => states[order.indexOf(id)]!;
  const decision = after(`${TAP}/udevd/read-add`).decision!;

  const udevd = await startIsolatedUdevd(t, { etcNetwork });
  const read = (): Observed => ({ mac: udevd.attr(TAP, 'address'), aat: Number(udevd.attr(TAP, 'addr_assign_type')) });
  const setMac = () => udevd.run(['ip', 'link', 'set', 'dev', TAP, 'address', spec.uplinkMac!]);
  const runUdevd = () => {
    udevd.run(['udevadm', 'control', '--start-exec-queue']);
    udevd.run(['udevadm', 'settle', '--timeout=20']);
  };

  udevd.run(['udevadm', 'control', '--stop-exec-queue']);
  udevd.run(['ip', 'tuntap', 'add', 'dev', TAP, 'mode', 'tap']);
  const created = read();
  assert.deepEqual(created, expectedReal(after(`${TAP}/kernel/create`), created.mac), 'after the kernel created the tap');
  if (udevFirst) {
    runUdevd();
    assert.deepEqual(read(), expectedReal(after(`${TAP}/udevd/write-add`), created.mac), 'after udevd handled the add event');
    setMac();
  } else {
    setMac();
    assert.deepEqual(read(), expectedReal(after(`${TAP}/vpp/set-mac`), created.mac), 'after VPP set the MAC');
    runUdevd();
  }
  assert.deepEqual(read(), expectedReal(states.at(-1)!, created.mac), 'final state');

  // udevd's own account of the decision the model took from the .link engine.
  const log = udevd.log(TAP);
  assert.ok(log.includes(`Config file ${decision.linkFile} is applied`), `udevd applied another file:\n${log.join('\n')}`);
  assert.ok(log.includes(`Device has addr_assign_type=${decision.addrAssignTypeRead}`), `udevd read another addr_assign_type:\n${log.join('\n')}`);
  if (decision.action === 'persistent') assert.ok(log.includes(`Applying persistent MAC address: ${decision.mac}`), log.join('\n'));
  else assert.ok(log.some((l) => l.length > 10 && decision.reason.startsWith(l)), `udevd said otherwise than "${decision.reason}":\n${log.join('\n')}`);
  await udevd.stop();
}

const skip = udevdAvailable();
const options = skip && !inCI ? { skip } : {};

test('without the fix: real udevd outcomes equal the model for both forced orderings', options, async (t) => {
  const host = buildHost(thisMachinesNode());
  const report = exploreRace(host);
  assert.ok(report.losing > 0n, 'the seed node must have losing orderings');
  await t.test('data plane first', (t) => forceOrdering(t, host, {}, false));
  await t.test('udevd first', (t) => forceOrdering(t, host, {}, true));
});

test("with hostnet's fix: real udevd outcomes equal the model, and no ordering loses", options, async (t) => {
  const fixed = withRaceFix(buildHost(thisMachinesNode()), [TAP]);
  assert.ok(!('error' in fixed) && fixed.fix, 'a fix is proposed');
  const etcNetwork = Object.fromEntries(fixed.fix.files.map((f) => {
    assert.ok(f.path.startsWith('/etc/systemd/network/'), f.path);
    return [f.path.slice('/etc/systemd/network/'.length), f.content];
  }));
  assert.equal(exploreRace(fixed.host).losing, 0n);
  await t.test('data plane first', (t) => forceOrdering(t, fixed.host, etcNetwork, false));
  await t.test('udevd first', (t) => forceOrdering(t, fixed.host, etcNetwork, true));
});

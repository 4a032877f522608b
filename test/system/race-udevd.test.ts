/**
 * The race model against the real systemd-udevd 252. udevd runs as a daemon, isolated in a throw-away
 * network and mount namespace (test/helpers/udevd.ts); `udevadm control --stop-exec-queue` holds the
 * tap's add event so each ordering is forced:
 *
 *   data plane first: the kernel creates the tap, "VPP" sets the uplink MAC (RTM_SETLINK, as VPP's
 *                     vnet_netlink_set_link_addr does), then udevd handles the add event;
 *   udevd first:      the kernel creates the tap, udevd handles the add event, then "VPP" sets the MAC;
 *   interleaved:      udevd reads addr_assign_type and decides, "VPP" sets the MAC, then udevd writes.
 *                     The real udevd does read and write within one builtin call; strace's fault
 *                     injection delays its netlink requests (sendto) so the test can act in between.
 *
 * For each ordering, with and without hostnet's fix, the real MAC and addr_assign_type after every
 * observable point must be the model's state after the same steps, and udevd's own log must show the
 * decision (file applied, policy outcome) the model took from the .link engine.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { buildHost, type Host } from '../../src/model/host.js';
import { loadLinkConfigs } from '../../src/model/link/index.js';
import { loadSnapshotFile } from '../../src/snapshot/load.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { bringUpSystem, tapOutcome, type TapState, type UdevDecision } from '../../src/sim/race/bringup.js';
import { execute } from '../../src/sim/race/explore.js';
import { withRaceFix } from '../../src/sim/race/fix.js';
import { exploreRace, racedInterfaces, tapSpec } from '../../src/sim/race/index.js';
import { startIsolatedUdevd, udevdAvailable } from '../helpers/udevd.js';
import { rng } from '../helpers/rng.js';
import { skipUnlessCI } from '../helpers/system.js';

const TAP = 'ens2f0';

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

type Ordering = 'data plane first' | 'udevd first' | 'interleaved';

function ids(workers: number, ordering: Ordering): string[] {
  const create = `${TAP}/kernel/create`;
  const [read, write] = [`${TAP}/udevd/read-add`, `${TAP}/udevd/write-add`];
  const vpp = [...Array.from({ length: workers + 1 }, (_, q) => `${TAP}/vpp/vhost${q}`), `${TAP}/vpp/set-mac`];
  if (ordering === 'udevd first') return [create, read, write, ...vpp];
  if (ordering === 'interleaved') return [create, read, ...vpp, write];
  return [create, ...vpp, read, write];
}

/** The line udevd logs when it has decided what to do with the MAC (before it writes anything). */
function decisionLogged(decision: UdevDecision): (line: string) => boolean {
  if (decision.action === 'persistent') return (l) => l === `Applying persistent MAC address: ${decision.mac}`;
  return (l) => l.length > 10 && decision.reason.startsWith(l);
}

async function forceOrdering(t: TestContext, host: Host, etcNetwork: Record<string, string>, ordering: Ordering): Promise<void> {
  const owned = racedInterfaces(host).find((o) => o.name === TAP)!;
  const { spec } = tapSpec(host, owned, loadLinkConfigs(host), { replay: true });
  const system = bringUpSystem(spec);
  const order = ids(spec.workers, ordering);
  const states = execute(system, order);
  const after = (id: string) => states[order.indexOf(id)]!;
  const decision = after(`${TAP}/udevd/read-add`).decision!;

  const udevd = await startIsolatedUdevd(t, { etcNetwork, ...(ordering === 'interleaved' ? { delayNetlinkMs: DELAY_MS } : {}) });
  const read = (): Observed => ({ mac: udevd.attr(TAP, 'address'), aat: Number(udevd.attr(TAP, 'addr_assign_type')) });
  const setMac = () => udevd.run(['ip', 'link', 'set', 'dev', TAP, 'address', spec.uplinkMac!]);
  const runUdevd = async () => {
    udevd.run(['udevadm', 'control', '--start-exec-queue']);
    await udevd.waitForAdd(TAP);
  };

  udevd.run(['udevadm', 'control', '--stop-exec-queue']);
  udevd.run(['ip', 'tuntap', 'add', 'dev', TAP, 'mode', 'tap']);
  const created = read();
  assert.deepEqual(created, expectedReal(after(`${TAP}/kernel/create`), created.mac), 'after the kernel created the tap');
  if (ordering === 'udevd first') {
    await runUdevd();
    assert.deepEqual(read(), expectedReal(after(`${TAP}/udevd/write-add`), created.mac), 'after udevd handled the add event');
    setMac();
  } else if (ordering === 'interleaved') {
    udevd.run(['udevadm', 'control', '--start-exec-queue']);
    await udevd.waitForLog(TAP, decisionLogged(decision));
    const decided = Date.now();
    setMac();
    // udevd's write is held DELAY_MS from its decision; acting well within that forces the ordering.
    const late = Date.now() - decided;
    if (late > DELAY_MS / 2) throw new Error(`the machine is too slow to force the interleaving: the MAC was set ${late} ms after udevd decided`);
    assert.deepEqual(read(), expectedReal(after(`${TAP}/vpp/set-mac`), created.mac), 'after VPP set the MAC, before udevd wrote');
    await udevd.waitForAdd(TAP);
  } else {
    setMac();
    assert.deepEqual(read(), expectedReal(after(`${TAP}/vpp/set-mac`), created.mac), 'after VPP set the MAC');
    await runUdevd();
  }
  const final = read();
  assert.deepEqual(final, expectedReal(states.at(-1)!, created.mac), 'final state');
  // The real outcome, classified as the explorer classifies the model's.
  assert.equal(final.mac === spec.uplinkMac ? 'won' : 'lost', tapOutcome(states.at(-1)!.mac, spec.uplinkMac));
  if (ordering === 'interleaved' && decision.writes) assert.notEqual(final.mac, spec.uplinkMac, 'udevd overwrote the MAC VPP set: the seed\'s failure');

  // A later `udevadm trigger --action=add` (only this device) replays the event: the model says udevd
  // then finds the MAC set and leaves it.
  const replayed = execute(system, [...order, `${TAP}/admin/trigger`, `${TAP}/udevd/read-replay`, `${TAP}/udevd/write-replay`]);
  udevd.run(['udevadm', 'trigger', '--action=add', `/sys/class/net/${TAP}`]);
  await udevd.waitForAdd(TAP, 2);
  assert.deepEqual(read(), expectedReal(replayed.at(-1)!, created.mac), 'after the replayed add event');

  // udevd's own account of the decision the model took from the .link engine.
  const log = udevd.log(TAP);
  if (decision.linkFile) assert.ok(log.includes(`Config file ${decision.linkFile} is applied`), `udevd applied another file:\n${log.join('\n')}`);
  else assert.ok(log.includes('No matching link configuration found, ignoring device.'), `udevd found a file:\n${log.join('\n')}`);
  assert.ok(log.includes(`Device has addr_assign_type=${decision.addrAssignTypeRead}`), `udevd read another addr_assign_type:\n${log.join('\n')}`);
  if (decision.action === 'persistent') assert.ok(log.includes(`Applying persistent MAC address: ${decision.mac}`), log.join('\n'));
  else assert.ok(log.some((l) => l.length > 10 && decision.reason.startsWith(l)), `udevd said otherwise than "${decision.reason}":\n${log.join('\n')}`);
  await udevd.stop();
}

const ORDERINGS: Ordering[] = ['data plane first', 'udevd first', 'interleaved'];
/** How long strace holds each of udevd's netlink requests in the interleaved ordering. */
const DELAY_MS = 2000;
const skip = udevdAvailable() ?? (spawnSync('sh', ['-c', 'command -v strace']).status === 0 ? null : 'needs strace (apt-get install strace)');
const options = skipUnlessCI(skip);

test('without the fix: real udevd outcomes equal the model for each forced ordering, the interleaved one loses', options, async (t) => {
  const host = buildHost(thisMachinesNode());
  const report = exploreRace(host);
  assert.ok(report.losing > 0n, 'the seed node must have losing orderings');
  // The counterexample the explorer prints is the interleaved ordering forced below.
  assert.deepEqual(report.taps[0]!.counterexample!.map((s) => s.actor), ['kernel', 'udevd', ...Array(report.taps[0]!.workers + 2).fill('vpp'), 'udevd']);
  for (const ordering of ORDERINGS) await t.test(ordering, (t) => forceOrdering(t, host, {}, ordering));
});

test("with hostnet's fix: real udevd outcomes equal the model, and no ordering loses", options, async (t) => {
  const fixed = withRaceFix(buildHost(thisMachinesNode()), [TAP]);
  assert.ok(!('error' in fixed) && fixed.fix, 'a fix is proposed');
  const etcNetwork = Object.fromEntries(fixed.fix.files.map((f) => {
    assert.ok(f.path.startsWith('/etc/systemd/network/'), f.path);
    return [f.path.slice('/etc/systemd/network/'.length), f.content];
  }));
  assert.equal(exploreRace(fixed.host).losing, 0n);
  for (const ordering of ORDERINGS) await t.test(ordering, (t) => forceOrdering(t, fixed.host, etcNetwork, ordering));
});

test('a static MACAddress= under MACAddressPolicy=none is written whatever addr_assign_type says: real udevd and model agree', options, async (t) => {
  const link = '[Match]\nOriginalName=*\n\n[Link]\nNamePolicy=keep\nMACAddressPolicy=none\nMACAddress=02:aa:bb:cc:dd:ee\n';
  const s = thisMachinesNode();
  const host = buildHost({ ...s, files: [...s.files, { path: '/etc/systemd/network/50-static.link', content: link, mask: null, role: null }] });
  // Even "data plane first" loses here: udevd overwrites the MAC VPP set.
  assert.ok(exploreRace(host).taps[0]!.finalStates.some((f) => f.outcome === 'lost' && f.origin === 'udevd-static'));
  for (const ordering of ORDERINGS) await t.test(ordering, (t) => forceOrdering(t, host, { '50-static.link': link }, ordering));
});

const CASES = Number(process.env.HOSTNET_RACE_DIFF_CASES ?? 10);
const BASE_SEED = Number(process.env.HOSTNET_RACE_DIFF_SEED ?? Math.floor(Math.random() * 2 ** 31));

/**
 * Generated cases: a .link file in /etc (a new one, or one hiding Debian's 99-default.link) with a
 * random [Match] and MAC policy, a random uplink MAC and worker count, with or without hostnet's fix,
 * in a random forced ordering. Model and real udevd must agree at every step. A failing case names
 * the seed that replays it: HOSTNET_RACE_DIFF_SEED=<seed> HOSTNET_RACE_DIFF_CASES=1.
 */
test(`generated cases: the model equals the real udevd (${CASES} cases from seed ${BASE_SEED})`, options, async (t) => {
  for (let k = 0; k < CASES; k++) {
    const seed = BASE_SEED + k;
    const r = rng(seed);
    const name = r.pick(['10-gen.link', '50-gen.link', '99-default.link']);
    const match = r.pick(['OriginalName=*', 'Driver=tun', 'Kind=tun', 'OriginalName=ens*', 'Driver=ice', 'OriginalName=eth*', 'Type=ether']);
    const policy = r.pick(['persistent', 'random', 'none', '']);
    const staticMac = r.int(3) === 0;
    const link = `[Match]\n${match}\n\n[Link]\nNamePolicy=keep\n${policy ? `MACAddressPolicy=${policy}\n` : ''}${staticMac ? 'MACAddress=02:aa:bb:cc:dd:ee\n' : ''}`;
    const uplinkMac = ['40', ...Array.from({ length: 5 }, () => r.int(256).toString(16).padStart(2, '0'))].join(':');
    const workers = r.int(4);
    // The interleaved ordering takes seconds (strace holds udevd's writes): one case in four.
    const ordering: Ordering = r.int(4) === 0 ? 'interleaved' : r.pick(['data plane first', 'udevd first'] as const);
    const withFix = r.int(2) === 0;
    const base = thisMachinesNode();
    const config = base.files.find((f) => f.role === 'calico-vpp-config')!;
    let host = buildHost({
      ...base,
      interfaces: base.interfaces.map((i) => (i.name === TAP ? { ...i, mac: uplinkMac, permaddr: null } : i)),
      files: [
        ...base.files.map((f) => (f === config ? { ...f, content: f.content!.replace(/workers 2/, `workers ${workers}`) } : f)),
        { path: `/etc/systemd/network/${name}`, content: link, mask: null, role: null },
      ],
    });
    const etcNetwork: Record<string, string> = { [name]: link };
    if (withFix) {
      const fixed = withRaceFix(host, [TAP]);
      assert.ok(!('error' in fixed));
      host = fixed.host;
      for (const f of fixed.fix?.files ?? []) etcNetwork[f.path.slice('/etc/systemd/network/'.length)] = f.content;
    }
    const label = `seed ${seed}: ${name} [${match}] policy=${policy || '(none)'}${staticMac ? ' static' : ''}, ${workers} workers, ${ordering}${withFix ? ', with fix' : ''}`;
    await t.test(label, (t) => forceOrdering(t, host, etcNetwork, ordering));
  }
});

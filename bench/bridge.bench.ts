/**
 * The bridge model and `hostnet trace frame`. (1) One trace from a snapshot, end to end, against
 * `hostnet trace frame --help` in the same run (the same modules load): reading the snapshot and
 * tracing should cost little beyond starting.
 * (2) The model alone on a 1,000-port bridge: the 16 destinations of the conformance test traced from
 * every port, against building the host model of that snapshot (the fixed cost of any analysis).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bridgeView, handleFrame } from '../src/model/bridge/index.js';
import { buildHost } from '../src/model/host.js';
import { SNAPSHOT_SCHEMA, type Interface, type Snapshot } from '../src/snapshot/schema.js';
import type { Bench, BenchResult } from './run.js';
import { medianMs, msSince } from './timing.js';

const DIST = fileURLToPath(new URL('../dist/hostnet.js', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../examples/lab-lacp/kvm-host-before.json', import.meta.url));
const PORTS = 1000;

function wallMs(argv: string[], runs: number): number {
  return medianMs(runs, () => {
    const r = spawnSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    // Exit 1 is a verdict (the frame does not get where it was sent: docs/output.md), 2 a failure.
    if (r.status !== 0 && r.status !== 1) throw new Error(`${argv.join(' ')} failed (exit ${r.status}): ${r.stderr}`);
  }).ms;
}

function bigBridge(): Snapshot {
  const base = (name: string, index: number): Interface => ({
    index, name, kind: 'tun', kindData: { type: 'tap' }, link: null, linkNetns: false, master: 'br0', slaveKind: 'bridge', linkType: 'ether',
    arphrdType: 1, devtype: null, mac: `fe:54:00:00:${(index >> 8).toString(16).padStart(2, '0')}:${(index & 255).toString(16).padStart(2, '0')}`,
    permaddr: null, addrAssignType: 3, nameAssignType: null, mtu: 1500, flags: ['UP', 'LOWER_UP'], operstate: 'UP', promiscuity: 1, driver: null, devicePath: null,
    parentBus: null, speed: null, duplex: null, numTxQueues: 1, numRxQueues: 1, udev: null, bridge: null,
    bridgePort: { groupFwdMask: index % 3 === 0 ? 0x4004 : 0, state: 'forwarding' }, addresses: [],
  });
  const ports = Array.from({ length: PORTS }, (_, n) => base(`vnet${n}`, n + 2));
  const br: Interface = { ...base('br0', 1), kind: 'bridge', master: null, slaveKind: null, bridgePort: null, bridge: { groupFwdMask: 0x4000, stpState: 0, vlanFiltering: false } };
  return {
    schema: SNAPSHOT_SCHEMA, collectedAt: '2026-01-01T00:00:00Z', collector: { name: 'bench', version: '0' }, scope: { netns: null, root: '/', redacted: true },
    host: { hostname: null, kernelRelease: '6.1.0', architecture: null, kernelCommandLine: null, os: { id: null, versionId: null, prettyName: null }, systemdVersion: null, virtualization: null, machineId: null },
    interfaces: [br, ...ports], routes: [], files: [], commands: [], gaps: [],
  };
}

const DSTS = [...Array.from({ length: 16 }, (_, n) => `01:80:c2:00:00:0${n.toString(16)}`), 'ff:ff:ff:ff:ff:ff', '02:00:00:00:99:99'];

const bench: Bench = {
  title: 'bridge model and trace frame',
  async run(log) {
    const results: BenchResult[] = [];
    if (existsSync(DIST)) {
      const version = wallMs([process.execPath, DIST, '--version'], 11);
      const help = wallMs([process.execPath, DIST, 'trace', 'frame', '--help'], 11);
      const trace = wallMs([process.execPath, DIST, 'trace', 'frame', '--snapshot', EXAMPLE, '--bridge', 't5_br9', '--in', 'vnet19', '--proto', 'lacp'], 11);
      // The same modules load for --help: the difference is reading the snapshot and tracing.
      results.push({ name: 'hostnet trace frame --snapshot (examples/lab-lacp, 45 interfaces)', value: trace, unit: 'ms',
        baseline: { name: 'hostnet trace frame --help', value: help }, target: '<= 1.2x trace frame --help', met: trace <= 1.2 * help,
        notes: [`hostnet --version: ${version.toFixed(0)} ms`] });
    } else {
      log('dist/hostnet.js is missing (npm run build): the end-to-end figure is skipped');
    }
    const snap = bigBridge();
    const t0 = process.hrtime.bigint();
    let host = buildHost(snap);
    for (let n = 0; n < 9; n++) host = buildHost(snap);
    const buildMs = msSince(t0) / 10;
    const view = bridgeView(host, 'br0')!;
    let frames = 0;
    const t1 = process.hrtime.bigint();
    for (let p = 0; p < PORTS; p += 10) for (const dst of DSTS) {
      handleFrame(view, `vnet${p}`, { dst });
      frames++;
    }
    const perFrameMs = msSince(t1) / frames;
    results.push({ name: `one frame through a ${PORTS}-port bridge (model only)`, value: perFrameMs, unit: 'ms',
      baseline: { name: 'building the host model of that snapshot', value: buildMs },
      notes: [`${frames} frames; every flooded frame visits all ${PORTS} ports`] });
    return results;
  },
};

export default bench;

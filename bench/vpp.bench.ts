/**
 * Calico/VPP inputs at scale: parsing `vppctl show ip fib` of a node with 50,000 routes (pods and
 * services of a large cluster) and `show interface address` with 10,000 pod interfaces. Baseline: the
 * same data as JSON through JSON.parse, measured in the same run; the parsers should stay within a
 * small factor of it. Also the planner plus every rule on the seed-002 example, against `check` alone
 * on the same pre-deployment snapshot.
 */
import { readFileSync } from 'node:fs';
import { buildHost } from '../src/model/host.js';
import { planCalicoVpp } from '../src/plan/calico-vpp.js';
import { runChecks } from '../src/rules/engine.js';
import { ALL_RULES } from '../src/rules/index.js';
import { parseSnapshot } from '../src/snapshot/load.js';
import { parseCalicoVppConfig } from '../src/sources/calico-vpp-config.js';
import { parseShowInterfaceAddress, parseShowIpFib } from '../src/sources/vppctl.js';
import type { Bench, BenchResult } from './run.js';
import { medianMs } from './timing.js';

function timeMs(fn: () => void, runs = 7): number {
  return medianMs(runs, fn).ms;
}

const bench: Bench = {
  title: 'Calico/VPP: vppctl parsers at scale; plan and checks on the seed-002 node',
  async run(log) {
    const results: BenchResult[] = [];
    const N = 50_000;
    const fib: string[] = ['ipv4-VRF:0, fib_index:0, flow hash:[src dst sport dport proto flowlabel ] epoch:0 flags:none locks:[adjacency:1, ]'];
    const json: unknown[] = [];
    for (let i = 0; i < N; i++) {
      const p = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`;
      fib.push(p, '  unicast-ip4-chain', `  [@0]: dpo-load-balance: [proto:ip4 index:${i} buckets:1 uRPF:${i} to:[0:0]]`, `    [0] [@5]: ipv4 via 0.0.0.0 tun${i}: mtu:9216 next:8 flags:[features ]`);
      json.push({ prefix: p, table: 0, forwarding: [{ kind: 'adjacency', nextHop: '0.0.0.0', interface: `tun${i}`, text: `ipv4 via 0.0.0.0 tun${i}: mtu:9216 next:8 flags:[features ]` }] });
    }
    const fibText = fib.join('\n');
    const fibJson = JSON.stringify(json);
    log(`show ip fib: ${N} routes, ${(fibText.length / 1e6).toFixed(1)} MB`);
    let count = 0;
    const parse = timeMs(() => { count = parseShowIpFib(fibText, 'bench').value.length; });
    if (count !== N) throw new Error(`parsed ${count} routes, expected ${N}`);
    const base = timeMs(() => { JSON.parse(fibJson); });
    results.push({ name: `parse show ip fib (${N} routes)`, value: parse, unit: 'ms', baseline: { name: 'JSON.parse of the same routes', value: base }, target: '<= 5x JSON.parse', met: parse <= 5 * base });

    const M = 10_000;
    const addr: string[] = [];
    const addrJson: unknown[] = [];
    for (let i = 0; i < M; i++) {
      addr.push(`tun${i} (up):`, '  unnumbered, use loop0', `  L3 10.${(i >> 8) & 255}.${i & 255}.1/32 ip4 table-id ${i} fib-idx ${i}`);
      addrJson.push({ name: `tun${i}`, adminUp: true, unnumberedOf: 'loop0', addresses: [{ address: `10.${(i >> 8) & 255}.${i & 255}.1`, prefixlen: 32, tableId: i }] });
    }
    const addrText = addr.join('\n');
    const addrJsonText = JSON.stringify(addrJson);
    const parseAddr = timeMs(() => parseShowInterfaceAddress(addrText, 'bench'));
    const baseAddr = timeMs(() => JSON.parse(addrJsonText));
    results.push({ name: `parse show interface address (${M} interfaces)`, value: parseAddr, unit: 'ms', baseline: { name: 'JSON.parse of the same interfaces', value: baseAddr }, target: '<= 5x JSON.parse', met: parseAddr <= 5 * baseAddr });

    const preText = readFileSync(new URL('../examples/calico-vpp-predeploy/snapshot.json', import.meta.url), 'utf8');
    const cfgText = readFileSync(new URL('../examples/calico-vpp-predeploy/calico-vpp-config.yaml', import.meta.url), 'utf8');
    // The configuration is parsed once by either verb; both sides here reuse it.
    const config = parseCalicoVppConfig(cfgText, 'c').config;
    const planMs = timeMs(() => {
      const { predicted } = planCalicoVpp(parseSnapshot(preText, 'pre'), config);
      runChecks(buildHost(predicted), ALL_RULES);
    }, 31);
    const checkMs = timeMs(() => { runChecks(buildHost(parseSnapshot(preText, 'pre')), ALL_RULES); }, 31);
    results.push({ name: 'plan calico-vpp + all rules on the predicted host (seed 002)', value: planMs, unit: 'ms', baseline: { name: 'check alone on the pre-deployment snapshot', value: checkMs } });
    return results;
  },
};

export default bench;

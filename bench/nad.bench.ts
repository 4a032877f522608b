/**
 * NAD checks at scale: 500 NetworkAttachmentDefinitions (macvlan, ipvlan and sriov, one file, block and
 * quoted configs) checked by every nad/* rule against 50 node snapshots (the example's worker-1 with
 * 64 NICs), as `nad check --node-snapshots` does it (the same input records for every node, so each
 * file is parsed once). Baseline, in the same run: reading the same file with the yaml package alone,
 * once per node, which is what checking each node on its own would cost before any rule ran. Target:
 * the whole check costs less than that. In-process, so startup is not counted.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { buildHost } from '../src/model/host.js';
import { runChecks } from '../src/rules/engine.js';
import { ALL_RULES } from '../src/rules/index.js';
import { NAD_ROLE } from '../src/rules/nad/inputs.js';
import { SnapshotSchema, type Snapshot } from '../src/snapshot/schema.js';
import type { Bench } from './run.js';

const NADS = 500;
const NODES = 50;

function nadFile(): string {
  const docs: string[] = [];
  for (let i = 0; i < NADS; i++) {
    const type = i % 10 === 9 ? 'sriov' : i % 5 === 4 ? 'ipvlan' : 'macvlan';
    const config = JSON.stringify({ cniVersion: '0.3.1', type, master: `ens${200 + (i % 64)}`, mode: type === 'ipvlan' ? 'l2' : 'bridge', ipam: i % 2 ? {} : { type: 'host-local', subnet: `10.${i % 250}.0.0/24` } });
    const body = i % 2 ? `  config: '${config}'` : `  config: |\n    ${config}`;
    docs.push(`apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata:\n  name: net-${i}\n  namespace: ns-${i % 7}\nspec:\n${body}\n`);
  }
  return docs.join('---\n');
}

function nodes(): Snapshot[] {
  const base = SnapshotSchema.parse(JSON.parse(readFileSync(new URL('../examples/cnf-macvlan/nodes/worker-1.json', import.meta.url), 'utf8')));
  const nic = base.interfaces.find((i) => i.name === 'ens224')!;
  const nics = Array.from({ length: 64 }, (_, k) => ({ ...nic, index: 100 + k, name: `ens${200 + k}` }));
  return Array.from({ length: NODES }, (_, n) => ({ ...base, host: { ...base.host, hostname: `worker-${n}` }, interfaces: [...base.interfaces, ...nics] }));
}

function timeMs(fn: () => void, runs = 5): number {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

const bench: Bench = {
  title: `nad check: ${NADS} NADs against ${NODES} nodes`,
  async run(log) {
    const text = nadFile();
    const snapshots = nodes();
    const record = { path: '/nads.yaml', content: text, mask: null, role: NAD_ROLE };
    const rules = ALL_RULES.filter((r) => r.meta.id.startsWith('nad/'));
    let findings = 0;
    const check = timeMs(() => {
      findings = 0;
      // A fresh record per run, so every run parses the file again.
      const input = { ...record };
      for (const s of snapshots) {
        const host = buildHost({ ...s, files: [...s.files, input] });
        findings += runChecks(host, rules).findings.length;
      }
    });
    const parseOnly = timeMs(() => {
      for (let n = 0; n < NODES; n++) parseAllDocuments(text);
    });
    log(`${findings} findings over ${NODES} nodes, ${(text.length / 1024).toFixed(0)} KiB of YAML`);
    return [{
      name: `${rules.length} nad rules, ${NADS} NADs x ${NODES} nodes`,
      value: check,
      unit: 'ms',
      baseline: { name: `yaml parseAllDocuments of the file x ${NODES}`, value: parseOnly },
      target: '<= 1x (every rule on every node for less than reading the file once per node)',
      met: check <= parseOnly,
    }];
  },
};

export default bench;

/**
 * NAD checks at scale: 500 NetworkAttachmentDefinitions (macvlan, ipvlan and sriov, one file, block and
 * quoted configs) checked by every nad/* rule against 50 node snapshots (the example's worker-1 with
 * 64 NICs), each node as its own agent would: its own copy of the NAD file, parsed for that node (no
 * parse shared between nodes). Baseline, in the same run: reading the same file with the yaml package
 * alone, once per node. The check parses as much and then runs every rule, so it cannot beat the
 * baseline; the target is that rules and model cost at most as much again as the parse (<= 2x).
 * In-process, so process startup is not counted.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { buildHost } from '../src/model/host.js';
import { runChecks } from '../src/rules/engine.js';
import { ALL_RULES } from '../src/rules/index.js';
import { NAD_ROLE } from '../src/rules/nad/inputs.js';
import { SnapshotSchema, type Snapshot } from '../src/snapshot/schema.js';
import type { Bench } from './run.js';
import { medianMs } from './timing.js';

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

function timeMs(fn: () => void, runs = 3): number {
  return medianMs(runs, fn).ms;
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
      for (const s of snapshots) {
        // A record of its own per node (as each node's agent reads the file): nothing parsed is shared.
        const host = buildHost({ ...s, files: [...s.files, { ...record, content: `${record.content}` }] });
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
      target: '<= 2x (every node parses the file, then every rule runs on it)',
      met: check <= 2 * parseOnly,
    }];
  },
};

export default bench;

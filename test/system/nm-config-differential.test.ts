/**
 * hostnet's NetworkManager configuration merge against Debian 12's NetworkManager (1.42) itself:
 * generated cases put snippets in /usr/lib, /run and /etc conf.d (names that collide, so files shadow
 * each other), NetworkManager.conf or not, `unmanaged-devices=`, `+=` and `-=`, and `[.config]
 * enable=false`; `NetworkManager --print-config` (run from a Debian 12 root, test/helpers/nm-root.ts)
 * prints the files it read and the merged value, and hostnet's must agree. A disagreement prints the
 * seed that replays it:  HOSTNET_NM_DIFF_SEED=<seed> npm test -- nm-config-differential
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { buildHost } from '../../src/model/host.js';
import { loadNmConfig } from '../../src/model/networkmanager/config.js';
import { splitSpecs } from '../../src/model/networkmanager/spec.js';
import { parseSnapshot } from '../../src/snapshot/load.js';
import type { FileRecord } from '../../src/snapshot/schema.js';
import { ensureNmRoot, printConfigs } from '../helpers/nm-root.js';
import { rng, type Rng } from '../helpers/rng.js';
import { requireRealSystem } from '../helpers/system.js';
import { rootsUnavailable } from '../helpers/udevd-root.js';

const SEED = Number(process.env.HOSTNET_NM_DIFF_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CASES = Number(process.env.HOSTNET_NM_DIFF_CASES ?? 60);
const base = parseSnapshot(readFileSync(new URL('../../examples/vpp-e810-predeploy/snapshot.json', import.meta.url), 'utf8'), 'predeploy');

const SPECS = ['interface-name:cali*', 'interface-name:tunl*', 'interface-name:vxlan.calico', 'mac:00:11:22:33:44:55', 'type:veth',
  'except:interface-name:eth0', 'interface-name:flannel*', 'driver:veth', 'interface-name:wg\\,x', '*'];
const NAMES = ['10-a.conf', '20-b.conf', '50-c.conf', '90-z.conf'];
const DIRS = ['/usr/lib/NetworkManager/conf.d', '/run/NetworkManager/conf.d', '/etc/NetworkManager/conf.d'];

interface Case { seed: number; files: { path: string; content: string }[] }

function snippet(r: Rng): string {
  const lines: string[] = [];
  if (r.chance(0.12)) lines.push('[.config]', 'enable=false', '');
  lines.push('[keyfile]');
  const ops = 1 + r.int(2);
  for (let i = 0; i < ops; i++) {
    const op = r.pick(['=', '=', '+=', '-=']);
    const specs = Array.from({ length: 1 + r.int(3) }, () => r.pick(SPECS));
    lines.push(`unmanaged-devices${op}${specs.join(r.pick([',', ';', ' ; ']))}`);
    if (op === '=' && i === 0 && ops === 2) lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

function generate(seed: number): Case {
  const r = rng(seed);
  const files: Case['files'] = [];
  for (const dir of DIRS) {
    for (const name of NAMES) if (r.chance(0.3)) files.push({ path: `${dir}/${name}`, content: snippet(r) });
  }
  if (r.chance(0.7)) files.push({ path: '/etc/NetworkManager/NetworkManager.conf', content: snippet(r).replace(/\[\.config\]\nenable=false\n\n/, '') });
  return { seed, files };
}

const HEADER_DIRS: Record<string, string> = { lib: '/usr/lib/NetworkManager/conf.d', run: '/run/NetworkManager/conf.d', etc: '/etc/NetworkManager/conf.d' };

/**
 * The snippets NetworkManager took (after shadowing, before `[.config] enable=`: its header lists a
 * disabled snippet too) and its merged unmanaged-devices, from `--print-config`.
 */
function parsePrinted(out: string): { unmanaged: string[] | null; snippets: string[] } {
  const m = /^\[keyfile\]\n(?:.*\n)*?unmanaged-devices=(.*)$/m.exec(out);
  const header = /^# NetworkManager configuration: .*$/m.exec(out)?.[0] ?? '';
  const snippets = [...header.matchAll(/\((lib|run|etc): ([^)]*)\)/g)].flatMap((g) => g[2]!.split(', ').map((n) => `${HEADER_DIRS[g[1]!]}/${n}`));
  return { unmanaged: m ? splitSpecs(m[1]!) : null, snippets: snippets.sort() };
}

test('NetworkManager\'s choice of snippets and merge of unmanaged-devices agree with NetworkManager 1.42 on generated configurations', { timeout: 900_000 }, (t) => {
  if (!requireRealSystem(t, { tools: ['mmdebstrap', 'unshare', 'chroot', 'flock'] })) return;
  const unavailable = rootsUnavailable();
  if (unavailable) {
    if (process.env.CI === 'true') throw new Error(unavailable);
    t.skip(unavailable);
    return;
  }
  const root = ensureNmRoot();
  const work = mkdtempSync(join(tmpdir(), 'hostnet-nm-diff-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const cases = Array.from({ length: CASES }, (_, i) => generate(SEED + i));
  const dirs = cases.map((c, i) => {
    const d = join(work, String(i));
    for (const f of c.files) {
      const p = join(d, f.path);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, f.content);
    }
    mkdirSync(d, { recursive: true });
    return d;
  });
  const outputs = printConfigs(root, dirs);
  const problems: string[] = [];
  const covered = { shadowed: 0, disabled: 0, appended: 0, removed: 0, unset: 0 };
  cases.forEach((c, i) => {
    const files: FileRecord[] = c.files.map((f) => ({ path: f.path, content: f.content, mask: null, role: null }));
    const config = loadNmConfig(buildHost({ ...base, files }));
    const ours = config.values.get('keyfile')?.get('unmanaged-devices');
    const theirs = parsePrinted(outputs[i]!);
    const mine = ours ? splitSpecs(ours.value) : null;
    // An empty merged list is printed as an empty value.
    const norm = (x: string[] | null) => (x && x.length ? x : null);
    const taken = [...config.files, ...config.skipped.filter((x) => x.why.startsWith('[.config]')).map((x) => x.file)].filter((f) => f.includes('/conf.d/')).sort();
    if (JSON.stringify(taken) !== JSON.stringify(theirs.snippets)) {
      problems.push(`seed ${c.seed}: snippets read: hostnet ${JSON.stringify(taken)}, NetworkManager ${JSON.stringify(theirs.snippets)}`);
    }
    if (JSON.stringify(norm(mine)) !== JSON.stringify(norm(theirs.unmanaged))) {
      problems.push(`seed ${c.seed}: hostnet ${JSON.stringify(mine)}, NetworkManager ${JSON.stringify(theirs.unmanaged)}\n${c.files.map((f) => `--- ${f.path}\n${f.content}`).join('')}\n${outputs[i]!.slice(0, 600)}`);
    }
    if (config.skipped.some((s) => s.why.startsWith('shadowed'))) covered.shadowed++;
    if (config.skipped.some((s) => s.why.startsWith('[.config]'))) covered.disabled++;
    if (c.files.some((f) => f.content.includes('+='))) covered.appended++;
    if (c.files.some((f) => f.content.includes('-='))) covered.removed++;
    if (norm(mine) === null) covered.unset++;
  });
  t.diagnostic(`seed ${SEED}, ${CASES} cases; coverage ${JSON.stringify(covered)}`);
  assert.deepEqual(problems, [], `replay with HOSTNET_NM_DIFF_SEED=${SEED}`);
  if (CASES >= 40) {
    for (const [k, v] of Object.entries(covered)) assert.ok(v > 0, `the generator made no case with ${k} (seed ${SEED})`);
  }
});

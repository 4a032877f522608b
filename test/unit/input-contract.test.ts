// The input contract: every file of every role (the examples' and the fixtures' inputs, and broken
// ones: empty, binary, not UTF-8, with terminal escapes, a directory, a missing path) given to every
// role (from the role registry, so roles added later are covered) is either read, giving findings and
// diagnostics, or refused with one line naming the file: never another exception, never a control
// character on the terminal. And the CLI turns a refusal into exit 2.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { readInputFile, withInputs } from '../../src/cli/input.js';
import { ROLE_KINDS } from '../../src/cli/input-kinds.js';
import { InputError } from '../../src/errors.js';
import { buildHost } from '../../src/model/host.js';
import { inputDiagnostics } from '../../src/model/input-diagnostics.js';
import { renderJson } from '../../src/render/json.js';
import { renderText } from '../../src/render/text.js';
import { runChecks } from '../../src/rules/engine.js';
import { ALL_RULES } from '../../src/rules/index.js';
import { loadSnapshotFile } from '../../src/snapshot/load.js';
import { INPUT_ROLES } from '../../src/snapshot/roles.js';
import { hostnet } from '../helpers/system.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const ROLES = Object.keys(INPUT_ROLES);
const BASE = loadSnapshotFile(join(ROOT, 'examples/vpp-e810-predeploy/snapshot.json'));

/** The input files of the examples and the fixtures: everything but snapshots and bundles. */
function inputFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return /bundles|snapshots|output$/.test(path) ? [] : inputFiles(path);
    const isSnapshot = name.endsWith('.json') && !/plan|nad|cni|conflist|ign/i.test(name);
    return isSnapshot || /\.(md|ts|sh)$/.test(name) || statSync(path).size > 200_000 ? [] : [path];
  });
}

const scratch = mkdtempSync(join(tmpdir(), 'hostnet-contract-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const broken: Record<string, string | Buffer | null> = {
  empty: '',
  blank: '\n \n',
  binary: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00, 0xff, 0xfe]),
  'latin1.txt': Buffer.from('caf\xe9 [Match]\n', 'latin1'),
  'escapes.link': '[Match]\nOriginalName=\u001b[2J\u001b]0;pwned\u0007ens*\n[Link]\nMACAddressPolicy=\u001b[31mnone\n',
  directory: null,
};
for (const [name, content] of Object.entries(broken)) {
  if (content === null) mkdirSync(join(scratch, name));
  else writeFileSync(join(scratch, name), content);
}
const FILES = [...inputFiles(join(ROOT, 'examples')), ...inputFiles(join(ROOT, 'test/fixtures')), ...Object.keys(broken).map((n) => join(scratch, n)), join(scratch, 'missing')];

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** One file given as one role: what the analysis answers, as the CLI would print it. */
function answer(role: string, file: string): { refused: string } | { text: string; notes: string[] } {
  try {
    const notes: string[] = [];
    const snapshot = withInputs(BASE, [readInputFile(`${role}=${file}`)], (n) => notes.push(n));
    const host = buildHost(snapshot);
    const report = runChecks(host, ALL_RULES, {}, inputDiagnostics(host));
    renderJson(report, { source: 'contract' });
    return { text: renderText(report, { color: false, source: 'contract' }), notes };
  } catch (err) {
    if (!(err instanceof InputError)) throw new Error(`${role}=${relative(ROOT, file)}: ${(err as Error).stack}`);
    return { refused: err.describe() };
  }
}

test('every input file as every role: read, or refused in one line naming the file; no control characters', () => {
  assert.ok(FILES.length > 40, `only ${FILES.length} files`);
  assert.ok(ROLES.length >= 14, `only ${ROLES.length} roles`);
  let read = 0;
  let refused = 0;
  for (const role of ROLES) {
    for (const file of FILES) {
      const a = answer(role, file);
      if ('refused' in a) {
        refused++;
        const [first, ...rest] = a.refused.split('\n');
        assert.ok(first!.includes(relative(ROOT, file)) || first!.includes(file), `${role}=${file}: ${a.refused}`);
        assert.ok(rest.every((l) => l.startsWith('  hint: ')), `${role}=${file}: one line (and a hint): ${a.refused}`);
        assert.doesNotMatch(a.refused, CONTROL, `${role}=${file}`);
      } else {
        read++;
        assert.doesNotMatch(a.text, CONTROL, `${role}=${relative(ROOT, file)}: control characters in the report`);
        for (const n of a.notes) assert.doesNotMatch(n, /\n/, `${role}=${file}: a note is one line`);
      }
    }
  }
  // Both answers happen: files of the right role are read, the rest mostly refused.
  assert.ok(read > ROLES.length && refused > FILES.length, `read ${read}, refused ${refused}`);
});

test('every file of its own kind is read; empty, binary, directories and missing files are refused for every role', () => {
  const own: [string, string][] = [
    ['link-file', 'examples/vpp-e810-fixed/10-hostnet-keep-mac-tun.link'],
    ['calico-vpp-config', 'examples/vpp-e810-predeploy/calico-vpp-config.yaml'],
    ['vppctl-show-hardware-interfaces', 'examples/vpp-e810-mac-rewritten/vppctl-show-hardware-interfaces.txt'],
    ['vppctl-show-interface-address', 'examples/calico-vpp-healthy/vppctl/show-interface-address.txt'],
    ['vppctl-show-ip-fib', 'examples/calico-vpp-healthy/vppctl/show-ip-fib.txt'],
    ['vppctl-show-ip-punt-redirect', 'examples/calico-vpp-healthy/vppctl/show-ip-punt-redirect.txt'],
    ['calico-vpp-plan', 'examples/calico-vpp-predeploy/plan.json'],
    ['proc-net-bonding', 'examples/lab-lacp/server1/before/bond0'],
    ['lab-intent', 'examples/lab-lacp/intent.yaml'],
    ['network-attachment-definition', 'examples/cnf-macvlan/nads.yaml'],
    ['helm-values', 'examples/cnf-macvlan/values.yaml'],
    ['provisioning', 'test/fixtures/provisioning/butane-customize-nic.bu'],
  ];
  // The real vppctl samples of test/fixtures/vpp (pasted ones included), each as its own role.
  const vppRoles: [RegExp, string][] = [[/^sh-errors\./, 'vppctl-show-errors'], [/^sh-hardware\./, 'vppctl-show-hardware-interfaces'],
    [/^sh-int-addr\./, 'vppctl-show-interface-address'], [/^sh-ip-fib\./, 'vppctl-show-ip-fib'], [/^sh-ip-punt-redirect\./, 'vppctl-show-ip-punt-redirect']];
  for (const name of readdirSync(join(ROOT, 'test/fixtures/vpp'))) {
    const role = vppRoles.find(([re]) => re.test(name))?.[1];
    if (role) own.push([role, `test/fixtures/vpp/${name}`]);
  }
  for (const name of readdirSync(join(ROOT, 'test/fixtures/bonding')).filter((n) => n.endsWith('.txt'))) own.push(['proc-net-bonding', `test/fixtures/bonding/${name}`]);
  for (const name of ['server1.xml', 'server1-live.xml', 'server1-override.xml']) own.push(['libvirt-domain', `test/fixtures/libvirt/${name}`]);
  for (const name of ['multus-macvlan-pod.yml', 'multus-sriov-pod.yml']) own.push(['network-attachment-definition', `test/fixtures/nad/${name}`]);
  assert.ok(own.length >= 35, `${own.length} files of their own kind`);
  for (const [role, file] of own) {
    const a = answer(role, join(ROOT, file));
    assert.ok(!('refused' in a), `${role}=${file}: ${'refused' in a ? a.refused : ''}`);
  }
  for (const role of ROLES) {
    for (const name of ['empty', 'binary', 'latin1.txt', 'directory', 'missing']) {
      const a = answer(role, join(scratch, name));
      // vppctl prints nothing when there is no punt redirect: for that role an empty file is an answer.
      assert.equal('refused' in a, !(name === 'empty' && ROLE_KINDS[role]?.emptyIsAnswer), `${role}=${name}`);
    }
  }
});

test('property: salted bytes in a file of the right role never give anything but a report or one line', () => {
  const samples: [string, string][] = [['link-file', 'examples/vpp-e810-fixed/10-hostnet-keep-mac-tun.link'], ['calico-vpp-config', 'examples/vpp-e810-predeploy/calico-vpp-config.yaml'], ['provisioning', 'test/fixtures/provisioning/cloud-config-keep-mac.yaml'], ['proc-net-bonding', 'examples/lab-lacp/server1/before/bond0']];
  const path = join(scratch, 'salted');
  fc.assert(fc.property(fc.constantFrom(...samples), fc.nat(), fc.constantFrom('\u0000', '\u001b[31m', '\u0007', '\r', '\u009b', '\ufffd', '\ud800'), ([role, file], at, salt) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const pos = at % (text.length + 1);
    writeFileSync(path, text.slice(0, pos) + salt + text.slice(pos));
    const a = answer(role, path);
    if ('refused' in a) assert.doesNotMatch(a.refused, CONTROL);
    else assert.doesNotMatch(a.text, CONTROL);
  }), { numRuns: 150 });
});

test('the CLI: a refused input is one line on stderr and exit 2, in every output format', () => {
  for (const format of ['text', 'json', 'sarif']) {
    const r = hostnet(['check', '--snapshot', join(ROOT, 'examples/vpp-e810-predeploy/snapshot.json'), '--input', `vppctl-show-ip-fib=${join(ROOT, 'examples/lab-lacp/intent.yaml')}`, '--format', format]);
    assert.equal(r.code, 2, format);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /intent\.yaml: cannot be read as vppctl-show-ip-fib: it has no ipv4-VRF\/ipv6-VRF table and no \[@N\] path: not the output of vppctl show ip fib/);
  }
  const link = hostnet(['check', '--snapshot', join(ROOT, 'examples/vpp-e810-predeploy/snapshot.json'), '--input', `link-file=${join(ROOT, 'examples/vpp-e810-fixed/10-hostnet-keep-mac-tun.link')}`]);
  assert.equal(link.code, 1, 'the race is still there: the file is not installed');
  assert.match(link.stderr, /^hostnet: note: .*10-hostnet-keep-mac-tun\.link: read as link-file but not used: udevd reads \.link files only in \/etc\/systemd\/network/m);
  const config = hostnet(['check', '--snapshot', join(ROOT, 'examples/vpp-e810-mac-rewritten/snapshot.json'), '--input', `calico-vpp-config=${join(ROOT, 'examples/vpp-e810-predeploy/calico-vpp-config.yaml')}`]);
  assert.match(config.stderr, /note: calico-vpp-config\.yaml: the snapshot's calico-vpp-config is replaced by the one given with --input/);
});

test('docs/inputs.md describes every role of the registry', () => {
  const doc = readFileSync(join(ROOT, 'docs/inputs.md'), 'utf8');
  for (const role of ROLES) assert.match(doc, new RegExp(`^\\| \`${role}\` \\|`, 'm'), `docs/inputs.md has a row for ${role}`);
});

// `hostnet nad check` end to end: bad input gives placed diagnostics and exit 2 while the other
// documents are still checked; against a real namespace the master checks agree with what the kernel
// does when the macvlan is created the way the plugin creates it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hostnet, netns, requireRealSystem } from '../helpers/system.js';

const dir = mkdtempSync(join(tmpdir(), 'hn-nad-cli-'));
const write = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const nad = (name: string, config: Record<string, unknown>) =>
  `apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata:\n  name: ${name}\nspec:\n  config: '${JSON.stringify(config)}'\n`;

test('bad input: YAML syntax error, config not JSON, unknown kind; each placed, the good NAD still checked, exit 2', () => {
  const file = write('bad.yaml', [
    nad('good', { cniVersion: '0.3.1', type: 'macvlan', master: 'ens224', mode: 'Bridge' }),
    '---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n',
    '---\nmetadata: {name: [oops\n',
    '---\napiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata:\n  name: notjson\nspec:\n  config: |\n    {"cniVersion": "0.3.1", "type": macvlan}\n',
  ].join(''));
  const r = hostnet(['nad', 'check', file, '--config-only']);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`input: ${file}:8 \\(document 2\\): kind "Deployment" \\(apiVersion "apps/v1"\\) is not a NetworkAttachmentDefinition; skipped`));
  assert.match(r.stdout, new RegExp(`input: ${file}:1[23] \\(document 3\\): not valid YAML`));
  assert.match(r.stdout, /nad\/config-invalid: notjson: spec\.config is not valid JSON: invalid symbol at line 1, column 33 of the config/);
  assert.match(r.stdout, new RegExp(`at ${file}:20: spec\\.config \\(document 4\\)`));
  // The first document was still checked.
  assert.match(r.stdout, /nad\/mode-invalid: good: macvlan mode "Bridge"/);
  assert.doesNotMatch(r.stdout + r.stderr, /\.ts:\d+:\d+/);

  const json = hostnet(['nad', 'check', file, '--config-only', '--format', 'json']);
  assert.equal(json.code, 2);
  const report = JSON.parse(json.stdout) as { diagnostics: { where: string }[]; nads: { name: string; document: number; line: number }[] };
  assert.deepEqual(report.nads.map((n) => [n.name, n.document, n.line]), [['good', 1, 1], ['notjson', 4, 14]]);
  assert.equal(report.diagnostics.length, 2);
});

test('no NAD at all, a missing file, an unreadable snapshot directory: exit 2 with one clear message', () => {
  const none = hostnet(['nad', 'check', write('none.yaml', 'apiVersion: v1\nkind: ConfigMap\n'), '--config-only']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no NetworkAttachmentDefinition in .*none\.yaml/);
  assert.match(none.stderr, /kind "ConfigMap"/);
  const missing = hostnet(['nad', 'check', join(dir, 'nope.yaml'), '--config-only']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.yaml: cannot read NAD file: no such file/);
  const nodes = hostnet(['nad', 'check', write('ok.yaml', nad('ok', { cniVersion: '0.3.1', type: 'macvlan', master: 'x' })), '--node-snapshots', join(dir, 'no-dir')]);
  assert.equal(nodes.code, 2);
  assert.match(nodes.stderr, /cannot read the node snapshot directory/);
  const both = hostnet(['nad', 'check', join(dir, 'ok.yaml'), '--config-only', '--snapshot', 'x.json']);
  assert.equal(both.code, 2);
  const values = hostnet(['nad', 'check', join(dir, 'ok.yaml'), '--config-only', '--values', write('v.yaml', 'tmm: [1,\n')]);
  assert.equal(values.code, 2);
  assert.match(values.stdout, /v\.yaml:\d+: not valid YAML/);
});

test('the example: masters present on worker-1, ens256 missing on worker-2; exit 1', () => {
  const r = hostnet(['nad', 'check', 'examples/cnf-macvlan/nads.yaml', '--node-snapshots', 'examples/cnf-macvlan/nodes', '--values', 'examples/cnf-macvlan/values.yaml', '--format', 'json']);
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as { findings: { ruleId: string; severity: string; message: string }[] };
  const errors = report.findings.filter((f) => f.severity === 'error');
  assert.deepEqual(errors.map((f) => f.ruleId), ['nad/master-missing']);
  assert.match(errors[0]!.message, /ens256 does not exist on node worker-2/);
  assert.ok(report.findings.some((f) => f.ruleId === 'nad/vm-promiscuous' && /nodes worker-1, worker-2/.test(f.message)));
  assert.ok(!report.findings.some((f) => f.ruleId.startsWith('nad/values-')));
});

test('--netns on a real namespace: what nad check predicts is what creating the macvlan does', (t) => {
  if (!requireRealSystem(t, { tools: ['ip'] })) return;
  const ns = netns(t, 'hn-nadc');
  ns.ip('link', 'add', 'ens224', 'type', 'veth', 'peer', 'name', 'peer224');
  ns.ip('link', 'add', 'ens256', 'mtu', '1400', 'type', 'veth', 'peer', 'name', 'peer256');
  ns.ip('link', 'add', 'br-ex', 'type', 'bridge');
  ns.ip('link', 'add', 'ens161', 'type', 'veth', 'peer', 'name', 'peer161');
  ns.ip('link', 'set', 'ens161', 'master', 'br-ex');
  ns.ip('tuntap', 'add', 'dev', 'tun0', 'mode', 'tun');
  for (const dev of ['ens224', 'peer224', 'ens256', 'peer256', 'br-ex', 'ens161', 'peer161', 'lo', 'tun0']) ns.ip('link', 'set', dev, 'up');
  const cases = [
    { name: 'ok', master: 'ens224', mtu: 0, rule: null },
    { name: 'missing', master: 'ens999', mtu: 0, rule: 'nad/master-missing' },
    { name: 'toobig', master: 'ens256', mtu: 1500, rule: 'nad/mtu-invalid' },
    { name: 'port', master: 'ens161', mtu: 0, rule: 'nad/master-enslaved' },
    { name: 'bridge', master: 'br-ex', mtu: 0, rule: null },
    { name: 'loop', master: 'lo', mtu: 0, rule: 'nad/master-enslaved' },
    { name: 'tun', master: 'tun0', mtu: 0, rule: 'nad/master-enslaved' },
    { name: 'tiny', master: 'ens224', mtu: 60, rule: 'nad/mtu-invalid' },
  ];
  for (const c of cases) {
    const file = write(`${c.name}.yaml`, nad(c.name, { cniVersion: '0.3.1', type: 'macvlan', master: c.master, mode: 'bridge', ...(c.mtu ? { mtu: c.mtu } : {}) }));
    const r = hostnet(['nad', 'check', file, '--netns', ns.name, '--format', 'json', '--fail-on', 'error']);
    const report = JSON.parse(r.stdout) as { findings: { ruleId: string; severity: string }[] };
    const errors = report.findings.filter((f) => f.severity === 'error').map((f) => f.ruleId);
    assert.deepEqual(errors, c.rule ? [c.rule] : [], `${c.name}: ${r.stdout}`);
    assert.equal(r.code, c.rule ? 1 : 0);
    // The kernel's answer, creating the child as the plugin does (in the node namespace first).
    const created = spawnSync('ip', ['-n', ns.name, 'link', 'add', 'link', c.master, 'name', `mv-${c.name}`, ...(c.mtu ? ['mtu', String(c.mtu)] : []), 'type', 'macvlan', 'mode', 'bridge']);
    assert.equal(created.status === 0, c.rule === null, `${c.name}: kernel ${created.status === 0 ? 'accepted' : 'refused'} it`);
  }
});

test('stdin: `oc get ... -o yaml | hostnet nad check -` places findings at stdin:LINE', () => {
  const text = `apiVersion: v1\nkind: List\nitems:\n- ${nad('piped', { cniVersion: '0.3.1', type: 'macvlan', mode: 'source' }).trimEnd().split('\n').join('\n  ')}\n`;
  const r = hostnet(['nad', 'check', '-', '--config-only'], { input: text });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /piped \(stdin:4\)/);
  assert.match(r.stdout, /nad\/mode-invalid: piped: macvlan mode "source"[^\n]*\n\s+at stdin:9: "mode": "source" \(document 1, item 1\)/);
});

// Bad Calico/VPP inputs: a clear diagnostic naming the file and line, and the rest of the check runs.
// And the MachineConfig that lays the verified fix on a pool of nodes.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { hostnet } from '../helpers/system.js';

const PREDEPLOY = new URL('../../examples/vpp-e810-predeploy/snapshot.json', import.meta.url).pathname;

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'hostnet-inputs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a startup.conf with unbalanced braces: named with its line, and the race is still found', (t) => {
  const dir = tempDir(t);
  const startup = join(dir, 'startup.conf');
  writeFileSync(startup, 'unix {\n  nodaemon\n}\ncpu {\n  main-core 1\n  workers 2\n');
  const r = hostnet(['check', '--snapshot', PREDEPLOY, '--input', `vpp-startup=${startup}`]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, new RegExp(`^input: ${startup.replace(/[/.]/g, '\\$&')}:\\d+: .*never closed`, 'mi'));
  assert.match(r.stdout, /link\/mac-policy-race \[ens2f0\]/);
});

test('a Calico/VPP ConfigMap that is not YAML: named with its line, the check still runs and exits by its findings', (t) => {
  const dir = tempDir(t);
  const config = join(dir, 'cm.yaml');
  writeFileSync(config, 'apiVersion: v1\nkind: ConfigMap\ndata:\n  CALICOVPP_INTERFACES: {"uplinkInterfaces": [\n  : :\n');
  // The node without the configuration it was recorded with, so the broken one is the only one.
  const snapshot = JSON.parse(readFileSync(PREDEPLOY, 'utf8'));
  snapshot.files = snapshot.files.filter((f: { role: string | null }) => f.role === null);
  const bare = join(dir, 'node.json');
  writeFileSync(bare, JSON.stringify(snapshot));
  for (const format of ['text', 'json']) {
    const r = hostnet(['check', '--snapshot', bare, '--input', `calico-vpp-config=${config}`, '--format', format]);
    assert.notEqual(r.code, 2, r.stderr);
    const text = format === 'json' ? JSON.stringify(JSON.parse(r.stdout).diagnostics) : r.stdout;
    assert.match(text, new RegExp(`${config.replace(/[/.]/g, '\\$&')}:\\d+`));
  }
});

test('--format machineconfig: an OpenShift MachineConfig whose file is the verified fix, for the role given', () => {
  const r = hostnet(['fix', '--snapshot', PREDEPLOY, '--format', 'machineconfig', '--role', 'infra']);
  assert.equal(r.code, 0, r.stderr);
  const mc = parse(r.stdout);
  assert.equal(mc.apiVersion, 'machineconfiguration.openshift.io/v1');
  assert.equal(mc.kind, 'MachineConfig');
  assert.equal(mc.metadata.labels['machineconfiguration.openshift.io/role'], 'infra');
  assert.match(mc.metadata.name, /^99-infra-/);
  assert.equal(mc.spec.config.ignition.version, '3.2.0');
  const [file] = mc.spec.config.storage.files;
  assert.equal(file.path, '/etc/systemd/network/10-hostnet-keep-mac-tun.link');
  assert.equal(file.mode, 0o644);
  const content = Buffer.from(file.contents.source.replace(/^data:text\/plain;charset=utf-8;base64,/, ''), 'base64').toString('utf8');
  assert.match(content, /^Driver=tun$/m);
  assert.match(content, /^MACAddressPolicy=none$/m);
  // The same bytes `hostnet fix --out` writes.
  const shown = readFileSync(new URL('../../examples/vpp-e810-fixed/10-hostnet-keep-mac-tun.link', import.meta.url), 'utf8');
  assert.equal(content, shown);
});

// .link/.network files embedded in provisioning configurations (Butane, Ignition, MachineConfig,
// cloud-init), read as the files they install: real public samples (test/fixtures/provisioning/README.md),
// hostnet's own MachineConfig fix fed back, and generated encodings.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseProvisioning, type Provisioning } from '../../src/sources/provisioning.js';
import { hostnet } from '../helpers/system.js';

const FIXTURES = new URL('../fixtures/provisioning/', import.meta.url).pathname;
const PREDEPLOY = new URL('../../examples/vpp-e810-predeploy/snapshot.json', import.meta.url).pathname;
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

function parsed(text: string): Provisioning {
  const r = parseProvisioning(text);
  assert.ok(!('error' in r), 'error' in r ? `line ${r.error.line}: ${r.error.message}` : '');
  return r;
}

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'hostnet-prov-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const INFRA_LINK = '[Match]\nMACAddress=12:34:56:78:9a:bc\n[Link]\nName=infra\n';

test('the Fedora CoreOS docs\' Butane .link and its Ignition translation install the same file', () => {
  const butane = parsed(fixture('butane-customize-nic.bu'));
  assert.deepEqual(butane.formats, ['butane']);
  assert.deepEqual(butane.files, [{ path: '/etc/systemd/network/25-infra.link', content: INFRA_LINK, mask: null, line: 5, contentLine: 9 }]);
  const ignition = parsed(fixture('ignition-customize-nic.ign'));
  assert.deepEqual(ignition.formats, ['ignition']);
  assert.deepEqual(ignition.files.map((f) => [f.path, f.content, f.contentLine]), [['/etc/systemd/network/25-infra.link', INFRA_LINK, null]]);
});

test('cloud-init\'s own write_files example: decoded where it can be, the truncated ones as problems, nothing hostnet reads', () => {
  const r = parsed(fixture('cloud-config-write-files.txt'));
  assert.deepEqual(r.formats, ['cloud-init']);
  // The truncated base64 still decodes to text; the truncated ELF binary is binary.
  assert.deepEqual(r.files.map((f) => f.path), ['/etc/sysconfig/selinux', '/etc/sysconfig/samba', '/usr/bin/hello']);
  assert.match(r.files[0]!.content!, /^\n# This file controls the state of SELinux/);
  assert.equal(r.files[2]!.content, '#!/bin/sh\necho hello world\n');
  assert.deepEqual(r.problems.map((p) => [p.line, p.message]), [[21, '/bin/arch: its content is binary, not text']]);
});

test('property: a .link file written any way Ignition, Butane, MachineConfig or cloud-init carry it comes out byte for byte', () => {
  const text = fc.array(fc.constantFrom('[Match]', '[Link]', 'Name=ens*', 'MACAddressPolicy=none', '# 100% "quoted" é', 'Description=a,b;c', ''), { minLength: 1, maxLength: 8 })
    .map((lines) => `${lines.join('\n')}\n`);
  const ways = ['butane-inline', 'ignition-percent', 'ignition-base64', 'ignition-gzip', 'machineconfig', 'cloud-init-plain', 'cloud-init-b64', 'cloud-init-gz+b64', 'ignition2-networkd'] as const;
  fc.assert(fc.property(text, fc.constantFrom(...ways), (content, way) => {
    const path = '/etc/systemd/network/10-x.link';
    const b64 = Buffer.from(content).toString('base64');
    const ignitionFile = (source: string, compression?: string) => ({ path, contents: { source, ...(compression ? { compression } : {}) }, mode: 420 });
    const ignition = (file: object) => ({ ignition: { version: '3.4.0' }, storage: { files: [file] } });
    const doc = {
      'butane-inline': () => stringify({ variant: 'fcos', version: '1.5.0', storage: { files: [{ path, contents: { inline: content } }] } }),
      'ignition-percent': () => JSON.stringify(ignition(ignitionFile(`data:,${encodeURIComponent(content)}`))),
      'ignition-base64': () => JSON.stringify(ignition(ignitionFile(`data:text/plain;charset=utf-8;base64,${b64}`))),
      'ignition-gzip': () => JSON.stringify(ignition(ignitionFile(`data:;base64,${gzipSync(content).toString('base64')}`, 'gzip'))),
      machineconfig: () => stringify({ apiVersion: 'machineconfiguration.openshift.io/v1', kind: 'MachineConfig', metadata: { name: 'x' }, spec: { config: ignition(ignitionFile(`data:text/plain;charset=utf-8;base64,${b64}`)) } }),
      'cloud-init-plain': () => `#cloud-config\n${stringify({ write_files: [{ path, content }] })}`,
      'cloud-init-b64': () => `#cloud-config\n${stringify({ write_files: [{ path, content: b64, encoding: 'b64' }] })}`,
      'cloud-init-gz+b64': () => `#cloud-config\n${stringify({ write_files: [{ path, content: gzipSync(content).toString('base64'), encoding: 'gz+b64' }] })}`,
      'ignition2-networkd': () => JSON.stringify({ ignition: { version: '2.3.0' }, networkd: { units: [{ name: '10-x.link', contents: content }] } }),
    }[way]();
    const r = parsed(doc);
    assert.deepEqual(r.files.map((f) => [f.path, f.content]), [[path, content]], way);
    assert.deepEqual(r.problems, []);
  }), { numRuns: 200 });
});

test('links to /dev/null mask; remote and local sources are problems; what is no provisioning file is an error', () => {
  const r = parsed(stringify({ variant: 'fcos', version: '1.5.0', storage: {
    links: [{ path: '/etc/systemd/network/99-default.link', target: '/dev/null' }],
    files: [{ path: '/etc/systemd/network/a.link', contents: { source: 'https://example.com/a.link' } }, { path: '/etc/systemd/network/b.link', contents: { local: 'b.link' } }],
  } }));
  assert.deepEqual(r.files.map((f) => [f.path, f.mask]), [['/etc/systemd/network/99-default.link', 'dev-null']]);
  assert.deepEqual(r.problems.map((p) => p.message.split(':')[0]), ['/etc/systemd/network/a.link', '/etc/systemd/network/b.link']);
  assert.match(r.problems[0]!.message, /https URL: it is fetched at boot/);
  for (const text of ['hello: world\n', '[Match]\nName=x\n', '{"a": 1}']) assert.ok('error' in parseProvisioning(text), text);
});

test('hostnet\'s own MachineConfig fix, given back as a provisioning input, makes the race finding go', (t) => {
  const dir = tempDir(t);
  const mc = join(dir, 'mc.yaml');
  const fix = hostnet(['fix', '--snapshot', PREDEPLOY, '--format', 'machineconfig', '-o', mc]);
  assert.equal(fix.code, 0, fix.stderr);
  const before = hostnet(['check', '--snapshot', PREDEPLOY, '--format', 'json']);
  const after = hostnet(['check', '--snapshot', PREDEPLOY, '--input', `provisioning=${mc}`, '--format', 'json']);
  const ids = (r: { stdout: string }) => (JSON.parse(r.stdout) as { findings: { ruleId: string }[] }).findings.map((f) => f.ruleId);
  assert.ok(ids(before).includes('link/mac-policy-race'), before.stdout);
  assert.ok(!ids(after).includes('link/mac-policy-race'), after.stdout);
  assert.equal(after.stderr, '', 'the MachineConfig is used: no note');
});

test('a cloud-init .link line udevd would warn about is shown at its line in the user data', () => {
  const path = join(FIXTURES, 'cloud-config-keep-mac.yaml');
  const r = hostnet(['check', '--snapshot', PREDEPLOY, '--input', `provisioning=${path}`]);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  assert.doesNotMatch(r.stdout, /link\/mac-policy-race/, 'the gz+b64 .link file keeps the MAC');
  // Line 16 of the user data is MTUBytes=banana, line 6 of the .link file it writes.
  assert.match(r.stdout, new RegExp(`${path.replace(/[/.]/g, '\\$&')}:16 \\(/etc/systemd/network/30-eth9\\.link:6\\)`));
});

test('a provisioning file that installs nothing hostnet reads says so, and still exits by the findings', () => {
  const r = hostnet(['check', '--snapshot', PREDEPLOY, '--input', `provisioning=${join(FIXTURES, 'cloud-config-write-files.txt')}`]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^hostnet: note: .*cloud-config-write-files\.txt: a cloud-init config, read but not used: it installs no file hostnet reads/m);
});

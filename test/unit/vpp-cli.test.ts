// The plan verb end to end: text, JSON, exit codes, clear errors; the plan verifying a deployed node.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostnet } from '../helpers/system.js';

const PRE = ['--snapshot', 'examples/calico-vpp-predeploy/snapshot.json', '--config', 'examples/calico-vpp-predeploy/calico-vpp-config.yaml'];

test('plan calico-vpp: the predicted host and its findings; exit 1', () => {
  const r = hostnet(['plan', 'calico-vpp', ...PRE, '--uplink', 'enp216s0f1']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /10\.96\.0\.0\/12 via 192\.168\.0\.254 dev enp216s0f1 proto static mtu 1440/);
  assert.match(r.stdout, /tap0 \(up\): \n {4}unnumbered, use avf-0\/d8\/a\/0/);
  assert.match(r.stdout, /error vpp\/networkd-permanent-mac/);
  assert.equal(hostnet(['plan', 'calico-vpp', ...PRE, '--fail-on', 'error']).code, 1, 'the .network finding is an error');
});

test('plan --format json: a plan check reads back; the healthy node verifies against it', () => {
  const r = hostnet(['plan', 'calico-vpp', ...PRE, '--format', 'json']);
  const out = JSON.parse(r.stdout) as { plan: { schema: string; clusterRouteMtu: number }; report: { findings: { ruleId: string }[] } };
  assert.equal(out.plan.schema, 'hostnet.calico-vpp-plan/v1');
  assert.equal(out.plan.clusterRouteMtu, 1440);
  const healthy = hostnet(['check', '--snapshot', 'examples/calico-vpp-healthy/snapshot.json', '--input', 'calico-vpp-plan=examples/calico-vpp-predeploy/plan.json']);
  assert.equal(healthy.code, 0, healthy.stdout + healthy.stderr);
  const broken = hostnet(['check', '--snapshot', 'examples/calico-vpp-broken/snapshot.json', '--input', 'calico-vpp-plan=examples/calico-vpp-predeploy/plan.json', '--format', 'json']);
  assert.equal(broken.code, 1);
  assert.ok((JSON.parse(broken.stdout) as { findings: { ruleId: string }[] }).findings.some((f) => f.ruleId === 'vpp/tap-mac'));
});

test('plan errors: exit 2 with one clear message, never a stack trace', () => {
  const missing = hostnet(['plan', 'calico-vpp', '--snapshot', 'examples/calico-vpp-predeploy/snapshot.json', '--config', 'nope.yaml']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^hostnet: nope\.yaml: cannot read the Calico\/VPP configuration: no such file or directory/);
  const wrong = hostnet(['plan', 'calico-vpp', ...PRE, '--uplink', 'eth7']);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /--uplink eth7 is not the configuration's main uplink \(enp216s0f1\)\n {2}hint:/);
  const deployed = hostnet(['plan', 'calico-vpp', '--snapshot', 'examples/calico-vpp-healthy/snapshot.json', '--config', 'examples/calico-vpp-predeploy/calico-vpp-config.yaml']);
  assert.equal(deployed.code, 2);
  assert.match(deployed.stderr, /already a tap/);
  assert.doesNotMatch(missing.stderr + wrong.stderr + deployed.stderr, /at .*\.ts:\d+/);
  const help = hostnet(['plan', 'calico-vpp', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Examples:/);
});

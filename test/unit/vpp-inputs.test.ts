// Finding the Calico/VPP inputs in a snapshot: roles, usual paths, recorded vppctl commands.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildHost } from '../../src/model/host.js';
import { calicoVppInputs, isVppctlCommand } from '../../src/model/vpp/inputs.js';
import { parseSnapshot } from '../../src/snapshot/load.js';
import type { Snapshot } from '../../src/snapshot/schema.js';

const base = parseSnapshot(readFileSync(new URL('../fixtures/snapshots/minimal.json', import.meta.url), 'utf8'), 'minimal.json');
const fixture = (name: string): string => readFileSync(new URL(`../fixtures/vpp/${name}`, import.meta.url), 'utf8');

function withInputs(extra: Partial<Pick<Snapshot, 'files' | 'commands'>>): Snapshot {
  return { ...base, files: [...base.files, ...(extra.files ?? [])], commands: [...base.commands, ...(extra.commands ?? [])] };
}

test('vppctl commands match with abbreviations, sockets and calicovppctl', () => {
  const addr = ['show', 'interface', 'address'];
  assert.ok(isVppctlCommand({ argv: ['vppctl', 'sh', 'int', 'addr'] }, addr));
  assert.ok(isVppctlCommand({ argv: ['/usr/bin/vppctl', '-s', '/run/vpp/cli.sock', 'show', 'interface', 'address'] }, addr));
  assert.ok(isVppctlCommand({ argv: ['calicovppctl', 'vppctl', '-node', 'worker-1', 'sh int addr'] }, addr));
  assert.ok(!isVppctlCommand({ argv: ['vppctl', 'show', 'interface'] }, addr));
  assert.ok(!isVppctlCommand({ argv: ['vppctl', 'show', 'ip', 'fib'] }, addr));
  assert.ok(!isVppctlCommand({ argv: ['ip', 'addr', 'show'] }, addr));
});

test('inputs by role, startup.conf from the ConfigMap template, vppctl from commands', () => {
  const host = buildHost(withInputs({
    files: [{ path: '/in/cm.yaml', content: fixture('calico-vpp-config.seed002.yaml'), mask: null, role: 'calico-vpp-config' }],
    commands: [
      { argv: ['vppctl', 'sh', 'int', 'addr'], exitCode: 0, stdout: fixture('sh-int-addr.seed002.txt') },
      { argv: ['vppctl', 'show', 'ip', 'punt', 'redirect'], exitCode: 0, stdout: fixture('sh-ip-punt-redirect.seed002.txt') },
      { argv: ['vppctl', 'show', 'hardware-interfaces'], exitCode: 0, stdout: 'garbage from a future VPP\n' },
    ],
  }));
  const inputs = calicoVppInputs(host);
  assert.equal(inputs.config?.value.mainUplink?.interfaceName, 'enp216s0f1');
  assert.equal(inputs.startup?.value.workers, 2);
  assert.equal(inputs.startup?.source, '/in/cm.yaml (CALICOVPP_CONFIG_TEMPLATE)');
  assert.equal(inputs.vppctl.interfaceAddress?.value.length, 3);
  assert.equal(inputs.vppctl.puntRedirect?.value[0]?.rewriteDstMac, '52:54:00:40:46:8e');
  assert.deepEqual(inputs.vppctl.hardwareInterfaces?.value, []);
  assert.equal(inputs.vppctl.fib, null);
  assert.ok(inputs.hasVppState);
  assert.ok(inputs.diagnostics.some((d) => d.where === 'vppctl show hardware-interfaces' && /does not look like/.test(d.message)));
  // Parsed once per host.
  assert.equal(calicoVppInputs(host), inputs);
});

test('/etc/vpp/startup.conf wins over the template; a role file wins over a command', () => {
  const host = buildHost(withInputs({
    files: [
      { path: '/in/cm.yaml', content: fixture('calico-vpp-config.seed002.yaml'), mask: null, role: 'calico-vpp-config' },
      { path: '/etc/vpp/startup.conf', content: 'cpu { main-core 1 corelist-workers 2-5 }\n', mask: null, role: null },
      { path: '/in/addr.txt', content: fixture('sh-int-addr.v18.01.txt'), mask: null, role: 'vppctl-show-interface-address' },
    ],
    commands: [{ argv: ['vppctl', 'sh', 'int', 'addr'], exitCode: 0, stdout: fixture('sh-int-addr.seed002.txt') }],
  }));
  const inputs = calicoVppInputs(host);
  assert.equal(inputs.startup?.value.workers, 4);
  assert.equal(inputs.startup?.source, '/etc/vpp/startup.conf');
  assert.equal(inputs.vppctl.interfaceAddress?.source, '/in/addr.txt');
  assert.equal(inputs.vppctl.interfaceAddress?.value[0]?.name, 'GigabitEthernet0/8/0');
});

test('a host without any Calico/VPP input', () => {
  const inputs = calicoVppInputs(buildHost(base));
  assert.equal(inputs.config, null);
  assert.equal(inputs.startup, null);
  assert.equal(inputs.hasVppState, false);
  assert.deepEqual(inputs.diagnostics, []);
});

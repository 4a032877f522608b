// The one table of CNI, kube-proxy and runtime devices: its globs read as fnmatch reads them, no entry
// is shadowed, runtimes' devices do not make a CNI node, and Calico's exclusion is the documented one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CNI_PROJECTS, cniDeviceOf, hostDeviceOf } from '../../src/model/cni-devices.js';
import { familySpecs } from '../../src/model/networkmanager/cni.js';
import { fnmatch } from '../../src/model/link/fnmatch.js';

const devices = CNI_PROJECTS.flatMap((p) => p.devices);

test('only exact names and prefix globs, each once, none shadowed by an earlier one', () => {
  for (const d of devices) assert.match(d.glob, /^[a-z0-9._-]+\*?$/);
  assert.equal(new Set(devices.map((d) => d.glob)).size, devices.length);
  for (const device of devices) {
    const sample = device.glob.endsWith('*') ? `${device.glob.slice(0, -1)}0` : device.glob;
    assert.equal(hostDeviceOf(sample)?.device, device, device.glob);
  }
});

test('a glob reads as fnmatch reads it (networkd Name=, NetworkManager interface-name:)', () => {
  const prefixes = devices.map((d) => d.glob.replace(/\*$/, ''));
  const name = fc.oneof(
    fc.stringMatching(/^[a-z0-9._-]{0,14}$/),
    fc.tuple(fc.constantFrom(...prefixes), fc.stringMatching(/^[a-z0-9._-]{0,4}$/)).map(([p, s]) => p + s),
  );
  fc.assert(fc.property(name, (n) => {
    assert.equal(hostDeviceOf(n)?.device, devices.find((d) => fnmatch(d.glob, n)));
  }), { numRuns: 3000 });
  for (const n of ['cali12ab', 'vxlan.calico', 'tunl0', 'flannel.1', 'cilium_host', 'lxc1', 'eni3f', 'kube-ipvs0', 'antrea-gw0', 'ovn-k8s-mp0']) {
    assert.notEqual(cniDeviceOf(n), null, n);
  }
});

test('runtimes\' devices do not make a CNI node, but networkd still names their owner', () => {
  assert.equal(cniDeviceOf('docker0'), null);
  assert.equal(cniDeviceOf('veth9a1'), null);
  assert.equal(hostDeviceOf('veth9a1')?.project.project, 'a container runtime');
  assert.equal(cniDeviceOf('eth0'), null);
  assert.equal(hostDeviceOf('ens3'), null);
});

test('Calico\'s NetworkManager exclusion is exactly the one Calico documents', () => {
  const calico = CNI_PROJECTS.find((p) => p.project === 'Calico')!;
  assert.equal(
    familySpecs([calico]).join(';'),
    'interface-name:cali*;interface-name:tunl*;interface-name:vxlan.calico;interface-name:vxlan-v6.calico;interface-name:wireguard.cali;interface-name:wg-v6.cali',
  );
});

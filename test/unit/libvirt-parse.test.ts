// libvirt domain XML and the lab intent file: what they say, line numbers, and clear errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { LibvirtParseError, parseDomainXml, tapMacFor } from '../../src/sources/libvirt.js';
import { IntentError, parseLabIntent } from '../../src/sources/lab-intent.js';
import { fixture } from './bridge-lab-helpers.js';

test('a definition: interfaces with model, source bridge, MAC and line; no tap names', () => {
  const d = parseDomainXml(fixture('libvirt/server1.xml'), '/etc/libvirt/qemu/t5_server1.xml');
  assert.equal(d.name, 't5_server1');
  assert.equal(d.live, false);
  assert.deepEqual(d.interfaces.map((i) => [i.type, i.mac, i.sourceBridge, i.model, i.targetDev, i.line]), [
    ['bridge', '52:54:00:5e:01:03', 'virbr0', 'virtio', null, 25],
    ['bridge', '52:54:00:5e:01:04', 't5_br9', 'virtio', null, 30],
    ['bridge', '52:54:00:5e:01:05', 't5_br10', 'virtio', null, 35],
  ]);
  assert.deepEqual(d.interfaces.map((i) => [i.speed, i.duplex]), [[null, null], [null, null], [null, null]]);
});

test('a live status file: the domain inside <domstatus>, with tap names and aliases', () => {
  const d = parseDomainXml(fixture('libvirt/server1-live.xml'), '/run/libvirt/qemu/t5_server1.xml');
  assert.equal(d.live, true);
  assert.deepEqual(d.interfaces.map((i) => [i.targetDev, i.alias]), [['vnet14', 'net0'], ['vnet15', 'net1'], ['vnet16', 'net2']]);
});

test('speed and duplex from <qemu:override> by alias, and from a -global on the command line', () => {
  const d = parseDomainXml(fixture('libvirt/server1-override.xml'), 'x.xml');
  assert.deepEqual(d.interfaces.map((i) => [i.alias, i.speed, i.duplex]), [['ua-bond0-a', 10000, 'full'], ['ua-bond0-b', null, 'full']]);
});

test('XML that is not well formed, or not a domain, is refused with a line', () => {
  assert.throws(() => parseDomainXml(fixture('libvirt/broken.xml'), 'b.xml'), (e: unknown) => e instanceof LibvirtParseError && e.line === 6);
  assert.throws(() => parseDomainXml('<network><name>default</name></network>', 'n.xml'), /no <domain> element/);
});

test('property: generated domains parse back to their interfaces and lines', () => {
  const nic = fc.record({
    mac: fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map(([a, b]) => `52:54:00:00:${a.toString(16).padStart(2, '0')}:${b.toString(16).padStart(2, '0')}`),
    bridge: fc.stringMatching(/^[a-z][a-z0-9_]{0,12}$/),
    model: fc.constantFrom('virtio', 'e1000', 'e1000e', 'rtl8139'),
    dev: fc.option(fc.stringMatching(/^vnet[0-9]{1,3}$/), { nil: null }),
  });
  fc.assert(fc.property(fc.array(nic, { maxLength: 6 }), (nics) => {
    const lines = ['<domain type="kvm">', '  <name>vm</name>', '  <devices>'];
    const at: number[] = [];
    for (const n of nics) {
      at.push(lines.length + 1);
      lines.push(`    <interface type='bridge'>`, `      <mac address='${n.mac}'/>`, `      <source bridge='${n.bridge}'/>`,
        ...(n.dev ? [`      <target dev='${n.dev}'/>`] : []), `      <model type='${n.model}'/>`, '    </interface>');
    }
    lines.push('  </devices>', '</domain>');
    const d = parseDomainXml(lines.join('\n'), 'g.xml');
    assert.deepEqual(d.interfaces.map((i) => [i.mac, i.sourceBridge, i.model, i.targetDev, i.line]), nics.map((n, k) => [n.mac, n.bridge, n.model, n.dev, at[k]]));
  }));
});

test('the tap of a NIC carries the guest MAC with fe as first byte', () => {
  assert.equal(tapMacFor('52:54:00:5e:01:04'), 'fe:54:00:5e:01:04');
});

const INTENT = `# the seed's lab
lab: evpn-mh
links:
  - name: leaf1-server1
    bridge: t5_br9
    carries: [lacp, lldp]
  - name: spine1-leaf1
    ends:
      - { vm: t5_vqfx_spine1, mac: 52:54:00:5E:00:01 }
      - { vm: t5_vqfx_leaf1, dev: vnet3 }
    carries: [lldp]
bonds:
  - vm: t5_server1
    members: [52:54:00:5e:01:04, 52:54:00:5e:01:05]
`;

test('lab intent: links by bridge or by ends, bonds with defaults, lines kept', () => {
  const i = parseLabIntent(INTENT, '/lab/intent.yaml');
  assert.equal(i.lab, 'evpn-mh');
  assert.deepEqual(i.links[0], { name: 'leaf1-server1', bridge: 't5_br9', carries: ['lacp', 'lldp'] });
  assert.equal(i.links[1]!.ends![0]!.mac, '52:54:00:5e:00:01', 'MACs are lower-cased');
  assert.deepEqual(i.bonds[0], { vm: 't5_server1', name: 'bond0', mode: '802.3ad', members: ['52:54:00:5e:01:04', '52:54:00:5e:01:05'] });
  assert.deepEqual(i.lines, { links: [4, 7], bonds: [13] });
});

test('lab intent errors name the line and say what is expected', () => {
  const cases: [string, number, RegExp][] = [
    [INTENT.replace('carries: [lacp, lldp]', 'carries: [lacp, pause]'), 6, /links\.0\.carries\.1: one of stp, lacp, eapol.*MAC pause is always dropped/],
    [INTENT.replace('{ vm: t5_vqfx_leaf1, dev: vnet3 }', '{ vm: t5_vqfx_leaf1 }'), 10, /give the NIC by mac .* or by dev/],
    [INTENT.replace('    bridge: t5_br9\n', ''), 4, /give the bridge, or the two ends/],
    [INTENT.replace('members: [52:54:00:5e:01:04', 'members: [52:54:00:5e:01'), 14, /a MAC address/],
    ['links: []\nbonds: []\nlinks: []\n', 3, /not valid YAML: Map keys must be unique/],
    ['lnks: []\n', 1, /Unrecognized key/i],
  ];
  for (const [text, line, message] of cases) {
    assert.throws(() => parseLabIntent(text, 'i.yaml'), (e: unknown) => {
      assert.ok(e instanceof IntentError, String(e));
      assert.match(e.message, message);
      assert.equal(e.line, line, `${e.message}`);
      return true;
    });
  }
});

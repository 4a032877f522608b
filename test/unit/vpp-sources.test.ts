// The Calico/VPP input parsers: the Calico/VPP configuration, VPP's startup.conf and vppctl outputs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseCalicoVppConfig } from '../../src/sources/calico-vpp-config.js';
import { parseVppStartupConf } from '../../src/sources/vpp-startup.js';
import { parseShowHardwareInterfaces, parseShowInterfaceAddress, parseShowIpFib, parseShowIpPuntRedirect } from '../../src/sources/vppctl.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/vpp/${name}`, import.meta.url), 'utf8');

// ------------------------------------------------------------------------------------------------
// Calico/VPP configuration

test('the generated dpdk manifest: ConfigMap keys, uplink, service prefix, template line', () => {
  const { config, diagnostics } = parseCalicoVppConfig(fixture('calico-vpp-dpdk.yaml'), 'calico-vpp-dpdk.yaml');
  assert.deepEqual(diagnostics, []);
  assert.equal(config.format, 'configmap');
  assert.deepEqual(config.uplinkInterfaces.map((u) => [u.interfaceName, u.vppDriver, u.isMain, u.isMainExplicit]), [['eth1', 'dpdk', true, false]]);
  assert.deepEqual(config.serviceCidrs, ['10.96.0.0/12']);
  assert.equal(config.tap0Address, '169.254.0.1/32');
  // The template's first line ("unix {") is the line below "CALICOVPP_CONFIG_TEMPLATE: |-".
  const lines = fixture('calico-vpp-dpdk.yaml').split('\n');
  assert.equal(lines[config.startupConfTemplate!.line - 1]!.trim(), 'unix {');
  assert.equal(lines[config.uplinkInterfaces[0]!.line! - 1]!.trim(), '{');
  assert.deepEqual(config.vppHostTapSpec, { rx: 1, tx: 1, rxqsz: 1024, txqsz: 1024, isl3: false });
});

test('the seed-002 ConfigMap with its IPPool; avf is flagged as removed in v3.32', () => {
  const { config, diagnostics } = parseCalicoVppConfig(fixture('calico-vpp-config.seed002.yaml'), 'c.yaml');
  assert.deepEqual(diagnostics.map((d) => d.where), ['c.yaml:17']);
  assert.match(diagnostics[0]!.message, /"avf" was removed in Calico\/VPP v3\.32\.0/);
  assert.equal(config.mainUplink?.interfaceName, 'enp216s0f1');
  assert.equal(config.mainUplink?.vppDriver, 'avf');
  assert.deepEqual(config.ipPools.map((p) => [p.cidr, p.name, p.line]), [['10.0.0.0/16', 'default-ipv4-ippool', 54]]);
});

test('IP pools from an operator Installation and from calico-node environment variables', () => {
  const yaml = 'apiVersion: operator.tigera.io/v1\nkind: Installation\nmetadata:\n  name: default\nspec:\n  calicoNetwork:\n    ipPools:\n    - cidr: 10.244.0.0/16\n      encapsulation: VXLAN\n    - cidr: fd00:10:244::/64\n';
  const r = parseCalicoVppConfig(yaml, 'i.yaml');
  assert.deepEqual(r.config.ipPools.map((p) => [p.cidr, p.encapsulation, p.line]), [['10.244.0.0/16', 'VXLAN', 8], ['fd00:10:244::/64', null, 10]]);
  const env = parseCalicoVppConfig('CALICO_IPV4POOL_CIDR=192.168.128.0/17\nCALICOVPP_INTERFACES={"uplinkInterfaces":[{"interfaceName":"e"}]}\n', 'e.env');
  assert.deepEqual(env.config.ipPools.map((p) => p.cidr), ['192.168.128.0/17']);
});

test('an uplink without interfaceName, or with one Linux refuses, is diagnosed and left out; the next one becomes the main uplink', () => {
  const r = parseCalicoVppConfig('CALICOVPP_INTERFACES={"uplinkInterfaces":[{"vppDriver":"dpdk"},{"interfaceName":"eth1","vppDriver":"af_packet"}]}\n', 'u.env');
  assert.deepEqual(r.config.uplinkInterfaces.map((u) => [u.interfaceName, u.index, u.isMain]), [['eth1', 0, true]]);
  assert.ok(r.diagnostics.some((d) => d.where === 'u.env:1' && /no interfaceName; it is left out/.test(d.message)), JSON.stringify(r.diagnostics));
  for (const bad of [' ', 'eth 0', 'a/b', 'a:1', '.', 'sixteen-chars-00']) {
    const b = parseCalicoVppConfig(`CALICOVPP_INTERFACES={"uplinkInterfaces":[{"interfaceName":${JSON.stringify(bad)}}]}\n`, 'b.env');
    assert.deepEqual(b.config.uplinkInterfaces, [], bad);
    assert.ok(b.diagnostics.some((d) => /is not a name Linux gives an interface/.test(d.message)), bad);
  }
  const longest = parseCalicoVppConfig('CALICOVPP_INTERFACES={"uplinkInterfaces":[{"interfaceName":"fifteen-chars-0"}]}\n', 'l.env');
  assert.deepEqual(longest.config.uplinkInterfaces.map((u) => u.interfaceName), ['fifteen-chars-0']);
});

test('an environment file: quoted multi-line values, export, comments', () => {
  const text = [
    '# calico-vpp env',
    'export SERVICE_PREFIX=10.96.0.0/12,fd10::/108',
    "CALICOVPP_INTERFACES='{\"uplinkInterfaces\": [",
    '  {"interfaceName": "eth0", "vppDriver": "af_packet", "mtu": 1500}]}\'',
    'CALICOVPP_CONFIG_TEMPLATE="cpu { workers 2 }"',
  ].join('\n');
  const { config, diagnostics } = parseCalicoVppConfig(text, 'vpp.env');
  assert.deepEqual(diagnostics, []);
  assert.equal(config.format, 'env');
  assert.deepEqual(config.serviceCidrs, ['10.96.0.0/12', 'fd10::/108']);
  assert.deepEqual(config.uplinkInterfaces.map((u) => [u.interfaceName, u.vppDriver, u.mtu, u.line]), [['eth0', 'af_packet', 1500, 4]]);
  assert.equal(config.startupConfTemplate?.value, 'cpu { workers 2 }');
});

test('a ConfigMap as JSON (kubectl get configmap -o json) is read as a manifest, not as CALICOVPP_INTERFACES', () => {
  const cm = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'calico-vpp-config' }, data: { SERVICE_PREFIX: '10.96.0.0/12', CALICOVPP_CONFIG_TEMPLATE: 'cpu { workers 2 }', CALICOVPP_INTERFACES: '{"uplinkInterfaces": [{"interfaceName": "eth0", "vppDriver": "dpdk"}]}' } }, null, 2);
  const { config, diagnostics } = parseCalicoVppConfig(cm, 'cm.json');
  assert.deepEqual(diagnostics, []);
  assert.equal(config.format, 'configmap');
  assert.deepEqual(config.uplinkInterfaces.map((u) => [u.interfaceName, u.vppDriver]), [['eth0', 'dpdk']]);
  assert.deepEqual(config.serviceCidrs, ['10.96.0.0/12']);
});

test('the deprecated variables become the first uplink, before CALICOVPP_INTERFACES', () => {
  const text = 'CALICOVPP_INTERFACE=eth0\nCALICOVPP_NATIVE_DRIVER=AF_PACKET\nCALICOVPP_SWAP_DRIVER=vfio-pci\nCALICOVPP_INTERFACES={"uplinkInterfaces":[{"interfaceName":"eth1","vppDriver":"dpdk"}]}\nCALICOVPP_CONFIG_TEMPLATE=x {}\nSERVICE_PREFIX=10.96.0.0/12\n';
  const { config, diagnostics } = parseCalicoVppConfig(text, 'e.env');
  assert.deepEqual(config.uplinkInterfaces.map((u) => [u.index, u.interfaceName, u.vppDriver, u.newDriver, u.isMain, u.origin]), [
    [0, 'eth0', 'af_packet', 'vfio-pci', true, 'CALICOVPP_INTERFACE'],
    [1, 'eth1', 'dpdk', null, false, 'CALICOVPP_INTERFACES'],
  ]);
  assert.equal(diagnostics.length, 1);
  assert.match(diagnostics[0]!.message, /deprecated/);
  assert.equal(diagnostics[0]!.where, 'e.env:1');
});

test('JSON alone: two mains, a secondary without a driver, unknown and removed drivers, Go-style field names', () => {
  const json = `{
  "uplinkInterfaces": [
    {"interfaceName": "eth0", "isMain": true, "vppDriver": "virtio"},
    {"InterfaceName": "eth1", "ISMAIN": true, "vppDriver": "avf"},
    {"interfaceName": "eth2"},
    {"interfaceName": "eth3", "vppDriver": "mlx", "vpp_driver": "x"}
  ]
}`;
  const { config, diagnostics } = parseCalicoVppConfig(json, 'ifs.json');
  assert.equal(config.format, 'interfaces-json');
  assert.deepEqual(config.uplinkInterfaces.map((u) => u.interfaceName), ['eth0', 'eth1', 'eth2', 'eth3']);
  const msgs = diagnostics.map((d) => `${d.where} ${d.message}`);
  assert.ok(msgs.some((m) => /^ifs\.json:4 more than one uplink is marked isMain/.test(m)), msgs.join('\n'));
  assert.ok(msgs.some((m) => /^ifs\.json:5 uplink eth2: a secondary uplink needs a vppDriver/.test(m)), msgs.join('\n'));
  assert.ok(msgs.some((m) => /^ifs\.json:4 .*"avf" was removed in Calico\/VPP v3\.32\.0/.test(m)), msgs.join('\n'));
  assert.ok(msgs.some((m) => /^ifs\.json:6 .*"mlx" is not a driver Calico\/VPP knows/.test(m)), msgs.join('\n'));
  assert.ok(msgs.some((m) => /^ifs\.json:6 .*unknown uplink field "vpp_driver"/.test(m)), msgs.join('\n'));
  // No SERVICE_PREFIX / template complaints for the JSON alone.
  assert.ok(!msgs.some((m) => /SERVICE_PREFIX|TEMPLATE/.test(m)));
});

test('no isMain: the first uplink is main; bad JSON is a diagnostic on its line', () => {
  const r = parseCalicoVppConfig('{"uplinkInterfaces": [{"interfaceName": "a", "vppDriver": "dpdk"}, {"interfaceName": "b", "vppDriver": "dpdk"}]}', 'x.json');
  assert.deepEqual(r.config.uplinkInterfaces.map((u) => u.isMain), [true, false]);
  const bad = parseCalicoVppConfig('kind: ConfigMap\nmetadata:\n  name: calico-vpp-config\ndata:\n  CALICOVPP_INTERFACES: |-\n    {\n      "uplinkInterfaces": [\n        {"interfaceName": "eth0",}\n      ]\n    }\n', 'cm.yaml');
  assert.ok(bad.diagnostics.some((d) => d.where === 'cm.yaml:8' && /not valid JSON/.test(d.message)), JSON.stringify(bad.diagnostics));
});

test('SERVICE_PREFIX with spaces: Calico/VPP does not trim, and says so', () => {
  const r = parseCalicoVppConfig('SERVICE_PREFIX=10.96.0.0/12, fd10::/108\nCALICOVPP_INTERFACES={"uplinkInterfaces":[{"interfaceName":"e"}]}\nCALICOVPP_CONFIG_TEMPLATE=a {}', 'e.env');
  assert.ok(r.diagnostics.some((d) => d.where === 'e.env:1' && /without trimming/.test(d.message)));
});

test('broken YAML is a diagnostic naming the line, never a throw', () => {
  const r = parseCalicoVppConfig('kind: ConfigMap\ndata:\n  CALICOVPP_INTERFACES: "{\n  bad: [\n', 'b.yaml');
  assert.ok(r.diagnostics.length > 0);
  assert.ok(r.diagnostics.every((d) => /^b\.yaml(:\d+)?$/.test(d.where)));
});

test('property: uplinks written as JSON, env or ConfigMap read back the same, with the main rule', () => {
  const name = fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/);
  const uplink = fc.record({
    interfaceName: name,
    vppDriver: fc.constantFrom('dpdk', 'af_packet', 'af_xdp', 'virtio', 'rdma', 'vmxnet3', 'none'),
    mtu: fc.option(fc.integer({ min: 576, max: 9216 }), { nil: undefined }),
    isMain: fc.option(fc.boolean(), { nil: undefined }),
  });
  fc.assert(fc.property(fc.array(uplink, { minLength: 1, maxLength: 5 }), fc.constantFrom('json', 'env', 'yaml'), (uplinks, form) => {
    const json = JSON.stringify({ uplinkInterfaces: uplinks }, null, 2);
    const text = form === 'json' ? json
      : form === 'env' ? `SERVICE_PREFIX=10.96.0.0/12\nCALICOVPP_CONFIG_TEMPLATE='cpu {}'\nCALICOVPP_INTERFACES='${json}'\n`
        : `kind: ConfigMap\nmetadata:\n  name: calico-vpp-config\ndata:\n  SERVICE_PREFIX: 10.96.0.0/12\n  CALICOVPP_CONFIG_TEMPLATE: cpu {}\n  CALICOVPP_INTERFACES: |-\n${json.split('\n').map((l) => `    ${l}`).join('\n')}\n`;
    const { config, diagnostics } = parseCalicoVppConfig(text, 'p');
    assert.deepEqual(config.uplinkInterfaces.map((u) => u.interfaceName), uplinks.map((u) => u.interfaceName));
    assert.deepEqual(config.uplinkInterfaces.map((u) => u.mtu), uplinks.map((u) => u.mtu ?? null));
    const marked = uplinks.filter((u) => u.isMain === true).length;
    const expectedMain = marked === 0 ? uplinks.map((_, i) => i === 0) : uplinks.map((u) => u.isMain === true);
    assert.deepEqual(config.uplinkInterfaces.map((u) => u.isMain), expectedMain);
    assert.equal(diagnostics.some((d) => /more than one uplink/.test(d.message)), marked > 1);
    // Every uplink line points at the line holding its opening brace.
    const lines = text.split('\n');
    for (const u of config.uplinkInterfaces) assert.match(lines[u.line! - 1]!, /\{/);
  }), { numRuns: 200 });
});

test('property: the config parser never throws and every diagnostic names the file', () => {
  fc.assert(fc.property(fc.string({ maxLength: 400 }), (text) => {
    const r = parseCalicoVppConfig(text, 'f');
    for (const d of r.diagnostics) assert.match(d.where, /^f(:\d+)?$/);
  }), { numRuns: 500 });
});

// ------------------------------------------------------------------------------------------------
// startup.conf

test('startup.conf: sections, comments anywhere, workers', () => {
  const r = parseVppStartupConf('unix {\n  nodaemon # no { brace here\n  cli-listen /run/vpp/cli.sock\n}\ncpu { main-core 1\n workers 2 }\ndpdk { dev 0000:d8:0a.0 { num-rx-queues 2 } }\n', 's.conf');
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.workers, 2);
  assert.deepEqual(r.workersSetting, { count: 2, source: 'workers', line: 6 });
  assert.deepEqual(r.conf.entries.map((e) => e.word), ['unix', 'cpu', 'dpdk']);
  assert.deepEqual(r.conf.section('dpdk')!.block!.map((e) => [e.word, e.block?.map((x) => x.word) ?? null]), [['dev', null], ['0000:d8:0a.0', ['num-rx-queues', '2']]]);
});

test('startup.conf: corelist-workers and coremask-workers count cores; both with workers is an error', () => {
  assert.equal(parseVppStartupConf('cpu { main-core 1 corelist-workers 2-4,8 }', 'a').workers, 4);
  assert.equal(parseVppStartupConf('cpu { main-core 1 coremask-workers 0x3c }', 'a').workers, 4);
  assert.equal(parseVppStartupConf('unix { nodaemon }', 'a').workers, 0);
  const both = parseVppStartupConf('cpu {\n workers 2\n corelist-workers 3-4\n}', 'b');
  assert.ok(both.diagnostics.some((d) => d.where === 'b:3' && /more than once/.test(d.message)));
  const bad = parseVppStartupConf('cpu { workers two }', 'c');
  assert.equal(bad.workers, null);
  assert.equal(bad.diagnostics[0]!.where, 'c:1');
});

test('startup.conf: unbalanced braces are reported on their lines', () => {
  const open = parseVppStartupConf('unix {\n nodaemon\ncpu {\n workers 2\n}\n', 'o');
  assert.deepEqual(open.diagnostics.map((d) => d.where), ['o:1']);
  const close = parseVppStartupConf('cpu { workers 2 }\n}\n', 'c');
  assert.deepEqual(close.diagnostics.map((d) => d.where), ['c:2']);
  const offset = parseVppStartupConf('cpu {\n', 'cm.yaml', 40);
  assert.deepEqual(offset.diagnostics.map((d) => d.where), ['cm.yaml:40']);
});

interface GenSection { name: string; words: string[]; workers: number | null }
test('property: any layout of the same sections (line breaks, tabs, comments) reads the same', () => {
  const word = fc.stringMatching(/^[a-z][a-z0-9._/-]{0,8}$/).filter((w) => !/^(workers|corelist-workers|coremask-workers)$/.test(w));
  const section = fc.record({ name: word, words: fc.array(word, { maxLength: 5 }), workers: fc.option(fc.integer({ min: 0, max: 64 }), { nil: null }) });
  const sep = fc.constantFrom(' ', '\n', '\t', '  \n  ', ' # a comment { }\n');
  fc.assert(fc.property(fc.array(section, { minLength: 1, maxLength: 6 }), fc.array(sep, { minLength: 1, maxLength: 8 }), (sections: GenSection[], seps) => {
    let k = 0;
    const s = (): string => seps[k++ % seps.length]!;
    const text = sections.map((sec) => {
      const body = [...sec.words, ...(sec.name === 'cpu' && sec.workers !== null ? ['workers', String(sec.workers)] : [])];
      return `${sec.name}${s()}{${s()}${body.join(s())}${s()}}`;
    }).join(s());
    const r = parseVppStartupConf(text, 'p');
    assert.deepEqual(r.diagnostics.filter((d) => !/more than once/.test(d.message)), []);
    assert.deepEqual(r.conf.entries.map((e) => e.word), sections.map((x) => x.name));
    const firstCpu = sections.find((x) => x.name === 'cpu' && x.workers !== null);
    assert.equal(r.workers, firstCpu?.workers ?? 0);
  }), { numRuns: 300 });
});

// ------------------------------------------------------------------------------------------------
// vppctl

test('show interface address: the seed, VPP 18.01 format, Calico pod tables with negative table ids', () => {
  const seed = parseShowInterfaceAddress(fixture('sh-int-addr.seed002.txt'), 'a');
  assert.deepEqual(seed.diagnostics, []);
  assert.deepEqual(seed.value.map((i) => [i.name, i.adminUp, i.unnumberedOf, i.addresses.map((a) => `${a.address}/${a.prefixlen}`)]), [
    ['avf-0/d8/a/0', true, null, ['192.168.0.1/24']],
    ['tap0', true, 'avf-0/d8/a/0', ['192.168.0.1/24']],
    ['local0', false, null, []],
  ]);
  const pasted = parseShowInterfaceAddress(fixture('sh-int-addr.seed002-pasted.txt'), 'b');
  assert.deepEqual(pasted.diagnostics, []);
  assert.equal(pasted.value[1]!.unnumberedOf, 'avf-0/d8/a/0');
  const old = parseShowInterfaceAddress(fixture('sh-int-addr.v18.01.txt'), 'c');
  assert.deepEqual(old.diagnostics, []);
  assert.deepEqual(old.value.find((i) => i.name === 'loop1')!.addresses, [{ address: '10.1.1.1', prefixlen: 24, family: 'inet', tableId: 7 }]);
  assert.equal(old.value[0]!.addresses[1]!.family, 'inet6');
  assert.equal(old.value.find((i) => i.name === 'GigabitEthernet0/9/0')!.l2, 'bridge bd_id 1 shg 0');
  const pods = parseShowInterfaceAddress(fixture('sh-int-addr.v26-calico-pods.txt'), 'd');
  assert.deepEqual(pods.diagnostics, []);
  assert.equal(pods.value[0]!.addresses[0]!.tableId, -100501683);
});

test('show hardware-interfaces: CLI doc example, tap with queues (21+), avf, bond members', () => {
  const doc = parseShowHardwareInterfaces(fixture('sh-hardware.v18-cli-doc.txt'), 'a');
  assert.deepEqual(doc.diagnostics, []);
  assert.deepEqual(doc.value.map((h) => [h.name, h.hwIfIndex, h.linkUp, h.mac]), [
    ['GigabitEthernet7/0/0', 1, true, 'ec:f4:bb:c0:bc:fc'],
    ['GigabitEthernet7/0/1', 2, true, 'ec:f4:bb:c0:bc:fd'],
    ['VirtualEthernet0/0/0', 3, true, '02:fe:a5:a9:8b:8e'],
    ['local0', 0, false, null],
  ]);
  const tap = parseShowHardwareInterfaces(fixture('sh-hardware.v21-tap-rst.txt'), 'b');
  assert.deepEqual(tap.value.map((h) => [h.name, h.mac]), [['tap0', '02:fe:27:69:5a:b5']]);
  assert.ok(tap.value[0]!.details.includes('VIRTIO interface'));
  const avf = parseShowHardwareInterfaces(fixture('sh-hardware.avf-pastebin.txt'), 'c');
  assert.deepEqual(avf.value.map((h) => [h.name, h.device, h.mac]), [['avf-0/5e/2/0', 'avf-0/5e/2/0', '3c:fe:de:6e:00:00']]);
  const bond = parseShowHardwareInterfaces(fixture('sh-hardware.bond-pastebin.txt'), 'd');
  assert.deepEqual(bond.value.map((h) => [h.name, h.linkUp, h.device]), [['BondEthernet0', true, 'Slave-Idx: 2 3'], ['TenGigabitEthernete/0/0', null, 'TenGigabitEthernete/0/0']]);
});

test('show ip punt redirect: the seed (19.04+ path lists), pasted without indentation, and 18.01', () => {
  for (const f of ['sh-ip-punt-redirect.seed002.txt', 'sh-ip-punt-redirect.seed002-pasted.txt']) {
    const r = parseShowIpPuntRedirect(fixture(f), f);
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.value.length, 1);
    assert.deepEqual(r.value[0]!.paths, [{ nextHop: '169.254.0.1', interface: 'tap0' }]);
    assert.equal(r.value[0]!.anyRx, true);
    assert.equal(r.value[0]!.family, 'inet');
    assert.equal(r.value[0]!.rewriteDstMac, '52:54:00:40:46:8e');
    assert.equal(r.value[0]!.rewriteSrcMac, '02:ca:11:c0:fd:10');
  }
  const old = parseShowIpPuntRedirect(fixture('sh-ip-punt-redirect.v18.01.txt'), 'o');
  assert.deepEqual(old.value.map((p) => [p.rx, p.anyRx, p.paths[0]!.nextHop, p.paths[0]!.interface]), [['GigabitEthernet0/8/0', false, '169.254.0.1', 'tap0'], ['all', true, '169.254.0.1', 'tap0']]);
  assert.deepEqual(parseShowIpPuntRedirect('', 'e').value, []);
});

test('show ip fib: default VRF, a named pod table with v6, the detailed form', () => {
  const def = parseShowIpFib(fixture('sh-ip-fib.calico-default-vrf.txt'), 'a');
  assert.deepEqual(def.diagnostics, []);
  const by = new Map(def.value.map((e) => [e.prefix, e.forwarding.map((d) => `${d.kind} ${d.nextHop ?? '-'} ${d.interface ?? '-'}`)]));
  assert.deepEqual(by.get('0.0.0.0/0'), ['adjacency 172.18.0.1 host-eth0']);
  assert.deepEqual(by.get('11.0.0.64/26'), ['adjacency 0.0.0.0 ipip1']);
  assert.deepEqual(by.get('172.18.0.0/16'), ['glean - host-eth0']);
  assert.deepEqual(by.get('172.18.0.4/32'), ['receive - host-eth0']);
  assert.deepEqual(by.get('224.0.0.0/4'), ['drop - -']);
  const pod = parseShowIpFib(fixture('sh-ip-fib.calico-pod-vrf.txt'), 'b');
  assert.deepEqual(pod.diagnostics, []);
  assert.deepEqual([...new Set(pod.value.map((e) => `${e.tableName} ${e.fibIndex}`))].map((s) => s.replace(/-eth0-cni-.*? /, ' ')), ['lRt7kASY-4 4', 'yyGDpSt6-6 6']);
  assert.equal(pod.value.find((e) => e.prefix === '::/0')!.forwarding[0]!.kind, 'lookup');
  const detail = parseShowIpFib(fixture('sh-ip-fib.calico-detail.txt'), 'c');
  assert.deepEqual(detail.diagnostics, []);
  assert.deepEqual(detail.value.map((e) => [e.prefix, e.forwarding.length, e.forwarding[0]!.kind]), [['172.18.0.2/32', 1, 'adjacency']]);
});

test('an output from an unknown version: one diagnostic naming the file, nothing invented', () => {
  const json = '{"interfaces": [{"name": "tap0", "ip": "192.168.0.1/24"}]}';
  for (const [parse, name] of [[parseShowInterfaceAddress, 'addr'], [parseShowHardwareInterfaces, 'hw'], [parseShowIpPuntRedirect, 'punt'], [parseShowIpFib, 'fib']] as const) {
    const r = parse(json, `${name}.txt`);
    assert.deepEqual(r.value, []);
    assert.ok(r.diagnostics.some((d) => d.where === `${name}.txt` && /does not look like the output/.test(d.message)), `${name}: ${JSON.stringify(r.diagnostics)}`);
  }
});

test('property: show interface address round-trips both address formats', () => {
  const v4 = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 254 }), fc.integer({ min: 8, max: 32 }))
    .map(([a, b, c, d, l]) => ({ address: `${a}.${b}.${c}.${d}`, prefixlen: l, family: 'inet' as const }));
  const v6 = fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 1, max: 0xffff }), fc.integer({ min: 16, max: 128 }))
    .map(([a, b, l]) => ({ address: `2001:db8:${a.toString(16)}::${b.toString(16)}`, prefixlen: l, family: 'inet6' as const }));
  const iface = fc.record({
    name: fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9/_.-]{0,20}$/),
    adminUp: fc.boolean(),
    unnumberedOf: fc.option(fc.stringMatching(/^[a-z][a-z0-9/]{0,10}$/), { nil: null }),
    addresses: fc.array(fc.record({ a: fc.oneof(v4, v6), table: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: null }) }), { maxLength: 4 }),
  });
  fc.assert(fc.property(fc.array(iface, { maxLength: 6 }), fc.boolean(), (ifaces, modern) => {
    const text = ifaces.map((i) => {
      const head = i.unnumberedOf ? `${i.name} (${i.adminUp ? 'up' : 'dn'}): \n  unnumbered, use ${i.unnumberedOf}` : `${i.name} (${i.adminUp ? 'up' : 'dn'}):`;
      const addrs = i.addresses.map(({ a, table }) => modern
        ? `  L3 ${a.address}/${a.prefixlen}${table ? ` ip${a.family === 'inet' ? 4 : 6} table-id ${table} fib-idx 3` : ''}`
        : `  ${a.address}/${a.prefixlen}${table ? ` table ${table}` : ''}`);
      return [head, ...addrs].join('\n');
    }).join('\n');
    const r = parseShowInterfaceAddress(text, 'p');
    if (ifaces.length > 0) assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.value.map((i) => ({ name: i.name, adminUp: i.adminUp, unnumberedOf: i.unnumberedOf, addresses: i.addresses })),
      ifaces.map((i) => ({ name: i.name, adminUp: i.adminUp, unnumberedOf: i.unnumberedOf, addresses: i.addresses.map(({ a, table }) => ({ ...a, tableId: table })) })));
  }), { numRuns: 300 });
});

test('property: show hardware-interfaces round-trips the column layout VPP prints (%-32s%=6d%=8s)', () => {
  const center = (s: string, w: number): string => {
    const pad = Math.max(0, w - s.length);
    return ' '.repeat(Math.floor(pad / 2)) + s + ' '.repeat(pad - Math.floor(pad / 2));
  };
  const hw = fc.record({
    name: fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9/_.-]{0,40}$/),
    idx: fc.integer({ min: 0, max: 99999 }),
    link: fc.constantFrom('up', 'down', 'slave'),
    mac: fc.option(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 }).map((b) => b.map((x) => x.toString(16).padStart(2, '0')).join(':')), { nil: null }),
  });
  fc.assert(fc.property(fc.array(hw, { minLength: 1, maxLength: 6 }), (list) => {
    const text = [`${center('Name', 32)}${center('Idx', 6)}${center('Link', 8)}Hardware`, ...list.flatMap((h) => [
      `${h.name.padEnd(32)}${center(String(h.idx), 6)}${center(h.link, 8)}${h.name}`,
      '  Link speed: unknown',
      ...(h.mac ? [`  Ethernet address ${h.mac}`] : []),
      '  VIRTIO interface',
    ])].join('\n');
    const r = parseShowHardwareInterfaces(text, 'p');
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.value.map((h) => [h.name, h.hwIfIndex, h.linkUp, h.mac]), list.map((h) => [h.name, h.idx, h.link === 'slave' ? null : h.link === 'up', h.mac]));
  }), { numRuns: 300 });
});

test('property: the vppctl parsers never throw on arbitrary text and name the file in every diagnostic', () => {
  fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => {
    for (const parse of [parseShowInterfaceAddress, parseShowHardwareInterfaces, parseShowIpPuntRedirect, parseShowIpFib]) {
      for (const d of parse(text, 'f').diagnostics) assert.match(d.where, /^f(:\d+)?$/);
    }
  }), { numRuns: 500 });
});

test('property: show ip fib round-trips the short form VPP prints (headers, prefixes, buckets)', () => {
  const octet = fc.integer({ min: 0, max: 255 });
  const entry = fc.record({
    addr: fc.tuple(octet, octet, octet, octet), len: fc.integer({ min: 0, max: 32 }),
    dpo: fc.oneof(
      fc.record({ kind: fc.constant('receive' as const), itf: fc.constantFrom('avf-0/d8/a/0', 'host-eth0') }),
      fc.record({ kind: fc.constant('glean' as const), itf: fc.constantFrom('avf-0/d8/a/0', 'host-eth0') }),
      fc.record({ kind: fc.constant('adjacency' as const), itf: fc.constantFrom('tun1', 'tap0', 'avf-0/d8/a/0'), nh: fc.tuple(octet, octet, octet, octet).map((o) => o.join('.')) }),
      fc.record({ kind: fc.constant('drop' as const) }),
    ),
  });
  fc.assert(fc.property(fc.array(entry, { maxLength: 12 }), fc.integer({ min: 0, max: 9 }), (entries, vrf) => {
    const lines = [`ipv4-VRF:${vrf}, fib_index:${vrf}, flow hash:[src dst sport dport proto flowlabel ] epoch:0 flags:none locks:[adjacency:1, ]`];
    for (const e of entries) {
      lines.push(`${e.addr.join('.')}/${e.len}`, '  unicast-ip4-chain', '  [@0]: dpo-load-balance: [proto:ip4 index:1 buckets:1 uRPF:1 to:[0:0]]');
      const d = e.dpo;
      lines.push(`    [0] [@4]: ${d.kind === 'receive' ? `dpo-receive: ${e.addr.join('.')} on ${d.itf}` : d.kind === 'glean' ? `ipv4-glean: [src:${e.addr.join('.')}/${e.len}] ${d.itf}: mtu:1500 next:1 flags:[]` : d.kind === 'adjacency' ? `ipv4 via ${d.nh} ${d.itf}: mtu:9000 next:5 flags:[features ]` : 'dpo-drop ip4'}`);
    }
    const r = parseShowIpFib(lines.join('\n'), 'p');
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.value.map((e) => [e.prefix, e.vrf, e.forwarding.map((f) => [f.kind, f.interface, f.nextHop])]), entries.map((e) => [
      `${e.addr.join('.')}/${e.len}`, vrf,
      [[e.dpo.kind, e.dpo.kind === 'drop' ? null : e.dpo.itf, e.dpo.kind === 'adjacency' ? e.dpo.nh : null]],
    ]));
  }), { numRuns: 300 });
});

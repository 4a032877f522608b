// NetworkManager's merged configuration and decisions, and the rules that use them, on real
// configuration fixtures (test/fixtures/networkmanager, test/fixtures/firewalld; README there).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildHost } from '../../src/model/host.js';
import { loadNmConfig, nmValue } from '../../src/model/networkmanager/config.js';
import { nmDecision } from '../../src/model/networkmanager/manage.js';
import { splitSpecs } from '../../src/model/networkmanager/spec.js';
import { runChecks } from '../../src/rules/engine.js';
import { reloadFlushesCni } from '../../src/rules/firewalld/reload-flushes-cni.js';
import { cloudSetup } from '../../src/rules/nm/cloud-setup.js';
import { managesCni } from '../../src/rules/nm/manages-cni.js';
import type { Rule } from '../../src/rules/types.js';
import { IPTABLES_NAT_ARGV, IS_ACTIVE_ARGV } from '../../src/snapshot/daemons.js';
import { parseSnapshot } from '../../src/snapshot/load.js';
import type { CommandRecord, FileRecord, Interface, Route, Snapshot } from '../../src/snapshot/schema.js';

const base = parseSnapshot(readFileSync(new URL('../../examples/vpp-e810-predeploy/snapshot.json', import.meta.url), 'utf8'), 'predeploy');
const fixture = (p: string) => readFileSync(new URL(`../fixtures/${p}`, import.meta.url), 'utf8');
const file = (path: string, content: string | null, mask: FileRecord['mask'] = null): FileRecord => ({ path, content, mask, role: null });

function iface(name: string, kind: string | null, extra: Partial<Interface> = {}): Interface {
  return {
    ...base.interfaces[0]!, index: 100 + name.length, name, kind, kindData: {}, master: null, linkType: 'ether', arphrdType: 1, devtype: null,
    driver: kind === null ? 'ice' : null, mac: '66:00:00:00:00:01', permaddr: null, flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
    operstate: 'UNKNOWN', udev: null, addresses: [], ...extra,
  };
}
const v4 = (local: string, prefixlen = 32) => ({ family: 'inet' as const, local, prefixlen, scope: 'global', peer: null });

/** A Calico node: a NIC, a VXLAN VTEP and an IPIP device with addresses, a WireGuard device, two pod veths. */
const CALICO_IFACES: Interface[] = [
  iface('lo', null, { flags: ['LOOPBACK', 'UP'], linkType: 'loopback', driver: null }),
  iface('ens3', null, { addresses: [v4('10.0.0.5', 24)] }),
  iface('vxlan.calico', 'vxlan', { addresses: [v4('192.168.10.0')] }),
  iface('tunl0', 'ipip', { addresses: [v4('192.168.10.1')], linkType: 'ipip' }),
  iface('wireguard.cali', 'wireguard', { addresses: [v4('192.168.10.2')], linkType: 'none' }),
  iface('cali12345abcde', 'veth', { udev: { ID_NET_DRIVER: 'veth', NM_UNMANAGED: '1' } }),
  iface('cali99999abcde', 'veth', { flags: ['BROADCAST', 'MULTICAST'], udev: {} }),
  iface('kube-ipvs0', 'dummy', { flags: ['BROADCAST', 'NOARP'], addresses: [v4('10.96.0.1')] }),
];

function node(files: FileRecord[], extra: Partial<Snapshot> = {}): Snapshot {
  return { ...base, interfaces: CALICO_IFACES, routes: [], files, commands: [], ...extra };
}
const run = (s: Snapshot, rule: Rule) => runChecks(buildHost(s), [rule]).findings;
const active = (states: string[]): CommandRecord => ({ argv: [...IS_ACTIVE_ARGV], exitCode: 3, stdout: `${states.join('\n')}\n` });

const KUBESPRAY = [
  file('/etc/NetworkManager/NetworkManager.conf', '[main]\nplugins=ifupdown,keyfile\n'),
  file('/etc/NetworkManager/conf.d/calico.conf', fixture('networkmanager/kubespray-calico.conf')),
  file('/etc/NetworkManager/conf.d/k8s.conf', fixture('networkmanager/kubespray-k8s.conf')),
];

test('NetworkManager\'s own test configuration merges to the values its test asserts', () => {
  const dir = 'networkmanager/nm-test-config';
  const files = [
    file('/etc/NetworkManager/NetworkManager.conf', fixture(`${dir}/NetworkManager.conf`)),
    ...['00-overrides', '10-more', '20-config-enable-1', '90-last'].map((n) => file(`/etc/NetworkManager/conf.d/${n}.conf`, fixture(`${dir}/conf.d/${n}.conf`))),
  ];
  const config = loadNmConfig(buildHost(node(files)));
  assert.equal(config.refused, null);
  assert.deepEqual(splitSpecs(nmValue(config, 'main', 'no-auto-default')!.value), ['spec2', 'spec3']);
  assert.deepEqual(splitSpecs(nmValue(config, 'main', 'ignore-carrier')!.value), ['  space1  ', ' space2\t']);
  assert.equal(nmValue(config, 'main', 'dhcp')!.value, 'dhcpcd');
  assert.equal(nmValue(config, 'connectivity', 'uri')!.value, 'http://example.net');
  assert.equal(nmValue(config, 'order', 'a')!.value, '90');
  // +=/-= on a key that is not a list is dropped.
  assert.equal(nmValue(config, 'appendable-test', 'non-appendable-key1'), null);
  assert.deepEqual(nmValue(config, 'main', 'no-auto-default')!.origin, { file: '/etc/NetworkManager/conf.d/10-more.conf', line: 5 });
});

test('reading order: /usr/lib, /run, NetworkManager.conf, /etc/conf.d; a same-named file shadows the vendor one', () => {
  const host = buildHost(node([
    file('/usr/lib/NetworkManager/conf.d/00-server.conf', fixture('networkmanager/fedora-00-server.conf')),
    file('/usr/lib/NetworkManager/conf.d/10-globally-managed-devices.conf', '[keyfile]\nunmanaged-devices=*,except:type:wifi\n'),
    file('/run/NetworkManager/conf.d/10-globally-managed-devices.conf', '[keyfile]\nunmanaged-devices=interface-name:run0\n'),
    file('/etc/NetworkManager/NetworkManager.conf', '[keyfile]\nunmanaged-devices+=interface-name:main0\n'),
    file('/etc/NetworkManager/conf.d/00-server.conf', '[main]\n'),
  ]));
  const config = loadNmConfig(host);
  assert.deepEqual(config.files, ['/run/NetworkManager/conf.d/10-globally-managed-devices.conf', '/etc/NetworkManager/NetworkManager.conf', '/etc/NetworkManager/conf.d/00-server.conf']);
  assert.deepEqual(config.skipped.map((s) => s.file).sort(), ['/usr/lib/NetworkManager/conf.d/00-server.conf', '/usr/lib/NetworkManager/conf.d/10-globally-managed-devices.conf']);
  assert.deepEqual(splitSpecs(nmValue(config, 'keyfile', 'unmanaged-devices')!.value), ['interface-name:run0', 'interface-name:main0']);
  assert.equal(nmValue(config, 'main', 'no-auto-default'), null, 'the shadowed Fedora snippet is not read');
});

test('decisions in NetworkManager\'s precedence: unmanaged-devices > [device] managed= > udev > external-down', () => {
  const files = [
    ...KUBESPRAY,
    file('/etc/NetworkManager/conf.d/50-devices.conf', '[device-wg]\nmatch-device=interface-name:wireguard.*\nmanaged=0\n\n[device-all-calico]\nmatch-device=interface-name:cali*,interface-name:vxlan.calico\nmanaged=1\n'),
  ];
  const host = buildHost(node(files));
  const config = loadNmConfig(host);
  const decide = (name: string) => nmDecision(host, config, host.interface(name)!);
  assert.deepEqual([decide('vxlan.calico').managed, decide('vxlan.calico').source], [false, 'unmanaged-devices'], 'the strongest wins over managed=1');
  assert.deepEqual([decide('wireguard.cali').managed, decide('wireguard.cali').source], [false, 'device-section']);
  assert.deepEqual([decide('ens3').managed, decide('ens3').source], [true, 'default']);
  assert.deepEqual([decide('lo').managed, decide('lo').source], [false, 'loopback']);
  // cali* is listed in unmanaged-devices: managed=1 of a later section cannot undo it.
  assert.equal(decide('cali12345abcde').source, 'unmanaged-devices');

  const bare = buildHost(node([file('/etc/NetworkManager/NetworkManager.conf', '[main]\n')]));
  const bareConfig = loadNmConfig(bare);
  const bareDecide = (name: string) => nmDecision(bare, bareConfig, bare.interface(name)!);
  assert.deepEqual([bareDecide('vxlan.calico').managed, bareDecide('vxlan.calico').source], [true, 'default'], 'UP with an address: taken over');
  assert.deepEqual([bareDecide('cali12345abcde').managed, bareDecide('cali12345abcde').source], [false, 'udev']);
  assert.deepEqual([bareDecide('cali99999abcde').managed, bareDecide('cali99999abcde').source], [false, 'external-down'], 'down, no address');
  assert.deepEqual([bareDecide('kube-ipvs0').managed, bareDecide('kube-ipvs0').source], [false, 'external-down'], 'kube-ipvs0 is down');

  const sections = buildHost(node([
    file('/etc/NetworkManager/conf.d/10-a.conf', '[device]\nmanaged=1\n[device-stop]\nmatch-device=interface-name:tunl0\nstop-match=yes\n'),
    file('/etc/NetworkManager/conf.d/20-b.conf', '[device-late]\nmatch-device=type:iptunnel\nmanaged=false\n'),
  ]));
  const sc = loadNmConfig(sections);
  assert.deepEqual(sc.deviceSections.map((s) => s.name), ['device-late', 'device-stop', 'device'], 'later files first, plain [device] last');
  assert.equal(nmDecision(sections, sc, sections.interface('tunl0')!).source, 'device-section');
  assert.equal(nmDecision(sections, sc, sections.interface('tunl0')!).managed, false);
});

test('nm/manages-cni: kubespray\'s Calico exclusion leaves wireguard.cali managed; the fix covers it and keeps the rest', () => {
  const findings = run(node(KUBESPRAY, { commands: [active(['active', 'inactive', 'inactive', 'inactive'])] }), managesCni);
  assert.deepEqual(findings.map((f) => f.interface), ['wireguard.cali']);
  const [f] = findings;
  assert.equal(f!.severity, 'warning');
  assert.ok(f!.evidence.some((e) => e.file === '/etc/NetworkManager/conf.d/k8s.conf' && e.line === 2), 'the unmanaged-devices line that does not cover it');
  const fix = f!.fixes[0]!;
  assert.equal(fix.verified, true);
  assert.match(fix.files[0]!.content, /^unmanaged-devices=interface-name:cali\*;interface-name:tunl\*;interface-name:vxlan\.calico;interface-name:vxlan-v6\.calico;interface-name:kube-ipvs0;interface-name:nodelocaldns;interface-name:wireguard\.cali;interface-name:wg-v6\.cali$/m);
});

test('nm/manages-cni: a node without any exclusion reports each CNI device NetworkManager would take over', () => {
  const s = node([file('/etc/NetworkManager/NetworkManager.conf', '[main]\nplugins=keyfile\n')]);
  const findings = run(s, managesCni);
  assert.deepEqual(findings.map((f) => f.interface).sort(), ['tunl0', 'vxlan.calico', 'wireguard.cali']);
  assert.ok(findings.every((f) => f.fixes[0]!.verified));
});

test('nm/manages-cni negatives: the full Calico exclusion, NetworkManager inactive or masked, no NetworkManager at all', () => {
  const calicoDocs = file('/etc/NetworkManager/conf.d/calico.conf', '[keyfile]\nunmanaged-devices=interface-name:cali*;interface-name:tunl*;interface-name:vxlan.calico;interface-name:vxlan-v6.calico;interface-name:wireguard.cali;interface-name:wg-v6.cali\n');
  assert.deepEqual(run(node([...KUBESPRAY.slice(0, 1), calicoDocs]), managesCni), []);
  assert.deepEqual(run(node(KUBESPRAY, { commands: [active(['inactive', 'inactive', 'inactive', 'inactive'])] }), managesCni), []);
  assert.deepEqual(run(node([...KUBESPRAY, file('/etc/systemd/system/NetworkManager.service', null, 'dev-null')]), managesCni), []);
  assert.deepEqual(run(node([]), managesCni), []);
  // A file GLib refuses: NetworkManager does not start, nothing is managed.
  assert.deepEqual(run(node([...KUBESPRAY, file('/etc/NetworkManager/conf.d/broken.conf', '[keyfile\n')]), managesCni), []);
});

const cloudRoutes: Route[] = [
  { family: 'inet', table: '30400', type: 'unicast', dst: 'default', gateway: '10.0.0.1', dev: 'ens3', protocol: 'static', scope: null, metric: 10, prefsrc: null, mtu: null },
];

test('nm/cloud-setup: enabled timer on a Calico node, or its tables present; masked or no CNI: nothing', () => {
  const timer = file('/etc/systemd/system/timers.target.wants/nm-cloud-setup.timer', '[Unit]\nDescription=Periodically run nm-cloud-setup\n');
  const [f] = run(node([timer]), cloudSetup);
  assert.equal(f!.severity, 'warning');
  assert.ok(f!.evidence.some((e) => e.file === timer.path));
  assert.equal(f!.fixes[0]!.verified, true, 'masking both units clears it');
  const [g] = run(node([], { routes: cloudRoutes }), cloudSetup);
  assert.ok(g!.evidence.some((e) => e.value === '30400'));
  assert.deepEqual(run(node([timer], { interfaces: CALICO_IFACES.filter((i) => i.name === 'ens3' || i.name === 'lo') }), cloudSetup), []);
  assert.deepEqual(run(node([timer, file('/etc/systemd/system/nm-cloud-setup.timer', null, 'dev-null'), file('/etc/systemd/system/nm-cloud-setup.service', null, 'empty')]), cloudSetup), []);
  assert.deepEqual(run(node([]), cloudSetup), []);
});

const NAT = `*nat
:PREROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-POSTROUTING - [0:0]
:CNI-HOSTPORT-DNAT - [0:0]
:CNI-DN-2fd3a01d804b10ca8ef8d - [0:0]
:cali-nat-outgoing - [0:0]
COMMIT
`;
const nat = (text: string): CommandRecord => ({ argv: [...IPTABLES_NAT_ARGV], exitCode: 0, stdout: text });

test('firewalld/reload-flushes-cni: the iptables backend on a node with portmap chains is an error; the fix is verified', () => {
  const s = node([file('/etc/firewalld/firewalld.conf', fixture('firewalld/firewalld-iptables.conf'))], { commands: [active(['inactive', 'active', 'inactive', 'inactive']), nat(NAT)] });
  const [f, ...rest] = run(s, reloadFlushesCni);
  assert.equal(rest.length, 0);
  assert.equal(f!.severity, 'error');
  assert.ok(f!.evidence.some((e) => e.file === '/etc/firewalld/firewalld.conf' && e.line === 65 && /iptables/.test(e.message)));
  assert.ok(f!.evidence.some((e) => e.file === '/etc/firewalld/firewalld.conf' && e.line === 73 && /FlushAllOnReload=yes/.test(e.message)));
  assert.ok(f!.evidence.some((e) => /CNI-HOSTPORT-DNAT/.test(e.message)));
  assert.equal(f!.fixes[0]!.verified, true);
  assert.equal(f!.fixes[0]!.files[0]!.content, fixture('firewalld/firewalld.conf'), 'the stock file back: one line changed');
});

test('firewalld/reload-flushes-cni: direct rules make the nftables backend flush too; the stock file does not', () => {
  const stock = file('/etc/firewalld/firewalld.conf', fixture('firewalld/firewalld.conf'));
  const on = active(['inactive', 'active', 'inactive', 'inactive']);
  assert.deepEqual(run(node([stock], { commands: [on, nat(NAT)] }), reloadFlushesCni), []);
  const direct = file('/etc/firewalld/direct.xml', '<?xml version="1.0" encoding="utf-8"?>\n<direct>\n  <!-- <rule ipv="ipv4" table="filter" chain="INPUT" priority="0">-j ACCEPT</rule> -->\n  <passthrough ipv="ipv4">-t nat -I POSTROUTING -j MASQUERADE</passthrough>\n</direct>\n');
  const [f] = run(node([stock, direct], { commands: [on, nat(NAT)] }), reloadFlushesCni);
  assert.match(f!.message, /1 direct rule/);
  assert.equal(f!.fixes[0]!.verified, true);
  // firewalld not running; a node with no CNI chains recorded.
  assert.deepEqual(run(node([file('/etc/firewalld/firewalld.conf', fixture('firewalld/firewalld-iptables.conf'))], { commands: [active(['inactive', 'inactive', 'inactive', 'inactive']), nat(NAT)] }), reloadFlushesCni), []);
  assert.deepEqual(run(node([file('/etc/firewalld/firewalld.conf', fixture('firewalld/firewalld-iptables.conf'))], { commands: [on, nat('*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n')] }), reloadFlushesCni), []);
  // No rule set recorded: the CNI devices say it is a Kubernetes node; a warning.
  const [g] = run(node([file('/etc/firewalld/firewalld.conf', fixture('firewalld/firewalld-iptables.conf'))], { commands: [on] }), reloadFlushesCni);
  assert.equal(g!.severity, 'warning');
});

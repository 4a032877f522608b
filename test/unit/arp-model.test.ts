// The ARP model's laws over generated settings (the kernel itself is compared in
// test/system/arp-matrix.test.ts), the ARP rules on the arp-flux example, and `trace arp` from the CLI.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { arpAnswer, arpSender, ifaddrs } from '../../src/model/arp/index.js';
import { buildHost, type Host } from '../../src/model/host.js';
import { runChecks } from '../../src/rules/engine.js';
import { ALL_RULES } from '../../src/rules/index.js';
import { applyFix } from '../../src/rules/apply.js';
import { SnapshotSchema, type Snapshot } from '../../src/snapshot/schema.js';
import { hostnet } from '../helpers/system.js';

const load = (name: string): Snapshot => SnapshotSchema.parse(JSON.parse(readFileSync(new URL(`../../examples/arp-flux/${name}`, import.meta.url), 'utf8')));
const BASE = load('snapshot.json');
const DEVS = ['all', 'eth0', 'eth1', 'vethpod1'] as const;
const IFACES = ['eth0', 'eth1', 'vethpod1'] as const;
const TARGETS = ['192.0.2.10', '192.0.2.11', '192.0.2.200', '10.96.0.1', '192.0.2.77', '10.244.1.5', '127.0.0.1', '224.0.0.5'];
const SENDERS = ['192.0.2.254', '10.244.1.5', '198.51.100.9', '0.0.0.0', '192.0.2.10', '127.0.0.9'];

function withSettings(values: Record<string, number>): Host {
  return buildHost({ ...BASE, sysctls: { ...BASE.sysctls, ...Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)])) } });
}

const settings = fc.record(Object.fromEntries(DEVS.flatMap((d) => [
  [`net.ipv4.conf.${d}.arp_ignore`, fc.constantFrom(0, 1, 2, 3, 4, 8)],
  [`net.ipv4.conf.${d}.arp_announce`, fc.constantFrom(0, 1, 2, 5)],
  [`net.ipv4.conf.${d}.arp_filter`, fc.constantFrom(0, 1)],
  [`net.ipv4.conf.${d}.rp_filter`, fc.constantFrom(0, 1, 2)],
  [`net.ipv4.conf.${d}.proxy_arp`, fc.constantFrom(0, 1)],
])) as Record<string, fc.Arbitrary<number>>);
const request = fc.record({ iface: fc.constantFrom(...IFACES), target: fc.constantFrom(...TARGETS), sender: fc.constantFrom(...SENDERS) });

test('property: a stricter arp_ignore (0, 1, 2, 8) never makes an interface answer a request it did not', () => {
  fc.assert(fc.property(settings, request, (values, req) => {
    const key = `net.ipv4.conf.${req.iface}.arp_ignore`;
    const answers = [0, 1, 2, 8].map((mode) => arpAnswer(withSettings({ ...values, 'net.ipv4.conf.all.arp_ignore': 0, [key]: mode }), req));
    for (let i = 1; i < answers.length; i++) if (answers[i]!.answers) assert.ok(answers[i - 1]!.answers, `${req.iface} answers with arp_ignore ${[0, 1, 2, 8][i]} but not with less`);
    // Only the proxy path answers for an address the host does not hold, and arp_ignore 8 answers no local target.
    const strict = answers[3]!;
    assert.ok(!strict.answers || strict.path === 'proxy');
  }));
});

test('property: the kernel uses the larger of all and the interface for arp_ignore and arp_announce', () => {
  fc.assert(fc.property(settings, request, fc.constantFrom(0, 1, 2, 3, 8), (values, req, all) => {
    const own = `net.ipv4.conf.${req.iface}.arp_ignore`;
    const a = arpAnswer(withSettings({ ...values, 'net.ipv4.conf.all.arp_ignore': all, [own]: 0 }), req);
    const b = arpAnswer(withSettings({ ...values, 'net.ipv4.conf.all.arp_ignore': 0, [own]: all }), req);
    assert.equal(a.answers, b.answers);
    const send = { device: req.iface, src: '192.0.2.11', target: '192.0.2.1' };
    const c = arpSender(withSettings({ ...values, 'net.ipv4.conf.all.arp_announce': 2, [`net.ipv4.conf.${req.iface}.arp_announce`]: 0 }), send);
    const d = arpSender(withSettings({ ...values, 'net.ipv4.conf.all.arp_announce': 0, [`net.ipv4.conf.${req.iface}.arp_announce`]: 2 }), send);
    assert.equal(c.sender, d.sender);
  }));
});

test('property: an answer comes from the receiving interface, with its MAC; arp_announce 2 never announces another interface\'s address when the device has one; above 2 acts as 0', () => {
  fc.assert(fc.property(settings, request, (values, req) => {
    const host = withSettings(values);
    const a = arpAnswer(host, req);
    if (a.answers) assert.equal(a.mac, host.interface(req.iface)!.mac);
    if (a.answers && a.path !== 'proxy') assert.ok(host.interfaces.some((i) => ifaddrs(i).some((x) => x.local === req.target)));
    // (A value above 2 acts as 0 in arp_solicit, so the interface's own value is set too.)
    const s = arpSender(withSettings({ ...values, 'net.ipv4.conf.all.arp_announce': 2, [`net.ipv4.conf.${req.iface}.arp_announce`]: 2 }), { device: req.iface, src: req.target, target: '192.0.2.1' });
    if (ifaddrs(host.interface(req.iface)).length > 0) assert.ok(s.own, `${req.iface} announces ${s.sender}`);
    const five = { device: req.iface, src: '192.0.2.200', target: '192.0.2.1' };
    assert.equal(arpSender(withSettings({ ...values, 'net.ipv4.conf.all.arp_announce': 5 }), five).sender, arpSender(withSettings({ ...values, 'net.ipv4.conf.all.arp_announce': 0, [`net.ipv4.conf.${req.iface}.arp_announce`]: 0 }), five).sender);
  }));
});

test('the arp-flux example: flux and kube-ipvs0 before strictARP, the unnumbered veth after; each fix clears its finding in the model', () => {
  for (const [name, want] of [['snapshot.json', ['arp/ipvs-without-strict-arp', 'arp/ipvs-without-strict-arp', 'arp/flux']], ['strict-arp.json', ['arp/unnumbered-unanswered']]] as const) {
    const snapshot = load(name);
    const findings = runChecks(buildHost(snapshot), ALL_RULES).findings.filter((f) => f.ruleId.startsWith('arp/'));
    assert.deepEqual(findings.map((f) => f.ruleId).sort(), [...want].sort(), name);
    for (const f of findings) {
      const fix = f.fixes[0]!;
      assert.equal(fix.verified, true, `${f.ruleId}: ${fix.verification?.summary}`);
      const after = runChecks(buildHost(applyFix(snapshot, { files: [], sysctls: fix.sysctls })), ALL_RULES).findings;
      assert.ok(!after.some((g) => g.ruleId === f.ruleId && g.interface === f.interface), `${f.ruleId} on ${f.interface} survives its fix`);
      // No fix of one ARP rule brings in another ARP trap.
      assert.ok(!after.some((g) => g.ruleId.startsWith('arp/') && !findings.some((h) => h.ruleId === g.ruleId)), `${f.ruleId}'s fix raises ${after.map((g) => g.ruleId).join(', ')}`);
      // Findings of one rule share one sysctl.d file, so applying all of them never conflicts.
      assert.equal(new Set(findings.filter((g) => g.ruleId === f.ruleId).map((g) => g.fixes[0]!.files[0]!.content)).size, 1);
    }
  }
});

test('trace arp: several answering interfaces and a foreign sender are exit 1, one answer 0; bad input exit 2 with one line', () => {
  const flux = hostnet(['trace', 'arp', '--snapshot', 'examples/arp-flux/snapshot.json', '--in', 'eth0', 'eth1', '--target', '192.0.2.11']);
  assert.equal(flux.code, 1, flux.stderr);
  assert.match(flux.stdout, /answered by: eth0 \(52:54:00:12:34:50\), eth1 \(52:54:00:12:34:51\): several MACs/);
  const strict = hostnet(['trace', 'arp', '--snapshot', 'examples/arp-flux/strict-arp.json', '--in', 'eth0', 'eth1', '--target', '192.0.2.11', '--format', 'json']);
  assert.equal(strict.code, 0, strict.stderr);
  assert.deepEqual((JSON.parse(strict.stdout) as { answeredBy: { interface: string }[] }).answeredBy.map((a) => a.interface), ['eth1']);
  const out = hostnet(['trace', 'arp', '--snapshot', 'examples/arp-flux/snapshot.json', '--out', 'eth0', '--src', '192.0.2.11', '--to', '192.0.2.1']);
  assert.equal(out.code, 1);
  const own = hostnet(['trace', 'arp', '--snapshot', 'examples/arp-flux/strict-arp.json', '--out', 'eth0', '--src', '192.0.2.11', '--to', '192.0.2.1']);
  assert.equal(own.code, 0, own.stdout);
  assert.match(own.stdout, /tell 192\.0\.2\.10$/m);
  for (const bad of [['--in', 'nope0', '--target', '192.0.2.11'], ['--in', 'eth0', '--target', '2001:db8::1'], ['--in', 'eth0'], ['--out', 'eth0', '--src', '192.0.2.11'], ['--in', 'eth0', '--out', 'eth1', '--target', '192.0.2.1']]) {
    const r = hostnet(['trace', 'arp', '--snapshot', 'examples/arp-flux/snapshot.json', ...bad]);
    assert.equal(r.code, 2, bad.join(' '));
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
  }
});

/** The snapshot with an interface renamed everywhere it is named (interfaces, routes, sysctls). */
function renamed(s: Snapshot, from: string, to: string, sysctls: Record<string, string> = {}): Snapshot {
  const key = (k: string): string => k.replace(`.conf.${from}.`, `.conf.${to}.`);
  return {
    ...s,
    interfaces: s.interfaces.map((i) => (i.name === from ? { ...i, name: to } : i)),
    routes: s.routes.map((r) => (r.dev === from ? { ...r, dev: to } : r)),
    sysctls: { ...Object.fromEntries(Object.entries(s.sysctls ?? {}).map(([k, v]) => [key(k), v])), ...sysctls },
  };
}

test('arp/unnumbered-unanswered stays quiet where the kernel\'s arp_ignore is never asked: Calico\'s proxy ARP, Cilium\'s and the AWS VPC CNI\'s veths', () => {
  const strict = load('strict-arp.json');
  const fires = (s: Snapshot): boolean => unnumbered(s).length > 0;
  const unnumbered = (s: Snapshot) => runChecks(buildHost(s), ALL_RULES).findings.filter((f) => f.ruleId === 'arp/unnumbered-unanswered');
  assert.ok(fires(renamed(strict, 'vethpod1', 'cali12345')), 'a cali* veth without proxy ARP is left unanswered like any other');
  assert.ok(!fires(renamed(strict, 'vethpod1', 'cali12345', { 'net.ipv4.conf.cali12345.proxy_arp': '1', 'net.ipv4.conf.cali12345.forwarding': '1' })));
  assert.ok(!fires(renamed(strict, 'vethpod1', 'lxc12345')));
  assert.ok(!fires(renamed(strict, 'vethpod1', 'eni12345')));
  // arp_ignore 3 answers for the host's global addresses: not reported.
  assert.ok(!fires({ ...strict, sysctls: { ...strict.sysctls, 'net.ipv4.conf.all.arp_ignore': '3' } }));
  assert.ok(fires({ ...strict, sysctls: { ...strict.sysctls, 'net.ipv4.conf.all.arp_ignore': '0', 'net.ipv4.conf.vethpod1.arp_ignore': '2' } }));
});

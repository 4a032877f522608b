// ipv6/forwarding-ignores-ra on built hosts: SLAAC addresses as evidence, and who acts on RAs (the
// kernel by its sysctls, or systemd-networkd by IPv6AcceptRA= and its own forwarding). The real
// kernel and daemons are in test/system/ipv6-ra.test.ts and networkd-ra.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildHost } from '../../src/model/host.js';
import { isSlaac } from '../../src/model/ipv6/ra.js';
import { runChecks } from '../../src/rules/engine.js';
import { forwardingIgnoresRa } from '../../src/rules/ipv6/forwarding-ignores-ra.js';
import type { Address, FileRecord, Route, Snapshot } from '../../src/snapshot/schema.js';
import { file, iface, snapshot } from './bridge-lab-helpers.js';

const slaac: Address = { family: 'inet6', local: 'fd99::884:3aff:fe20:852c', prefixlen: 64, scope: 'global', peer: null, flags: ['dynamic', 'mngtmpaddr'], validLifetime: 86000, preferredLifetime: 14000 };
const linkLocal: Address = { family: 'inet6', local: 'fe80::884:3aff:fe20:852c', prefixlen: 64, scope: 'link', peer: null };
const route = (r: Partial<Route> & { dst: string }): Route => ({
  family: 'inet6', table: 'main', type: 'unicast', gateway: null, dev: 'eth0', protocol: null, scope: null, metric: 1024, prefsrc: null, mtu: null, ...r,
});

function node(opts: { forwarding: string; acceptRa: string; addresses?: Address[]; routes?: Route[]; files?: FileRecord[]; systemd?: number }): Snapshot {
  const s = snapshot([iface('eth0', 2, { addresses: opts.addresses ?? [slaac, linkLocal] })], opts.files ?? []);
  return {
    ...s, host: { ...s.host, systemdVersion: opts.systemd ?? 257 }, routes: opts.routes ?? [],
    sysctls: { 'net.ipv6.conf.eth0.forwarding': opts.forwarding, 'net.ipv6.conf.eth0.accept_ra': opts.acceptRa },
  };
}

const run = (s: Snapshot) => runChecks(buildHost(s), [forwardingIgnoresRa]).findings;
const NETWORK = '/etc/systemd/network/10-uplink.network';

test('kernel: a SLAAC address alone is evidence; the message says when it expires and that no default route is left', () => {
  const [f, ...rest] = run(node({ forwarding: '1', acceptRa: '1' }));
  assert.equal(rest.length, 0);
  assert.equal(f!.interface, 'eth0');
  assert.equal(f!.severity, 'error');
  assert.match(f!.message, /default route is gone and there is no other IPv6 default route; its SLAAC address \(fd99::884:3aff:fe20:852c\) expires in 86000 s/);
  assert.ok(f!.evidence.some((e) => /SLAAC address .*dynamic mngtmpaddr; valid 86000 s, preferred 14000 s/.test(e.message)));
  assert.equal(f!.fixes[0]!.files[0]!.path, '/etc/sysctl.d/90-hostnet-accept-ra.conf');
});

test('kernel: no finding with accept_ra=2, with forwarding off, or without anything an RA made', () => {
  assert.equal(run(node({ forwarding: '1', acceptRa: '2' })).length, 0);
  assert.equal(run(node({ forwarding: '0', acceptRa: '1' })).length, 0);
  assert.equal(run(node({ forwarding: '1', acceptRa: '1', addresses: [linkLocal, { ...slaac, flags: undefined, validLifetime: undefined, preferredLifetime: undefined }] })).length, 0);
});

test('networkd configures the link: the kernel sysctls look like the trap but networkd takes RAs by default, so no finding', () => {
  const files = [file(NETWORK, '[Match]\nName=eth0\n\n[Network]\nDHCP=yes\n')];
  assert.equal(run(node({ forwarding: '1', acceptRa: '0', files })).length, 0);
  // A .network that matches but accept_ra=1: networkd is not running there, the kernel decides.
  assert.equal(run(node({ forwarding: '1', acceptRa: '1', files }))[0]?.fixes[0]?.files[0]?.path, '/etc/sysctl.d/90-hostnet-accept-ra.conf');
});

for (const [version, line, conf] of [
  [252, 'IPForward=yes', null],
  [257, 'IPv6Forwarding=yes', null],
  [257, '', '[Network]\nIPv6Forwarding=yes\n'],
  [257, 'IPMasquerade=both', null],
] as const) {
  test(`networkd ${version} forwards IPv6 (${line || `networkd.conf ${conf!.trim().split('\n')[1]}`}) with IPv6AcceptRA= unset: found, and the drop-in fix clears it`, () => {
    const files = [file(NETWORK, `[Match]\nName=eth0\n\n[Network]\nDHCP=yes\n${line}\n`), ...(conf ? [file('/etc/systemd/networkd.conf.d/50-forward.conf', conf)] : [])];
    const [f, ...rest] = run(node({ forwarding: '1', acceptRa: '0', files, systemd: version, addresses: [linkLocal] }));
    assert.equal(rest.length, 0);
    assert.match(f!.message, /systemd-networkd configures eth0 .* it ignores router advertisements: no RA will install an IPv6 default route and there is no other/);
    assert.ok(f!.evidence.some((e) => /DHCP=yes: DHCPv6 gives addresses/.test(e.message)));
    const fix = f!.fixes[0]!;
    assert.equal(fix.files[0]!.path, '/etc/systemd/network/10-uplink.network.d/90-hostnet-accept-ra.conf');
    assert.match(fix.files[0]!.content, /^\[Network\]\nIPv6AcceptRA=yes$/m);
    assert.equal(fix.verified, true, JSON.stringify(fix.verification));
  });
}

test('networkd: IPv6AcceptRA=no is on purpose, IPForward= is ignored from 256, and an IPv4-only node with no RA evidence is left alone', () => {
  const withLine = (line: string, dhcp = 'yes') => [file(NETWORK, `[Match]\nName=eth0\n\n[Network]\nDHCP=${dhcp}\n${line}\n`)];
  assert.equal(run(node({ forwarding: '1', acceptRa: '0', files: withLine('IPv6Forwarding=yes\nIPv6AcceptRA=no') })).length, 0);
  assert.equal(run(node({ forwarding: '1', acceptRa: '0', files: withLine('IPForward=yes'), systemd: 257, addresses: [linkLocal] })).length, 0);
  assert.equal(run(node({ forwarding: '1', acceptRa: '0', files: withLine('IPv6Forwarding=yes', 'ipv4'), addresses: [linkLocal] })).length, 0);
  // With a default route learnt earlier, it is evidence even without DHCPv6.
  const routes = [route({ dst: 'default', gateway: 'fe80::1', protocol: 'ra', expires: 1700 })];
  const [f] = run(node({ forwarding: '1', acceptRa: '0', files: withLine('IPv6Forwarding=yes', 'ipv4'), addresses: [linkLocal], routes }));
  assert.match(f!.message, /RA-learned default route \(expires in 1700 s\) will not be renewed/);
});

test('isSlaac: only IPv6 global /64s with a lifetime', () => {
  fc.assert(fc.property(
    fc.constantFrom('inet', 'inet6'), fc.constantFrom('global', 'link', 'host'), fc.integer({ min: 0, max: 128 }),
    fc.subarray(['dynamic', 'mngtmpaddr', 'temporary', 'noprefixroute']),
    (family, scope, prefixlen, flags) => {
      const a: Address = { family: family as Address['family'], local: family === 'inet' ? '10.0.0.1' : 'fd00::1', prefixlen, scope, peer: null, flags };
      assert.equal(isSlaac(a), family === 'inet6' && scope !== 'link' && prefixlen === 64 && flags.includes('dynamic'));
    },
  ));
});

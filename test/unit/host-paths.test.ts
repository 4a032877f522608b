// The host-path traps from the CLI's side (examples, bad sizes) and the one naming contract the
// collector and the model share: sysctl names with a dot inside an interface name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { sysctlName } from '../../src/collect/sysctls.js';
import { confName } from '../../src/model/sysctl.js';
import { hostnet } from '../helpers/system.js';

test('property: the collector writes a per-interface sysctl under the name the model reads it by', () => {
  const ifname = fc.stringMatching(/^[a-z0-9._-]{1,15}$/);
  fc.assert(fc.property(fc.constantFrom('ipv4', 'ipv6') as fc.Arbitrary<'ipv4' | 'ipv6'>, ifname, fc.constantFrom('rp_filter', 'arp_ignore', 'forwarding'), (family, dev, key) => {
    assert.equal(sysctlName([family, 'conf', dev, key]), confName(family, dev, key));
  }));
});

test('check finds each example\'s trap once, with a verified fix; trace shows where the packet dies', () => {
  for (const [example, id] of [['mtu-black-hole', 'mtu/black-hole'], ['rp-filter-asymmetric', 'rpfilter/strict-asymmetric']] as const) {
    const r = hostnet(['check', '--snapshot', `examples/${example}/snapshot.json`, '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const findings = (JSON.parse(r.stdout) as { findings: { ruleId: string; fixes: { verified?: boolean }[] }[] }).findings;
    assert.deepEqual(findings.map((f) => f.ruleId), [id]);
    assert.equal(findings[0]!.fixes[0]!.verified, true);
  }
  const dropped = hostnet(['trace', 'packet', '--snapshot', 'examples/rp-filter-asymmetric/snapshot.json', '--in', 'uplink1', '--src', '203.0.113.7', '--dst', '198.51.100.10']);
  assert.equal(dropped.code, 1);
  assert.match(dropped.stdout, /rp_filter: rp_filter 1 = max\(all 1, uplink1 1\) \(strict\).*<-- DROPPED HERE/);
  const sized = hostnet(['trace', 'frame', '--snapshot', 'examples/mtu-black-hole/snapshot.json', '--bridge', 'br-lab', '--in', 'veth-r1', '--dst', '52:54:00:00:00:02', '--size', '1500']);
  assert.equal(sized.code, 0, sized.stdout);
});

test('a bad --size is exit 2 with one line saying what a size is', () => {
  for (const size of ['10', '70000', '1.5', 'big']) {
    const r = hostnet(['trace', 'packet', '--snapshot', 'examples/mtu-black-hole/snapshot.json', '--in', 'host', '--dst', '10.10.0.2', '--size', size]);
    assert.equal(r.code, 2, size);
    assert.match(r.stderr, /--size .*expected a packet size in bytes from 28 to 65535/);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
  }
});

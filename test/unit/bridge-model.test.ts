// The bridge model where the kernel here cannot show it: other kernel versions, blocking ports, VLAN
// filtering (not built into this kernel), 802.1ad; and properties that hold for every configuration.
// What this kernel can show is checked frame by frame in test/system/bridge-conformance.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bridgeKernel, bridgeView, checkMaskWrite, handleFrame, parseKernelRelease, VLAN_TABLE_ARGV, LINK_DETAILS_ARGV } from '../../src/model/bridge/index.js';
import { buildHost } from '../../src/model/host.js';
import { bridge, port, snapshot } from './bridge-lab-helpers.js';
import type { Interface } from '../../src/snapshot/schema.js';

const LACP = '01:80:c2:00:00:02';
const LLDP = '01:80:c2:00:00:0e';
const STP = '01:80:c2:00:00:00';

function view(kernel: string | null, br: Partial<NonNullable<Interface['bridge']>>, ports: { name: string; mask?: number | null; state?: string }[], commands: { argv: string[]; stdout: string }[] = []) {
  const snap = snapshot([bridge('br0', 1, br), ...ports.map((p, n) => port(p.name, n + 2, 'br0', p))], [], kernel);
  snap.commands = commands.map((c) => ({ ...c, exitCode: 0 }));
  return bridgeView(buildHost(snap), 'br0')!;
}

test('mask writes by kernel version: 0x4007 before 3.16, LLDP uncertain until 4.15, per-port masks from 4.15', () => {
  const k = (r: string) => bridgeKernel(parseKernelRelease(r));
  assert.equal(checkMaskWrite('bridge', 0x4000, k('3.1.10')).accepted, false, 'no mask at all before 3.2');
  assert.deepEqual([checkMaskWrite('bridge', 0x4000, k('3.13.0-61-generic')).accepted, checkMaskWrite('bridge', 0x4000, k('3.13.0')).refusedBits], [false, 0x4000]);
  assert.equal(checkMaskWrite('bridge', 0x8, k('3.13.0')).accepted, true);
  assert.equal(checkMaskWrite('bridge', 0x4000, k('4.4.0')).accepted, 'uncertain');
  assert.equal(checkMaskWrite('bridge', 0x4000, k('4.15.0')).accepted, true);
  assert.equal(checkMaskWrite('bridge', 0x4, k('6.1.0')).accepted, false);
  assert.equal(checkMaskWrite('port', 0x4, k('4.14.0')).accepted, false, 'no per-port mask before 4.15');
  assert.deepEqual([checkMaskWrite('port', 0x5, k('4.15.0')).accepted, checkMaskWrite('port', 0x6, k('4.15.0')).refusedBits], [true, 0x2]);
  assert.equal(checkMaskWrite('bridge', 0x4000, k('4.2.0'), 'netlink').accepted, false, 'netlink bridge mask from 4.4');
  assert.deepEqual(checkMaskWrite('bridge', 0x14000, k('6.18.0')), { accepted: true, refusedBits: 0, stored: 0x4000, reason: 'accepted; sysfs keeps the low 16 bits' });
});

test('a kernel before 4.15 ignores the (absent) per-port mask; before 3.2 only STP with STP off crosses', () => {
  const old = view('4.14.0', {}, [{ name: 'a', mask: null }, { name: 'b', mask: null }]);
  assert.equal(handleFrame(old, 'a', { dst: LACP }).verdict, 'local');
  const ancient = view('3.1.0', { groupFwdMask: 0x4000 }, [{ name: 'a' }, { name: 'b' }]);
  assert.equal(handleFrame(ancient, 'a', { dst: LLDP }).verdict, 'local');
  assert.equal(handleFrame(ancient, 'a', { dst: STP }).verdict, 'forwarded');
});

test('blocking: link-local frames are still passed up on the port (BPDUs reach STP), nothing is forwarded', () => {
  const v = view('6.1.0', { stpState: 1 }, [{ name: 'a', state: 'blocking', mask: 0x4 }, { name: 'b' }]);
  assert.deepEqual(handleFrame(v, 'a', { dst: STP }), { ...handleFrame(v, 'a', { dst: STP }), verdict: 'local', passedUpOn: ['a'] });
  assert.equal(handleFrame(v, 'a', { dst: LACP }).verdict, 'dropped', 'a mask sends it to the forwarding path, where blocking drops it');
  assert.equal(handleFrame(v, 'a', { dst: 'ff:ff:ff:ff:ff:ff' }).verdict, 'dropped');
  assert.deepEqual(handleFrame(v, 'b', { dst: 'ff:ff:ff:ff:ff:ff' }).egress, [], 'a blocking port sends nothing');
});

test('802.1ad on a filtering bridge forwards the nearest customer bridge addresses except the STP group address', () => {
  const details = JSON.stringify([{ ifname: 'br0', linkinfo: { info_kind: 'bridge', info_data: { vlan_protocol: '802.1ad', group_addr: '01:80:c2:00:00:00' } } }]);
  const vlans = JSON.stringify([{ ifname: 'a', vlans: [{ vlan: 1, flags: ['PVID', 'Egress Untagged'] }] }, { ifname: 'b', vlans: [{ vlan: 1, flags: ['PVID', 'Egress Untagged'] }] }, { ifname: 'br0', vlans: [{ vlan: 1 }] }]);
  const v = view('6.1.0', { vlanFiltering: true, stpState: 1 }, [{ name: 'a' }, { name: 'b' }],
    [{ argv: LINK_DETAILS_ARGV, stdout: details }, { argv: VLAN_TABLE_ARGV, stdout: vlans }]);
  for (const n of ['0b', '0c', '0d', '0f']) assert.equal(handleFrame(v, 'a', { dst: `01:80:c2:00:00:${n}` }).verdict, 'forwarded', n);
  assert.equal(handleFrame(v, 'a', { dst: STP }).verdict, 'local');
  assert.equal(handleFrame(v, 'a', { dst: '01:80:c2:00:00:0a' }).verdict, 'local');
});

test('VLAN filtering: no PVID drops untagged frames; egress needs the VLAN; the host copy needs it on the bridge', () => {
  const vlans = (a: object[], b: object[], self: object[]) => [{ argv: VLAN_TABLE_ARGV, stdout: JSON.stringify([{ ifname: 'a', vlans: a }, { ifname: 'b', vlans: b }, { ifname: 'br0', vlans: self }]) }];
  const pvid1 = [{ vlan: 1, flags: ['PVID', 'Egress Untagged'] }];
  const noPvid = view('6.1.0', { vlanFiltering: true }, [{ name: 'a' }, { name: 'b' }], vlans([{ vlan: 1 }], pvid1, pvid1));
  assert.equal(handleFrame(noPvid, 'a', { dst: 'ff:ff:ff:ff:ff:ff' }).verdict, 'dropped');
  const other = view('6.1.0', { vlanFiltering: true }, [{ name: 'a' }, { name: 'b' }], vlans(pvid1, [{ vlan: 20, flags: ['PVID'] }], []));
  const r = handleFrame(other, 'a', { dst: 'ff:ff:ff:ff:ff:ff' });
  assert.deepEqual([r.verdict, r.egress, r.passedUpOn], ['dropped', [], []]);
  const range = view('6.1.0', { vlanFiltering: true }, [{ name: 'a' }, { name: 'b' }], vlans(pvid1, [{ vlan: 1, vlanEnd: 5 }], pvid1));
  assert.deepEqual(handleFrame(range, 'a', { dst: 'ff:ff:ff:ff:ff:ff' }).egress, ['b']);
  const unknown = view('6.1.0', { vlanFiltering: true }, [{ name: 'a' }, { name: 'b' }]);
  assert.ok(unknown.assumptions.some((a) => /no VLAN table/.test(a)));
});

test('an invalid source address is dropped before anything else', () => {
  const v = view('6.1.0', {}, [{ name: 'a' }, { name: 'b' }]);
  assert.equal(handleFrame(v, 'a', { dst: STP, src: '01:00:5e:00:00:01' }).verdict, 'dropped');
  assert.equal(handleFrame(v, 'a', { dst: STP, src: '00:00:00:00:00:00' }).verdict, 'dropped');
});

const maskArb = fc.integer({ min: 0, max: 0xffff });
const stateArb = fc.constantFrom('forwarding', 'learning', 'listening', 'blocking', 'disabled');
const dstArb = fc.oneof(fc.integer({ min: 0, max: 15 }).map((n) => `01:80:c2:00:00:0${n.toString(16)}`), fc.constantFrom('ff:ff:ff:ff:ff:ff', '01:00:5e:00:00:01', '02:aa:bb:cc:dd:ee'));

test('property: only the ingress port\'s mask matters, never the egress port\'s', () => {
  fc.assert(fc.property(maskArb, maskArb, maskArb, maskArb, fc.constantFrom(0, 1), stateArb, dstArb, (brMask, inMask, outA, outB, stp, state, dst) => {
    const one = view('6.1.0', { groupFwdMask: brMask & ~7, stpState: stp }, [{ name: 'a', mask: inMask & ~2, state }, { name: 'b', mask: outA & ~2 }]);
    const two = view('6.1.0', { groupFwdMask: brMask & ~7, stpState: stp }, [{ name: 'a', mask: inMask & ~2, state }, { name: 'b', mask: outB & ~2 }]);
    const x = handleFrame(one, 'a', { dst });
    const y = handleFrame(two, 'a', { dst });
    assert.deepEqual([x.verdict, x.egress, x.passedUpOn], [y.verdict, y.egress, y.passedUpOn]);
  }));
});

test('property: MAC pause never leaves the bridge, and a link-local frame is either forwarded or passed up on its port', () => {
  fc.assert(fc.property(maskArb, maskArb, fc.constantFrom(0, 1, 2), stateArb, fc.integer({ min: 0, max: 15 }), (brMask, inMask, stp, state, n) => {
    const v = view('6.1.0', { groupFwdMask: brMask & ~7, stpState: stp }, [{ name: 'a', mask: inMask & ~2, state }, { name: 'b' }]);
    const r = handleFrame(v, 'a', { dst: `01:80:c2:00:00:0${n.toString(16)}` });
    if (n === 1) assert.equal(r.verdict, 'dropped');
    else if (r.verdict === 'local') assert.deepEqual(r.passedUpOn, ['a']);
    else if (r.verdict === 'forwarded') assert.deepEqual([r.egress, r.passedUpOn], [['b'], ['br0']]);
    else assert.ok(state !== 'forwarding', 'dropped only off the forwarding state');
  }));
});

/**
 * Tap holders: the /proc reader on a /proc laid out as the kernel shows it (fd symlinks to
 * /dev/net/tun, fdinfo with `iff:`, ns/net links), paired by network namespace; the owner named from
 * comm or argv[0]; and the rules' use of it on snapshots (warning when only a holder says who owns it).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { collectTunHolders } from '../../src/collect/tun-holders.js';
import { ownerOfProcess } from '../../src/model/tun-owners.js';

function fakeProc(): { dir: string; add: (pid: number, p: { netns: string; comm: string; argv: string[]; fds: Record<string, { target: string; iff?: string }> }) => void } {
  const dir = mkdtempSync(join(tmpdir(), 'hn-proc-'));
  mkdirSync(join(dir, 'self/ns'), { recursive: true });
  symlinkSync('net:[4026531840]', join(dir, 'self/ns/net'));
  return {
    dir,
    add: (pid, p) => {
      const base = join(dir, String(pid));
      for (const d of ['fd', 'fdinfo', 'ns']) mkdirSync(join(base, d), { recursive: true });
      symlinkSync(p.netns, join(base, 'ns/net'));
      writeFileSync(join(base, 'comm'), `${p.comm}\n`);
      writeFileSync(join(base, 'cmdline'), `${p.argv.join('\0')}\0`);
      for (const [fd, f] of Object.entries(p.fds)) {
        symlinkSync(f.target, join(base, 'fd', fd));
        writeFileSync(join(base, 'fdinfo', fd), `pos:\t0\nflags:\t0100002\nmnt_id:\t25\nino:\t1053\n${f.iff ? `iff:\t${f.iff}\n` : ''}`);
      }
    },
  };
}

test('holders are read from fdinfo and kept only in the collected namespace', (t) => {
  const proc = fakeProc();
  t.after(() => rmSync(proc.dir, { recursive: true, force: true }));
  proc.add(100, { netns: 'net:[4026531840]', comm: 'vpp_main', argv: ['/usr/bin/vpp', '-c', '/etc/vpp/startup.conf'], fds: { 3: { target: '/dev/null' }, 7: { target: '/dev/net/tun', iff: 'ens2f0' }, 8: { target: '/dev/net/tun', iff: 'tap1' } } });
  proc.add(200, { netns: 'net:[4026532999]', comm: 'qemu-system-x86', argv: ['qemu-system-x86_64'], fds: { 5: { target: '/dev/net/tun', iff: 'ens2f0' } } });
  proc.add(300, { netns: 'net:[4026531840]', comm: 'bash', argv: ['bash'], fds: { 0: { target: '/dev/pts/0' }, 9: { target: '/dev/net/tun' } } });
  const { holders, gaps } = collectTunHolders(proc.dir);
  assert.deepEqual(gaps, []);
  assert.deepEqual(holders.map((h) => [h.interface, h.pid, h.comm]).sort(), [['ens2f0', 100, 'vpp_main'], ['tap1', 100, 'vpp_main']]);
  assert.deepEqual(holders[0]!.cmdline, ['/usr/bin/vpp', '-c', '/etc/vpp/startup.conf']);
});

test('in a PID namespace of its own (a container without hostPID): a gap says holders outside it are unseen', (t) => {
  const proc = fakeProc();
  t.after(() => rmSync(proc.dir, { recursive: true, force: true }));
  writeFileSync(join(proc.dir, 'self/status'), 'Name:\tnode\nNSpid:\t81234\t7\n');
  const { gaps } = collectTunHolders(proc.dir);
  assert.deepEqual(gaps.map((g) => g.reason), ['unsupported']);
  assert.match(gaps[0]!.detail, /hostPID/);
  writeFileSync(join(proc.dir, 'self/status'), 'Name:\tnode\nNSpid:\t81234\n');
  assert.deepEqual(collectTunHolders(proc.dir).gaps, []);
});

test('no /proc: a gap, no holders', () => {
  const r = collectTunHolders('/nonexistent-proc');
  assert.equal(r.holders.length, 0);
  assert.equal(r.gaps[0]?.reason, 'not-found');
});

test('owners are named from comm or argv[0]; other programs stay unknown', () => {
  assert.equal(ownerOfProcess('vpp_main', null), 'VPP');
  assert.equal(ownerOfProcess('vpp', ['/usr/bin/vpp']), 'VPP');
  assert.equal(ownerOfProcess('CPU 0/KVM', ['/usr/bin/qemu-system-x86_64', '-name', 'vm1']), 'QEMU');
  assert.equal(ownerOfProcess('openvpn', ['/usr/sbin/openvpn', '--config', 'x']), 'OpenVPN');
  assert.equal(ownerOfProcess('python3', ['python3', 'x.py']), null);
  assert.equal(ownerOfProcess(null, null), null);
});

// The rules on the seed node after the takeover, with the Calico/VPP configuration taken away: only
// the holder (or the node's address on the tap) says the tap is in use.
import { readFileSync } from 'node:fs';
import { buildHost } from '../../src/model/host.js';
import { persistentMac } from '../../src/model/link/index.js';
import { runChecks } from '../../src/rules/engine.js';
import { macPolicyRace } from '../../src/rules/link/mac-policy-race.js';
import { macRewrittenByUdev } from '../../src/rules/link/mac-rewritten-by-udev.js';
import { parseSnapshot } from '../../src/snapshot/load.js';
import type { Interface, Snapshot, TunHolder } from '../../src/snapshot/schema.js';

const base = parseSnapshot(readFileSync(new URL('../../examples/vpp-e810-predeploy/snapshot.json', import.meta.url), 'utf8'), 'predeploy');

function tapNode(options: { holders?: TunHolder[]; address?: boolean; config?: boolean }): Snapshot {
  const nic = base.interfaces.find((i) => i.name === 'ens2f0')!;
  const tap: Interface = {
    ...nic, kind: 'tun', kindData: { type: 'tap' }, driver: null, devicePath: null, parentBus: null,
    mac: persistentMac(base.host.machineId!, 'ens2f0'), addrAssignType: 3, addresses: options.address ? nic.addresses : [],
  };
  return {
    ...base,
    interfaces: base.interfaces.map((i) => (i.name === 'ens2f0' ? tap : i)),
    routes: options.address ? base.routes : base.routes.filter((r) => r.dev !== 'ens2f0'),
    files: options.config ? base.files : base.files.filter((f) => f.role !== 'calico-vpp-config'),
    tunHolders: options.holders ?? [],
  };
}

const vppMain: TunHolder = { interface: 'ens2f0', pid: 4242, comm: 'vpp_main', cmdline: ['/usr/bin/vpp', '-c', '/etc/vpp/startup.conf'] };
const findings = (s: Snapshot) => runChecks(buildHost(s), [macRewrittenByUdev, macPolicyRace]).findings;

test('a rewritten tap held by vpp_main, no configuration: both rules warn and name the holder', () => {
  const all = findings(tapNode({ holders: [vppMain] }));
  assert.equal(all.length, 2);
  const rewritten = all.find((f) => f.ruleId === 'link/mac-rewritten-by-udev');
  const race = all.find((f) => f.ruleId === 'link/mac-policy-race');
  assert.equal(rewritten!.severity, 'warning');
  assert.match(rewritten!.message, /vpp_main \(PID 4242\)/);
  assert.ok(rewritten!.evidence.some((e) => e.field === 'holder' && e.value === '4242'));
  assert.equal(race!.severity, 'warning');
});

test('the same tap with the configuration: the seeds\' error, the holder kept as evidence', () => {
  const rewritten = findings(tapNode({ holders: [vppMain], config: true })).find((f) => f.ruleId === 'link/mac-rewritten-by-udev')!;
  assert.equal(rewritten.severity, 'error');
  assert.ok(rewritten.evidence.some((e) => e.field === 'holder' && e.value === '4242'));
});

test('an unknown holder: the rewrite is a warning, no race is predicted (most programs never set a tap MAC)', () => {
  const f = findings(tapNode({ holders: [{ interface: 'ens2f0', pid: 7, comm: 'python3', cmdline: ['python3'] }] }));
  assert.deepEqual(f.map((x) => [x.ruleId, x.severity]), [['link/mac-rewritten-by-udev', 'warning']]);
});

test('no holder seen: the node\'s address on the tap is enough for a warning; without it, nothing', () => {
  assert.deepEqual(findings(tapNode({ address: true })).map((x) => [x.ruleId, x.severity]), [['link/mac-rewritten-by-udev', 'warning']]);
  assert.deepEqual(findings(tapNode({})), []);
});

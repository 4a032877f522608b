// The libvirt hook that keeps the per-port masks across VM restarts, run for real: one file for the
// host, naming every blocked bridge of the lab. In a namespace with two of its bridges (the others
// absent, as when their VMs are down), `started` sets each bridge's bits on its ports (keeping bits
// already set), other operations change nothing, and the absent bridges do not make it fail.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { buildHost } from '../../src/model/host.js';
import { hookScript, l2ControlBlocked } from '../../src/rules/bridge/l2-control-blocked.js';
import { runChecks } from '../../src/rules/engine.js';
import { parseSnapshot } from '../../src/snapshot/load.js';
import { netns, requireRealSystem, sh } from '../helpers/system.js';

const EX = fileURLToPath(new URL('../../examples/lab-lacp/', import.meta.url));

test('the qemu hook from bridge/l2-control-blocked sets the masks when a VM has started', (t) => {
  if (!requireRealSystem(t, { tools: ['ip', 'sh'] })) return;
  const snap = parseSnapshot(readFileSync(join(EX, 'kvm-host-before.json'), 'utf8'), 'kvm-host-before.json');
  snap.files.push({ path: join(EX, 'intent.yaml'), content: readFileSync(join(EX, 'intent.yaml'), 'utf8'), mask: null, role: 'lab-intent' });
  const findings = runChecks(buildHost(snap), [l2ControlBlocked]).findings.filter((f) => f.severity === 'error');
  const hooks = new Set(findings.map((f) => JSON.stringify(f.fixes[0]!.files)));
  assert.equal(findings.length, 11);
  assert.equal(hooks.size, 1, 'every finding\'s fix writes the same one hook');
  const hook = findings[0]!.fixes[0]!.files[0]!;
  assert.equal(hook.path, '/etc/libvirt/hooks/qemu.d/hostnet-group-fwd-mask');
  const dir = mkdtempSync(join(tmpdir(), 'hn-bridge-hook-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'hook');
  writeFileSync(script, hook.content, { mode: 0o755 });
  sh(['sh', '-n', script]);

  const ns = netns(t, 'hn-brh');
  // t5_br9 needs LACP and LLDP (0x4004), t5_br1 LLDP only (0x4000); t5_br2..8, 10, 11 do not exist here.
  const ports: [string, string][] = [['vnet12', 't5_br9'], ['vnet19', 't5_br9'], ['vnet0', 't5_br1'], ['vnet2', 't5_br1']];
  for (const br of new Set(ports.map(([, b]) => b))) ns.ip('link', 'add', br, 'type', 'bridge');
  for (const [port, br] of ports) {
    ns.ip('link', 'add', port, 'type', 'veth', 'peer', 'name', `x-${port}`);
    ns.ip('link', 'set', port, 'master', br);
  }
  ns.ip('link', 'set', 'dev', 'vnet12', 'type', 'bridge_slave', 'group_fwd_mask', '0x8');
  const masks = () => ports.map(([p]) => ns.exec('cat', `/sys/class/net/${p}/brport/group_fwd_mask`).trim());
  // libvirt calls: qemu.d/SCRIPT <domain> <operation> <sub-operation> <extra>; exec fails on a non-zero exit.
  ns.exec(script, 't5_server1', 'prepare', 'begin', '-');
  assert.deepEqual(masks(), ['0x8', '0x0', '0x0', '0x0'], 'prepare changes nothing');
  ns.exec(script, 't5_server1', 'started', 'begin', '-');
  assert.deepEqual(masks(), ['0x400c', '0x4004', '0x4000', '0x4000'], 'started sets each bridge\'s bits, keeping 0x8');
  ns.exec(script, 't5_server1', 'started', 'begin', '-');
  assert.deepEqual(masks(), ['0x400c', '0x4004', '0x4000', '0x4000'], 'running it again is harmless');
});

test('the hook treats bridge names as data: quotes, $( ) and ; in a name run nothing', (t) => {
  if (!requireRealSystem(t, { tools: ['ip', 'sh'] })) return;
  const dir = mkdtempSync(join(tmpdir(), 'hn-bridge-hook-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Linux refuses only '/', ':' and whitespace in a name (and 15 bytes at most).
  const bridge = `b'$(id>x);\``;
  const script = join(dir, 'hook');
  writeFileSync(script, hookScript(new Map([[bridge, 0x4000]])), { mode: 0o755 });
  const ns = netns(t, 'hn-brq');
  ns.ip('link', 'add', bridge, 'type', 'bridge');
  ns.ip('link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'x0');
  ns.ip('link', 'set', 'p0', 'master', bridge);
  sh(['ip', 'netns', 'exec', ns.name, 'sh', '-c', `cd "$1" && "$2" vm started begin -`, 'sh', dir, script]);
  assert.equal(ns.exec('cat', '/sys/class/net/p0/brport/group_fwd_mask').trim(), '0x4000');
  assert.ok(!existsSync(join(dir, 'x')), 'nothing in the name was run (it would write x)');
});

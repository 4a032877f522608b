// The libvirt hook that keeps the per-port masks across VM restarts, run for real: in a namespace
// with the bridge it names, `started` sets the mask on every port (keeping bits already set) and
// other operations change nothing.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { buildHost } from '../../src/model/host.js';
import { l2ControlBlocked } from '../../src/rules/bridge/l2-control-blocked.js';
import { runChecks } from '../../src/rules/engine.js';
import { parseSnapshot } from '../../src/snapshot/load.js';
import { netns, requireRealSystem, sh } from '../helpers/system.js';

const EX = fileURLToPath(new URL('../../examples/lab-lacp/', import.meta.url));

test('the qemu hook from bridge/l2-control-blocked sets the masks when a VM has started', (t) => {
  if (!requireRealSystem(t, { tools: ['ip', 'sh'] })) return;
  const snap = parseSnapshot(readFileSync(join(EX, 'kvm-host-before.json'), 'utf8'), 'kvm-host-before.json');
  snap.files.push({ path: join(EX, 'intent.yaml'), content: readFileSync(join(EX, 'intent.yaml'), 'utf8'), mask: null, role: 'lab-intent' });
  const finding = runChecks(buildHost(snap), [l2ControlBlocked]).findings.find((f) => f.interface === 't5_br9')!;
  const hook = finding.fixes[0]!.files[0]!;
  assert.equal(hook.path, '/etc/libvirt/hooks/qemu.d/hostnet-group-fwd-mask-t5_br9');
  const dir = mkdtempSync(join(tmpdir(), 'hn-bridge-hook-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'hook');
  writeFileSync(script, hook.content, { mode: 0o755 });
  sh(['sh', '-n', script]);

  const ns = netns(t, 'hn-brh');
  ns.ip('link', 'add', 't5_br9', 'type', 'bridge');
  for (const [a, b] of [['vnet12', 'x12'], ['vnet19', 'x19']]) {
    ns.ip('link', 'add', a!, 'type', 'veth', 'peer', 'name', b!);
    ns.ip('link', 'set', a!, 'master', 't5_br9');
  }
  ns.ip('link', 'set', 'dev', 'vnet12', 'type', 'bridge_slave', 'group_fwd_mask', '0x8');
  const masks = () => ['vnet12', 'vnet19'].map((p) => ns.exec('cat', `/sys/class/net/${p}/brport/group_fwd_mask`).trim());
  // libvirt calls: qemu.d/SCRIPT <domain> <operation> <sub-operation> <extra>
  ns.exec(script, 't5_server1', 'prepare', 'begin', '-');
  assert.deepEqual(masks(), ['0x8', '0x0'], 'prepare changes nothing');
  ns.exec(script, 't5_server1', 'started', 'begin', '-');
  assert.deepEqual(masks(), ['0x400c', '0x4004'], 'started sets LACP and LLDP, keeping 0x8');
  ns.exec(script, 't5_server1', 'started', 'begin', '-');
  assert.deepEqual(masks(), ['0x400c', '0x4004'], 'running it again is harmless');
});

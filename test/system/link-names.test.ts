/**
 * NamePolicy=/Name= against udevd 252: what net_setup_link decides (ID_NET_NAME) for interfaces named
 * by the kernel (enumerated, name_assign_type 1), by userspace (3) and by tun (unknown, 0), under
 * random policies. The test reads name_assign_type from sysfs itself (as collect does into the
 * snapshot's nameAssignType) and gives it to the model directly.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { explainLink, loadLinkConfigsFromFiles, newLinkDevice } from '../../src/model/link/index.js';
import type { HostFacts } from '../../src/snapshot/schema.js';
import { netns, requireRealSystem, sh } from '../helpers/system.js';
import { makeLinkTrees, netSetupLink, runInLinkSandbox } from '../helpers/udev.js';

const facts: HostFacts = {
  hostname: null, kernelRelease: null, architecture: null, kernelCommandLine: '', os: { id: null, versionId: null, prettyName: null },
  systemdVersion: 252, virtualization: null, machineId: null,
};

test('NamePolicy=/Name=: the name hostnet predicts is the ID_NET_NAME udevd 252 sets', { timeout: 120_000 }, async (t) => {
  if (!requireRealSystem(t, { tools: ['udevadm', 'unshare'] })) return;
  const ns = netns(t, 'hn-linknames');
  ns.ip('link', 'add', 'type', 'veth'); // kernel-enumerated names: veth0/veth1, name_assign_type 1
  ns.ip('link', 'add', 'named0', 'type', 'veth', 'peer', 'name', 'named1');
  ns.ip('tuntap', 'add', 'tap7', 'mode', 'tap');
  const ifaces = ['veth0', 'veth1', 'named0', 'named1', 'tap7'];
  const assign = Object.fromEntries(ifaces.map((i) => {
    const r = sh(['ip', 'netns', 'exec', ns.name, 'sh', '-c', 'cat "/sys/class/net/$1/name_assign_type" 2>/dev/null || echo 0', 'sh', i]).trim();
    return [i, Number(r)];
  }));
  assert.equal(assign.veth0, 1, 'the kernel enumerated veth0');
  assert.equal(assign.named0, 3);
  const dir = mkdtempSync(join(tmpdir(), 'hn-linknames-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const policies = fc.sample(fc.record({
    policy: fc.option(fc.subarray(['kernel', 'keep', 'database', 'onboard', 'slot', 'path', 'mac']), { nil: null }),
    name: fc.option(fc.constantFrom('renamed0', 'x1'), { nil: null }),
    match: fc.constantFrom('OriginalName=*', 'OriginalName=veth0 named0 tap7', 'Kind=veth'),
  }), { numRuns: 12, seed: 77 });
  let compared = 0;
  for (const [k, p] of policies.entries()) {
    const trees = makeLinkTrees(join(dir, String(k)));
    const text = `[Match]\n${p.match}\n[Link]\n${p.policy ? `NamePolicy=${p.policy.join(' ')}\n` : ''}${p.name ? `Name=${p.name}\n` : ''}`;
    writeFileSync(join(trees.etc, '10-names.link'), text);
    const set = loadLinkConfigsFromFiles([{ path: '/etc/systemd/network/10-names.link', content: text, mask: null, role: null }], { systemdVersion: 252, facts });
    const results = await runInLinkSandbox(ns.name, trees, ifaces.map(netSetupLink));
    ifaces.forEach((ifname, i) => {
      const real = /^ID_NET_NAME=(.*)$/m.exec(results[i]!.stdout)?.[1] ?? null;
      const kind = ifname === 'tap7' ? 'tun' : 'veth';
      const e = explainLink(set, newLinkDevice({ name: ifname, kind, nameAssignType: assign[ifname], addrAssignType: 1 }), facts);
      // test-builtin runs the add event only: the add pass is what it decides.
      const predicted = e.passes[0]!.linkFile === null ? null : e.name.result;
      assert.equal(predicted, real, `${ifname} (name_assign_type ${assign[ifname]}) with\n${text}udevd: ${results[i]!.stderr.split('\n').filter((l) => l.startsWith(`${ifname}: `)).join(' | ')}`);
      compared++;
    });
  }
  t.diagnostic(`${compared} name decisions compared`);
});

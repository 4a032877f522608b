// The Calico/VPP MAC race end to end, on the real kernel and the real udevd 252:
// a tap named like the uplink gets its MAC rewritten by udevd under the Debian default .link;
// hostnet proves it (link/mac-rewritten-by-udev, with the exact MAC); hostnet's fix, put in place,
// makes udevd leave a new tap's MAC alone, and hostnet then reports the host clean.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { persistentMac } from '../../src/model/link/index.js';
import { hostnetArgv, netns, requireRealSystem, sh } from '../helpers/system.js';
import { makeLinkTrees, netSetupLink, parseNetSetupLink, runInLinkSandbox, type SandboxCommand } from '../helpers/udev.js';

const hostnetIn = (...args: string[]): SandboxCommand => ({ argv: hostnetArgv(args), env: { NO_COLOR: '1' } });

const CONFIG = `apiVersion: v1
kind: ConfigMap
metadata: {name: calico-vpp-config, namespace: calico-vpp-dataplane}
data:
  CALICOVPP_INTERFACES: |-
    {"uplinkInterfaces": [{"interfaceName": "ens2f0", "vppDriver": "af_packet"}]}
`;

interface Report { findings: { ruleId: string; interface?: string; severity: string; evidence: { value?: string; file?: string; line?: number }[] }[] }

test('udevd rewrites the tap MAC, hostnet proves it, and hostnet\'s fix stops it', { timeout: 120_000 }, async (t) => {
  if (!requireRealSystem(t, { tools: ['ip', 'udevadm', 'unshare'] })) return;
  const dir = mkdtempSync(join(tmpdir(), 'hostnet-race-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const trees = makeLinkTrees(join(dir, 'trees'));
  // Debian 12's own defaults, as udev installs them.
  for (const f of ['99-default.link', '73-usb-net-by-mac.link']) copyFileSync(`/usr/lib/systemd/network/${f}`, join(trees.usrLib, f));
  const config = join(dir, 'calico-vpp-config.yaml');
  writeFileSync(config, CONFIG);
  const ns = netns(t, 'hn-race');
  const machineId = sh(['cat', '/etc/machine-id']).trim();
  const macOf = (name: string): string => JSON.parse(ns.ip('-j', 'link', 'show', name))[0].address;

  // 1. The tap VPP would create, udevd first: the MAC is rewritten.
  ns.ip('tuntap', 'add', 'dev', 'ens2f0', 'mode', 'tap');
  const [udev, check] = await runInLinkSandbox(ns.name, trees, [
    netSetupLink('ens2f0'),
    hostnetIn('check', '--input', `calico-vpp-config=${config}`, '--format', 'json'),
  ]);
  const applied = parseNetSetupLink('ens2f0', udev!);
  assert.equal(applied.linkFile, '/usr/lib/systemd/network/99-default.link');
  assert.equal(applied.applied?.kind, 'persistent');
  const written = applied.applied!.mac;
  assert.equal(macOf('ens2f0'), written, 'udevd really changed the MAC');
  assert.equal(written, persistentMac(machineId, 'ens2f0'));

  assert.equal(check!.code, 1, check!.stderr);
  const report = JSON.parse(check!.stdout) as Report;
  const proof = report.findings.find((f) => f.ruleId === 'link/mac-rewritten-by-udev' && f.interface === 'ens2f0');
  assert.ok(proof, JSON.stringify(report.findings.map((f) => f.ruleId)));
  assert.equal(proof.severity, 'error');
  assert.ok(proof.evidence.some((e) => e.value === written), 'the finding names the exact MAC udevd wrote');
  const race = report.findings.find((f) => f.ruleId === 'link/mac-policy-race' && f.interface === 'ens2f0');
  assert.ok(race);
  assert.ok(race.evidence.some((e) => e.file === '/usr/lib/systemd/network/99-default.link' && typeof e.line === 'number'));

  // 2. hostnet writes its fix out; it goes where an administrator would put it.
  const [fix] = await runInLinkSandbox(ns.name, trees, [hostnetIn('fix', '--input', `calico-vpp-config=${config}`, '--out', join(dir, 'fix'))]);
  // Exit 1: the findings stay on this host until the written fix is installed (docs/output.md#exit-codes).
  assert.equal(fix!.code, 1, `${fix!.stderr}\n${fix!.stdout}`);
  assert.match(fix!.stdout, /fixes link\/mac-rewritten-by-udev on ens2f0, link\/mac-policy-race on ens2f0/);
  const written_fix = readdirSync(join(dir, 'fix/etc/systemd/network'));
  assert.deepEqual(written_fix, ['10-hostnet-keep-mac-tun.link']);
  copyFileSync(join(dir, 'fix/etc/systemd/network', written_fix[0]!), join(trees.etc, written_fix[0]!));

  // 3. A new tap, udevd first again: now it leaves the MAC alone, and hostnet finds nothing.
  ns.ip('link', 'del', 'ens2f0');
  ns.ip('tuntap', 'add', 'dev', 'ens2f0', 'mode', 'tap');
  const before = macOf('ens2f0');
  const [udev2, check2] = await runInLinkSandbox(ns.name, trees, [
    netSetupLink('ens2f0'),
    hostnetIn('check', '--input', `calico-vpp-config=${config}`, '--format', 'json'),
  ]);
  const after = parseNetSetupLink('ens2f0', udev2!);
  assert.equal(after.linkFile, '/etc/systemd/network/10-hostnet-keep-mac-tun.link');
  assert.equal(after.applied, null);
  assert.equal(macOf('ens2f0'), before, 'udevd left the MAC alone');
  assert.equal(check2!.code, 0, check2!.stdout);
  const clean = JSON.parse(check2!.stdout) as Report;
  assert.deepEqual(clean.findings.filter((f) => f.ruleId.startsWith('link/')), []);
});

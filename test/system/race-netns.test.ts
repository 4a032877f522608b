// `hostnet race --netns NS` on a live namespace: the tap VPP made (a real tap), the Calico/VPP
// configuration and VPP's view of the uplink handed over with --input; the .link files and the
// machine-id are this machine's, as collection reads them.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { persistentMac } from '../../src/model/link/index.js';
import { hostnet, netns, requireRealSystem } from '../helpers/system.js';

const CONFIG = new URL('../../examples/vpp-e810-predeploy/calico-vpp-config.yaml', import.meta.url).pathname;
const UPLINK_MAC = '40:a6:b7:3c:1e:50';
const DEFAULT_LINK = '/usr/lib/systemd/network/99-default.link';
const SH_HARDWARE = `              Name                Idx   Link  Hardware
ens2f0                             1     up   ens2f0
  Link speed: 25 Gbps
  Ethernet address ${UPLINK_MAC}
  Intel E810 Family
local0                             0    down  local0
  Link speed: unknown
  local
tap0                               2     up   tap0
  Ethernet address 02:ca:11:c0:fd:00
`;

test('race --netns: a live Calico/VPP tap, with and without the fix', (t) => {
  if (!requireRealSystem(t, { tools: ['ip'] })) return;
  const ns = netns(t, 'hn-race');
  ns.ip('tuntap', 'add', 'dev', 'ens2f0', 'mode', 'tap');
  const dir = mkdtempSync(join(tmpdir(), 'hostnet-race-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const hw = join(dir, 'sh-hardware.txt');
  writeFileSync(hw, SH_HARDWARE);
  const inputs = ['--input', `calico-vpp-config=${CONFIG}`, '--input', `vppctl-show-hardware-interfaces=${hw}`];
  const machineId = readFileSync('/etc/machine-id', 'utf8').trim();
  // Debian 12 ships 99-default.link with MACAddressPolicy=persistent (verified-here.md); /etc has none here.
  const persistent = existsSync(DEFAULT_LINK) && !existsSync('/etc/systemd/network/99-default.link') && /MACAddressPolicy=persistent/.test(readFileSync(DEFAULT_LINK, 'utf8'));

  const r = hostnet(['race', '--netns', ns.name, ...inputs, '--format', 'json']);
  const j = JSON.parse(r.stdout);
  assert.equal(j.taps[0].name, 'ens2f0');
  assert.equal(j.taps[0].uplinkMac, UPLINK_MAC);
  assert.equal(j.taps[0].workers, 2);
  if (persistent) {
    // This machine ships MACAddressPolicy=persistent (Debian 12): the race is there.
    assert.equal(r.code, 1, r.stderr);
    const lost = j.taps[0].finalStates.find((f: { outcome: string }) => f.outcome === 'lost');
    assert.equal(lost.mac, persistentMac(machineId, 'ens2f0'));
  } else {
    assert.equal(r.code, 0, r.stderr);
  }

  const fixed = hostnet(['race', '--netns', ns.name, ...inputs, '--with-fix']);
  assert.equal(fixed.code, 0, fixed.stderr);
  assert.match(fixed.stdout, /losing: 0 \(0\.00%\)/);
});

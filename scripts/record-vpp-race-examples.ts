/**
 * Records examples/vpp-e810-mac-rewritten and examples/vpp-e810-fixed on the real kernel and udevd
 * (root needed): in a throw-away namespace, a tap named like the E810 uplink stands in for the host
 * tap VPP creates, with the addresses and routes VPP mirrors onto it.
 * - rewritten: udevd handles the tap's creation first, under Debian's 99-default.link, and rewrites
 *   its MAC; VPP still holds the uplink's MAC (its show hardware-interfaces output is given).
 * - fixed: hostnet's fix is in /etc/systemd/network; udevd leaves the new tap alone and VPP's MAC
 *   set stays.
 * Run: node --import tsx scripts/record-vpp-race-examples.ts
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeLinkTrees, netSetupLink, runInLinkSandbox, type SandboxCommand } from '../test/helpers/udev.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(repo, 'src/cli/main.ts');
const UPLINK_MAC = '40:a6:b7:3c:1e:50';
const ns = `hn-record-${process.pid}`;
const ip = (...args: string[]) => execFileSync('ip', ['-n', ns, ...args], { encoding: 'utf8' });
const hostnet = (...args: string[]): SandboxCommand => ({ argv: [process.execPath, '--import', import.meta.resolve('tsx'), CLI, ...args] });

function vppHostSide(): void {
  // What VPP leaves on the host side (seed 002): the uplink's addresses and routes on the tap, and
  // the service and pod CIDRs through it with MTU = 1500 - 60.
  ip('link', 'set', 'ens2f0', 'up');
  ip('addr', 'add', '192.168.0.1/24', 'dev', 'ens2f0');
  ip('route', 'add', 'default', 'via', '192.168.0.254', 'dev', 'ens2f0', 'proto', 'dhcp', 'metric', '100');
  ip('route', 'add', '10.96.0.0/12', 'via', '192.168.0.254', 'dev', 'ens2f0', 'proto', 'static', 'mtu', '1440');
  ip('route', 'add', '10.244.0.0/16', 'via', '192.168.0.254', 'dev', 'ens2f0', 'proto', 'static', 'mtu', '1440');
}

/**
 * udevd handles the new tap first in both recordings. Without the fix it writes its MAC; the failure
 * is udevd reading addr_assign_type before VPP sets the MAC and writing after it, so VPP's MAC is
 * lost: the recording leaves udevd's MAC in place. With the fix udevd leaves the tap alone and VPP's
 * MAC set (after udevd) stays.
 */
async function record(name: string, trees: ReturnType<typeof makeLinkTrees>, vppSetsMacAfterUdev: boolean): Promise<void> {
  const dir = join(repo, 'examples', name);
  execFileSync('ip', ['-n', ns, 'tuntap', 'add', 'dev', 'ens2f0', 'mode', 'tap', 'multi_queue']);
  const [udev] = await runInLinkSandbox(ns, trees, [netSetupLink('ens2f0')]);
  if (vppSetsMacAfterUdev) ip('link', 'set', 'ens2f0', 'address', UPLINK_MAC);
  vppHostSide();
  const [collect] = await runInLinkSandbox(ns, trees, [hostnet('collect',
    '--input', `calico-vpp-config=${join(dir, 'calico-vpp-config.yaml')}`,
    '--input', `vppctl-show-hardware-interfaces=${join(dir, 'vppctl-show-hardware-interfaces.txt')}`)]);
  if (collect!.code !== 0) throw new Error(collect!.stderr);
  // Paths of inputs are recorded relative to the example so the snapshot reads the same anywhere.
  writeFileSync(join(dir, 'snapshot.json'), collect!.stdout.replaceAll(`${dir}/`, ''));
  writeFileSync(join(dir, 'udevadm-test-builtin.txt'), udev!.stderr.split('\n').filter((l) => l.startsWith('ens2f0:') || l.includes('Config file')).join('\n') + '\n');
  ip('link', 'del', 'ens2f0');
}

const base = mkdtempSync(join(tmpdir(), 'hostnet-record-'));
try {
  execFileSync('ip', ['netns', 'add', ns]);
  const trees = makeLinkTrees(base);
  for (const f of ['99-default.link', '73-usb-net-by-mac.link']) copyFileSync(`/usr/lib/systemd/network/${f}`, join(trees.usrLib, f));
  await record('vpp-e810-mac-rewritten', trees, false);
  const fix = readFileSync(join(repo, 'examples/vpp-e810-fixed/10-hostnet-keep-mac-tun.link'), 'utf8');
  writeFileSync(join(trees.etc, '10-hostnet-keep-mac-tun.link'), fix);
  await record('vpp-e810-fixed', trees, true);
} finally {
  execFileSync('ip', ['netns', 'del', ns]);
  rmSync(base, { recursive: true, force: true });
}

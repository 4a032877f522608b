// The step trace packet says a packet dies at: a frame VPP writes into the tap with a destination MAC
// other than the tap's. Checked on the real kernel: a tap with the uplink's name, MAC and address, a
// process on its other end (as VPP is) writing an ICMP echo request to 192.168.0.1 with a given
// destination MAC, and whether the kernel answers. The simulator's verdict must agree each time.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildHost } from '../../src/model/host.js';
import { tracePacket } from '../../src/sim/packet.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { hostnet, netns, requireRealSystem } from '../helpers/system.js';

// VPP's end of the tap: attach, write one frame, wait for an ICMP echo reply. Python for the ioctl.
const PEER = String.raw`
import fcntl, os, select, struct, sys, time
name, dst, src = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', '')), bytes.fromhex(sys.argv[3].replace(':', ''))
fd = os.open('/dev/net/tun', os.O_RDWR)
fcntl.ioctl(fd, 0x400454ca, struct.pack('16sH', name.encode(), 0x0002 | 0x1000))  # TUNSETIFF, IFF_TAP|IFF_NO_PI
time.sleep(0.3)  # carrier up, IPv6 chatter settles
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
icmp = struct.pack('!BBHHH', 8, 0, 0, 0x4242, 1) + b'hostnet'
icmp = icmp[:2] + struct.pack('!H', csum(icmp)) + icmp[4:]
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(icmp), 1, 0, 64, 1, 0, bytes([192, 168, 0, 2]), bytes([192, 168, 0, 1]))
ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
os.write(fd, dst + src + b'\x08\x00' + ip + icmp)
end = time.time() + 1.5
while time.time() < end:
    r, _, _ = select.select([fd], [], [], max(0, end - time.time()))
    if not r: break
    f = os.read(fd, 2048)
    if f[12:14] == b'\x08\x00' and f[23] == 1 and f[34] == 0 and f[38:40] == b'\x42\x42':
        print('reply'); sys.exit(0)
print('none')
`;

test('the tap drops a frame for another MAC, on the kernel as in the simulator', (t) => {
  if (!requireRealSystem(t, { tools: ['ip', 'python3'] })) return;
  const dir = mkdtempSync(join(tmpdir(), 'hn-vpp-frame-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'peer.py'), PEER);
  const ns = netns(t, 'hn-vpp-frame');
  const tap = 'enp216s0f1';
  const mac = '52:54:00:40:46:8e';
  const vppSide = '02:ca:11:c0:fd:10';
  ns.ip('tuntap', 'add', 'dev', tap, 'mode', 'tap');
  ns.ip('link', 'set', tap, 'address', mac, 'up');
  ns.ip('addr', 'add', '192.168.0.1/24', 'dev', tap);
  // The host answers 192.168.0.2 through VPP's side of the tap (VPP's proxy ARP, made static here).
  ns.ip('neigh', 'add', '192.168.0.2', 'lladdr', vppSide, 'dev', tap);
  const kernel = (dst: string): string => {
    const r = spawnSync('ip', ['netns', 'exec', ns.name, 'python3', join(dir, 'peer.py'), tap, dst, vppSide], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  // The simulator on the same tap, collected, with VPP punting to `dst`.
  const simulate = (dst: string): string => {
    const snap = JSON.parse(hostnet(['collect', '--netns', ns.name]).stdout) as Snapshot;
    const punt = ` rx local0 via:\n  path-list:[1] locks:1 flags:no-uRPF, uPRF-list:1 len:1 itfs:[2, ]\n    path:[1] pl-index:1 ip4 weight=1 pref=0 attached-nexthop:  oper-flags:resolved,\n      169.254.0.1 tap0\n\n forwarding\n  [@1]: ipv4 via 169.254.0.1 tap0: mtu:9216 next:6 flags:[features ] ${dst.replace(/:/g, '')}${vppSide.replace(/:/g, '')}0800\n`;
    const withVpp: Snapshot = {
      ...snap,
      files: [...snap.files, { path: '/in/ifs.json', content: `{"uplinkInterfaces": [{"interfaceName": "${tap}", "vppDriver": "avf"}]}`, mask: null, role: 'calico-vpp-config' }],
      commands: [
        { argv: ['vppctl', 'show', 'interface', 'address'], exitCode: 0, stdout: 'avf-0/d8/a/0 (up):\n  L3 192.168.0.1/24\ntap0 (up): \n  unnumbered, use avf-0/d8/a/0\n  L3 192.168.0.1/24\n' },
        { argv: ['vppctl', 'show', 'ip', 'punt', 'redirect'], exitCode: 0, stdout: punt },
      ],
    };
    const trace = tracePacket(buildHost(withVpp), { src: '192.168.0.2', dst: '192.168.0.1', ingress: { kind: 'uplink' } });
    return trace.verdict.kind === 'delivered' ? 'reply' : 'none';
  };
  for (const dst of [mac, 'a6:13:4d:6b:3f:97', 'ff:ff:ff:ff:ff:ff']) {
    assert.equal(simulate(dst), kernel(dst), `destination ${dst}`);
  }
  assert.equal(kernel(mac), 'reply');
  assert.equal(kernel('a6:13:4d:6b:3f:97'), 'none');
  // Promiscuous mode (a capture on the tap) does not let IP take another host's frame.
  ns.ip('link', 'set', tap, 'promisc', 'on');
  assert.equal(kernel('a6:13:4d:6b:3f:97'), 'none');
  assert.equal(simulate('a6:13:4d:6b:3f:97'), 'none');
});

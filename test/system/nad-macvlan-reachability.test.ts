// Differential test of the macvlan reachability model against the real kernel. For every pair of
// modes the plugin accepts, with and without a hairpin (reflective relay) switch port, a throw-away
// "node" namespace gets a veth master whose peer sits in a "switch" namespace (a Linux bridge, hairpin
// on or off); macvlan children are created on the master in the node namespace and moved into their
// own "pod" namespaces, as the CNI plugin does; a host-side shim is a bridge-mode macvlan left in the
// node namespace. Then we send one ICMP echo each (bounded counts and timeouts, only our own addresses) and compare every
// answer with what src/model/macvlan predicts.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { canPing, MASTER, type MacvlanMode, type MacvlanPort } from '../../src/model/macvlan/index.js';
import { requireRealSystem, uniqueName } from '../helpers/system.js';

const run = promisify(execFile);

/**
 * One ICMP echo from SRC to DST, answered within TIMEOUT seconds or not (exit 0 or 1). Python's raw
 * socket, because CI installs python3 but not ping.
 */
const PING = `
import os, socket, struct, sys, time
src, dst, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.bind((src, 0))
ident = os.getpid() & 0xffff
def csum(b):
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xffff)
    return ~(t + (t >> 16)) & 0xffff
body = b'hostnet!'
head = struct.pack('!BBHHH', 8, 0, 0, ident, 1)
s.sendto(struct.pack('!BBHHH', 8, 0, csum(head + body), ident, 1) + body, (dst, 0))
end = time.time() + timeout
while True:
    left = end - time.time()
    if left <= 0:
        sys.exit(1)
    s.settimeout(left)
    try:
        data, addr = s.recvfrom(2048)
    except socket.timeout:
        sys.exit(1)
    ihl = (data[0] & 15) * 4
    kind, _, _, got, _ = struct.unpack('!BBHHH', data[ihl:ihl + 8])
    if kind == 0 and got == ident and addr[0] == dst:
        sys.exit(0)
`;

interface Topology {
  children: { name: string; mode: MacvlanMode }[];
  shim: boolean;
  hairpin: boolean;
}

interface Ping {
  from: string;
  to: string;
}

const ADDR: Record<string, string> = { [MASTER]: '10.77.0.1', shim: '10.77.0.3', a: '10.77.0.11', b: '10.77.0.12' };

/** Builds the topology in fresh namespaces, runs each ping with neighbour caches flushed first, cleans up. */
async function measure(t: TestContext, topo: Topology, pings: Ping[]): Promise<boolean[]> {
  const id = uniqueName('hn-nad');
  const node = `${id}-n`;
  const sw = `${id}-s`;
  const pod = (c: string): string => `${id}-${c}`;
  const all = [node, sw, ...topo.children.map((c) => pod(c.name))];
  const made: string[] = [];
  t.after(() => {
    for (const ns of made) spawnSync('ip', ['netns', 'del', ns]);
  });
  const ip = async (ns: string, ...args: string[]): Promise<void> => {
    await run('ip', ['-n', ns, ...args]);
  };
  const exec = async (ns: string, ...argv: string[]): Promise<void> => {
    await run('ip', ['netns', 'exec', ns, ...argv]);
  };
  for (const ns of all) {
    await run('ip', ['netns', 'add', ns]);
    made.push(ns);
  }
  // Addresses on the interface that owns them answer ARP (arp_ignore=1), as a careful shim setup has it;
  // no reverse-path filter, so a hairpinned frame is judged by macvlan alone.
  await exec(node, 'sysctl', '-qw', 'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0');
  await ip(node, 'link', 'add', 'm0', 'type', 'veth', 'peer', 'name', 'up0', 'netns', sw);
  await ip(sw, 'link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0');
  await ip(sw, 'link', 'set', 'up0', 'master', 'br0');
  await ip(sw, 'link', 'set', 'dev', 'up0', 'type', 'bridge_slave', 'hairpin', topo.hairpin ? 'on' : 'off');
  await ip(sw, 'link', 'set', 'br0', 'up');
  await ip(sw, 'link', 'set', 'up0', 'up');
  await ip(node, 'link', 'set', 'm0', 'up');
  await ip(node, 'addr', 'add', `${ADDR[MASTER]}/24`, 'dev', 'm0');
  for (const c of topo.children) {
    // As the plugin does: create on the master in the node's namespace, then move into the pod's.
    await ip(node, 'link', 'add', 'link', 'm0', 'name', `mv-${c.name}`, 'type', 'macvlan', 'mode', c.mode);
    await ip(node, 'link', 'set', `mv-${c.name}`, 'netns', pod(c.name));
    await ip(pod(c.name), 'addr', 'add', `${ADDR[c.name]}/24`, 'dev', `mv-${c.name}`);
    await ip(pod(c.name), 'link', 'set', `mv-${c.name}`, 'up');
  }
  if (topo.shim) {
    await ip(node, 'link', 'add', 'link', 'm0', 'name', 'shim', 'type', 'macvlan', 'mode', 'bridge');
    await ip(node, 'addr', 'add', `${ADDR.shim}/32`, 'dev', 'shim');
    await ip(node, 'link', 'set', 'shim', 'up');
    for (const c of topo.children) await ip(node, 'route', 'add', `${ADDR[c.name]}/32`, 'dev', 'shim', 'src', ADDR.shim!);
  }
  const nsOf = (s: string): string => (s === MASTER || s === 'shim' ? node : pod(s));
  const results: boolean[] = [];
  for (const p of pings) {
    for (const ns of all) await ip(ns, 'neigh', 'flush', 'all').catch(() => undefined);
    const r = await run('ip', ['netns', 'exec', nsOf(p.from), 'python3', '-c', PING, ADDR[p.from]!, ADDR[p.to]!, '1.5'])
      .then(() => true, () => false);
    results.push(r);
  }
  return results;
}

interface Case {
  topo: Topology;
  pings: Ping[];
}

function cases(): Case[] {
  const modes: MacvlanMode[] = ['bridge', 'private', 'vepa'];
  const out: Case[] = [];
  for (const hairpin of [false, true]) {
    for (const ma of modes) {
      for (const mb of modes) {
        out.push({
          topo: { children: [{ name: 'a', mode: ma }, { name: 'b', mode: mb }], shim: false, hairpin },
          pings: [{ from: 'a', to: 'b' }, { from: 'b', to: 'a' }, { from: MASTER, to: 'a' }, { from: 'a', to: MASTER }],
        });
      }
      out.push({ topo: { children: [{ name: 'a', mode: ma }], shim: true, hairpin }, pings: [{ from: 'shim', to: 'a' }, { from: 'a', to: 'shim' }] });
    }
    out.push({ topo: { children: [{ name: 'a', mode: 'passthru' }], shim: false, hairpin }, pings: [{ from: MASTER, to: 'a' }, { from: 'a', to: MASTER }] });
  }
  return out;
}

function port(topo: Topology): MacvlanPort {
  return { hairpin: topo.hairpin, children: [...topo.children, ...(topo.shim ? [{ name: 'shim', mode: 'bridge' as const }] : [])] };
}

const describeCase = (c: Case, p: Ping): string =>
  `${c.topo.children.map((x) => `${x.name}:${x.mode}`).join(' ')}${c.topo.shim ? ' +shim' : ''} hairpin ${c.topo.hairpin ? 'on' : 'off'}: ${p.from} -> ${p.to}`;

test('macvlan reachability: the model agrees with the kernel for every mode pair, shim and hairpin', async (t) => {
  if (!requireRealSystem(t, { tools: ['ip', 'python3'] })) return;
  const all = cases();
  const mismatches: string[] = [];
  let checked = 0;
  let positives = 0;
  // A few topologies at a time: each is its own set of namespaces, and negative pings wait their timeout.
  const table: string[] = [];
  for (let i = 0; i < all.length; i += 12) {
    const batch = all.slice(i, i + 12);
    const measured = await Promise.all(batch.map((c) => measure(t, c.topo, c.pings)));
    batch.forEach((c, j) => {
      c.pings.forEach((p, k) => {
        const predicted = canPing(port(c.topo), p.from === 'shim' ? 'shim' : p.from, p.to);
        const real = measured[j]![k]!;
        checked++;
        if (real) positives++;
        table.push(`${describeCase(c, p)}: ${real ? 'reaches' : 'no'}`);
        if (predicted !== real) mismatches.push(`${describeCase(c, p)}: model ${predicted}, kernel ${real}`);
      });
    });
  }
  t.diagnostic(`${checked} pings, ${positives} answered; kernel and model agree on ${checked - mismatches.length}`);
  if (process.env.HOSTNET_TEST_VERBOSE) for (const line of table) t.diagnostic(line);
  assert.deepEqual(mismatches, [], `${mismatches.length} of ${checked} predictions differ from the kernel`);
  // The comparison means something only if both answers occur.
  assert.ok(positives > 0 && positives < checked, `positives ${positives} of ${checked}`);
});

test('the kernel keeps a passthru master to one child, as the model assumes', (t) => {
  if (!requireRealSystem(t, { tools: ['ip'] })) return;
  const ns = uniqueName('hn-nadp');
  spawnSync('ip', ['netns', 'add', ns]);
  t.after(() => {
    spawnSync('ip', ['netns', 'del', ns]);
  });
  const ip = (...args: string[]) => spawnSync('ip', ['-n', ns, ...args], { encoding: 'utf8' });
  assert.equal(ip('link', 'add', 'm0', 'type', 'veth', 'peer', 'name', 'p0').status, 0);
  assert.equal(ip('link', 'add', 'link', 'm0', 'name', 'pt', 'type', 'macvlan', 'mode', 'passthru').status, 0);
  const second = ip('link', 'add', 'link', 'm0', 'name', 'br', 'type', 'macvlan', 'mode', 'bridge');
  assert.notEqual(second.status, 0);
});

/**
 * The networkd model against the real systemd-networkd of this machine (Debian 12: 252) and of the
 * Debian 13 test root (257, run chrooted), each in a throw-away network namespace with its own /run,
 * /etc/systemd and /usr/lib/systemd/network (tmpfs in the namespace's private mount namespace:
 * nothing of the host or of the root is read or written).
 *
 * networkd waits for udev to initialise a link; here a udev database entry marking each link
 * initialised stands in for udevd (/run/udev/control and /run/udev/data/nIFINDEX "I:" lines, on the
 * namespace's /run), which makes networkd enumerate addresses, routes and rules before it configures
 * the links, as on a node.
 *
 * 1. Which file takes each link: generated `.network` files ([Match] Name=, Kind=, Type=, Driver=,
 *    negations, empty [Match], Unmanaged=, drop-ins) against networkd's own debug log ("found
 *    matching network"). A disagreement prints the seed that replays it:
 *      HOSTNET_NETWORKD_DIFF_SEED=<seed> HOSTNET_NETWORKD_DIFF_CASES=1 npm test -- networkd-daemon
 * 2. What a start removes: a Calico-like node (BIRD routes, a blackhole, a WireGuard-style rule, CNI
 *    addresses) with a catch-all file, with the default networkd.conf and with the drop-in the
 *    networkd/drops-foreign-routes fix writes: what the daemon removed must be what the model says.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { interfacesFromIpAddr, rulesFromIp, routesFromIp } from '../../src/collect/ip.js';
import { buildHost } from '../../src/model/host.js';
import { describeRoute, describeRule } from '../../src/model/fib.js';
import { loadNetworkdConfig, networkForLink, restartEffect } from '../../src/model/networkd/index.js';
import type { FileRecord, Route, RoutingRule } from '../../src/snapshot/schema.js';
import { daemons, NETWORKD, NETWORKD_SANDBOX_SH, snapshotOf } from '../helpers/networkd.js';

/** Routes and rules as words, with who installed them: networkd removes what others did. */
const routeWords = (r: Route): string => describeRoute(r, { protocol: true });
const ruleWords = (r: RoutingRule): string => describeRule(r, { protocol: true });
import { rng, type Rng } from '../helpers/rng.js';
import { netns, sh } from '../helpers/system.js';

const BASE_SEED = Number(process.env.HOSTNET_NETWORKD_DIFF_SEED ?? 1712);
const CASES = Number(process.env.HOSTNET_NETWORKD_DIFF_CASES ?? 16);

/** The namespace's links: a Calico veth, VXLAN devices, a CNI bridge and a Cilium-like veth pair. */
const LINKS = `
ip link add cali1a2b3c type veth peer name eth0
ip link add vxlan.calico type vxlan id 4096 dstport 4789
ip link add flannel.1 type vxlan id 1 dstport 8472
ip link add cni0 type bridge
ip link add veth9f8e7d type veth peer name lxc12ab34
for l in lo eth0 cali1a2b3c vxlan.calico flannel.1 cni0 veth9f8e7d lxc12ab34; do ip link set "$l" up; done
`;

/** Run inside the namespace: private /run, /etc/systemd, network directories; links; then one networkd start per case directory. */
const DRIVER = `set -eu
work="$1"; R="$2"
${NETWORKD_SANDBOX_SH}
. "$work/setup.sh"
touch "$R/run/udev/control"
for l in /sys/class/net/*; do printf 'I:1\\n' > "$R/run/udev/data/n$(cat "$l/ifindex")"; done
ip -d -j addr show > "$work/ip-addr.json"
for l in /sys/class/net/*; do printf '%s %s\\n' "$(basename "$l")" "$(sed -n 's/^DEVTYPE=//p' "$l/uevent")"; done > "$work/devtypes.txt"
ip -4 -j route show table all > "$work/routes-before.json"
ip -4 -d -j rule show > "$work/rules-before.json"
for c in "$work"/case-*; do
  rm -rf "$R"/etc/systemd/network/* "$R"/etc/systemd/networkd.conf.d/*
  cp -r "$c"/network/. "$R/etc/systemd/network/"
  if [ -d "$c/conf.d" ]; then cp "$c"/conf.d/* "$R/etc/systemd/networkd.conf.d/"; fi
  SYSTEMD_LOG_LEVEL=debug timeout 2 $RUN ${NETWORKD} > "$c/log" 2>&1 || true
done
ip -4 -j route show table all > "$work/routes-after.json"
ip -4 -d -j rule show > "$work/rules-after.json"
ip -d -j addr show > "$work/ip-addr-after.json"
`;

/** Runs the driver in a fresh namespace: the host's networkd (root '') or the one of a Debian root. */
function runDaemon(t: TestContext, work: string, setup: string, root: string): void {
  writeFileSync(join(work, 'setup.sh'), setup);
  writeFileSync(join(work, 'driver.sh'), DRIVER);
  const ns = netns(t, 'hn-nd');
  sh(['ip', 'netns', 'exec', ns.name, 'bash', join(work, 'driver.sh'), work, root]);
}

/** What networkd decided per link, from its debug log: the file that matched, and whether it left the link unmanaged. */
function daemonDecisions(log: string): Map<string, { file: string | null; unmanaged: boolean }> {
  const out = new Map<string, { file: string | null; unmanaged: boolean }>();
  for (const line of log.split('\n')) {
    // 252: "found matching network 'PATH'."; 257: "Found matching .network file: PATH".
    const m = /^(\S+): (?:found matching network '([^']+)'|Found matching \.network file: (\S+)|State changed: \S+ -> (unmanaged|configuring))/.exec(line);
    if (!m) continue;
    const d = out.get(m[1]!) ?? { file: null, unmanaged: false };
    if (m[2] ?? m[3]) d.file = (m[2] ?? m[3])!;
    if (m[4] === 'unmanaged') d.unmanaged = true;
    out.set(m[1]!, d);
  }
  return out;
}

// Pools the generator draws [Match] values from; each is a whole value as it appears after "Key=".
const NAMES = ['*', 'cali*', 'eth0', 'veth*', 'lxc*', '*.calico', 'flannel.?', 'cni0', 'e*', 'lo', 'c*', '!cali*', '!veth* lxc*', '!lo', 'vxlan.calico flannel.1'];
const KINDS = ['veth', 'vxlan', 'bridge', '!*', '*', '!veth', 'veth bridge'];
const TYPES = ['ether', 'vxlan', 'bridge', 'loopback', '!loopback', '!vxlan bridge', '!loopback dummy bridge tunnel vxlan wireguard'];
const DRIVERS = ['veth', 'vxlan', 'bridge', '!veth', 'v*', '!bridge vxlan'];

interface GeneratedCase {
  files: { name: string; text: string }[];
  dropins: { unit: string; name: string; text: string }[];
}

function generate(r: Rng): GeneratedCase {
  const files: GeneratedCase['files'] = [];
  const count = 1 + r.int(4);
  for (let i = 0; i < count; i++) {
    const lines: string[] = [];
    if (!r.chance(0.08)) {
      if (r.chance(0.8)) lines.push(`Name=${r.pick(NAMES)}`);
      if (r.chance(0.3)) lines.push(`Kind=${r.pick(KINDS)}`);
      if (r.chance(0.3)) lines.push(`Type=${r.pick(TYPES)}`);
      if (r.chance(0.25)) lines.push(`Driver=${r.pick(DRIVERS)}`);
      if (r.chance(0.1)) lines.push(`Name=${r.pick(NAMES)}`);
    }
    const unmanaged = r.chance(0.3) ? '\n[Link]\nUnmanaged=yes\n' : '';
    files.push({ name: `${10 + r.int(80)}-g${i}.network`, text: `[Match]\n${lines.join('\n')}\n\n[Network]\nDHCP=no\nLinkLocalAddressing=no\n${unmanaged}` });
  }
  const dropins: GeneratedCase['dropins'] = [];
  if (r.chance(0.3)) {
    const unit = r.pick(files).name;
    dropins.push({ unit, name: 'override.conf', text: r.chance(0.5) ? '[Link]\nUnmanaged=yes\n' : `[Match]\nName=\nName=${r.pick(NAMES)}\n` });
  }
  return { files, dropins };
}

function caseFiles(c: GeneratedCase): FileRecord[] {
  return [
    ...c.files.map((f) => ({ path: `/etc/systemd/network/${f.name}`, content: f.text, mask: null, role: null })),
    ...c.dropins.map((d) => ({ path: `/etc/systemd/network/${d.unit}.d/${d.name}`, content: d.text, mask: null, role: null })),
  ];
}

function writeCase(dir: string, c: GeneratedCase, conf: string | null = null): void {
  mkdirSync(join(dir, 'network'), { recursive: true });
  for (const f of c.files) writeFileSync(join(dir, 'network', f.name), f.text);
  for (const d of c.dropins) {
    mkdirSync(join(dir, 'network', `${d.unit}.d`), { recursive: true });
    writeFileSync(join(dir, 'network', `${d.unit}.d`, d.name), d.text);
  }
  if (conf !== null) {
    mkdirSync(join(dir, 'conf.d'));
    writeFileSync(join(dir, 'conf.d', '50-keep.conf'), conf);
  }
}

test('which .network file takes each link: the model agrees with systemd-networkd on generated files', (t) => {
  for (const d of daemons(t) ?? []) compareMatching(t, d.version, d.root);
});

function compareMatching(t: TestContext, version: number, root: string): void {
  const work = mkdtempSync(join(tmpdir(), 'hn-networkd-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const cases = Array.from({ length: CASES }, (_, i) => ({ seed: BASE_SEED + i, c: generate(rng(BASE_SEED + i)) }));
  cases.forEach(({ c }, i) => writeCase(join(work, `case-${String(i).padStart(3, '0')}`), c));
  runDaemon(t, work, LINKS, root);

  const problems: string[] = [];
  const seen = { matched: 0, unmanaged: 0, none: 0, ignoredFile: 0 };
  cases.forEach(({ seed, c }, i) => {
    const dir = join(work, `case-${String(i).padStart(3, '0')}`);
    const daemon = daemonDecisions(readFileSync(join(dir, 'log'), 'utf8'));
    const files = caseFiles(c);
    const s = snapshotOf(work, files);
    const host = buildHost(s);
    const cfg = loadNetworkdConfig(files, { systemdVersion: version });
    seen.ignoredFile += cfg.skipped.filter((k) => k.reason === 'empty-match').length;
    for (const iface of host.interfaces) {
      const model = networkForLink(host, cfg, iface);
      const d = daemon.get(iface.name) ?? { file: null, unmanaged: false };
      const modelFile = model.network?.path ?? null;
      if (modelFile === null) seen.none++;
      else if (model.managed) seen.matched++;
      else seen.unmanaged++;
      if (d.file !== modelFile || d.unmanaged !== !model.managed) {
        problems.push(`systemd ${version}, seed ${seed}, ${iface.name}: networkd ${d.file ?? 'no file'}${d.unmanaged ? ' (unmanaged)' : ''}, model ${modelFile ?? 'no file'}${model.managed ? '' : ' (unmanaged)'}\n` +
          files.map((f) => `  ${f.path}:\n    ${f.content!.trim().split('\n').join('\n    ')}`).join('\n'));
      }
    }
  });
  t.diagnostic(`systemd-networkd ${version}: seed ${BASE_SEED}, ${CASES} cases; links taken ${seen.matched}, left unmanaged by a file ${seen.unmanaged}, no file ${seen.none}, files ignored for an empty [Match] ${seen.ignoredFile}`);
  assert.deepEqual(problems, []);
  if (CASES >= 16) {
    assert.ok(seen.matched > 10 && seen.unmanaged > 3 && seen.none > 3, `the generator covers every outcome: ${JSON.stringify(seen)}`);
  }
}

const CALICO_NODE = `${LINKS}
ip addr add 10.0.0.5/24 dev eth0
ip addr add 192.168.12.0/32 dev vxlan.calico
ip route add 192.168.7.0/26 via 10.0.0.6 dev eth0 proto bird
ip route add 192.168.8.0/26 dev vxlan.calico proto 80
ip route add blackhole 192.168.12.0/26 proto bird
ip route add 192.168.12.5 dev cali1a2b3c scope link
ip rule add pref 99 fwmark 0x100000/0x100000 lookup 1
ip rule add pref 100 from 192.168.12.0/24 lookup 2 proto static
`;

const CATCH_ALL: GeneratedCase = {
  files: [
    { name: '05-cali.network', text: '[Match]\nName=cali*\n\n[Link]\nUnmanaged=yes\n' },
    { name: '10-all.network', text: '[Match]\nName=*\n\n[Network]\nDHCP=no\nLinkLocalAddressing=no\n' },
  ],
  dropins: [],
};

for (const [label, conf] of [['the defaults', null], ['the networkd/drops-foreign-routes fix', '[Network]\nManageForeignRoutes=no\nManageForeignRoutingPolicyRules=no\n']] as const) {
  test(`what networkd removes when it starts, with ${label}: the daemon and the model agree`, (t) => {
    for (const d of daemons(t) ?? []) compareRemovals(t, label, conf, d.version, d.root);
  });
}

function compareRemovals(t: TestContext, label: string, conf: string | null, version: number, root: string): void {
  {
    const work = mkdtempSync(join(tmpdir(), 'hn-networkd-'));
    t.after(() => rmSync(work, { recursive: true, force: true }));
    writeCase(join(work, 'case-000'), CATCH_ALL, conf);
    runDaemon(t, work, CALICO_NODE, root);

    const files = [...caseFiles(CATCH_ALL), ...(conf ? [{ path: '/etc/systemd/networkd.conf.d/50-keep.conf', content: conf, mask: null, role: null }] : [])];
    const s = snapshotOf(work, files);
    const effect = restartEffect(buildHost(s), loadNetworkdConfig(files, { systemdVersion: version }));
    const after = {
      routes: routesFromIp(JSON.parse(readFileSync(join(work, 'routes-after.json'), 'utf8') || '[]'), 'inet').map(routeWords),
      rules: rulesFromIp(JSON.parse(readFileSync(join(work, 'rules-after.json'), 'utf8')), 'inet').map(ruleWords),
      addresses: interfacesFromIpAddr(JSON.parse(readFileSync(join(work, 'ip-addr-after.json'), 'utf8'))).flatMap((i) => i.addresses.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen} ${i.name}`)),
    };
    const before = {
      routes: s.routes.map(routeWords),
      rules: s.rules!.map(ruleWords),
      addresses: s.interfaces.flatMap((i) => i.addresses.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen} ${i.name}`)),
    };
    const removedAddresses = new Set(effect.addresses.filter((a) => a.address.family === 'inet').map((a) => `${a.address.local}/${a.address.prefixlen} ${a.by.iface.name}`));
    assert.deepEqual(after.addresses, before.addresses.filter((a) => !removedAddresses.has(a)), 'addresses');
    assert.deepEqual(after.rules, before.rules.filter((r) => !effect.rules.map(ruleWords).includes(r)), 'rules');
    // The kernel removes a route with its address (its gateway no longer reachable, its prefix route gone): only
    // routes the model says networkd removes, and those through a link that lost every IPv4 address, may go.
    const removedRoutes = new Set(effect.routes.map((r) => routeWords(r.route)));
    const lostAll = new Set(s.interfaces.filter((i) => i.addresses.some((a) => a.family === 'inet') && i.addresses.filter((a) => a.family === 'inet').every((a) => removedAddresses.has(`${a.local}/${a.prefixlen} ${i.name}`))).map((i) => i.name));
    for (const r of before.routes) {
      const gone = !after.routes.includes(r);
      const viaLost = s.routes.some((x) => routeWords(x) === r && x.dev !== null && lostAll.has(x.dev));
      if (removedRoutes.has(r)) assert.ok(gone, `the model says networkd removes ${r}; it is still there`);
      else if (gone) assert.ok(viaLost, `${r} is gone, but the model keeps it`);
    }
    if (conf === null) {
      assert.ok(effect.rules.length === 2 && removedRoutes.size >= 2, 'the default case removes rules and routes');
    } else {
      assert.equal(effect.rules.length + effect.routes.length, 0, 'the fix keeps every foreign route and rule');
    }
    t.diagnostic(`systemd-networkd ${version}, ${label}: removed ${[...removedRoutes, ...effect.rules.map(ruleWords), ...removedAddresses].join('; ') || 'nothing'}`);
    assert.ok(readdirSync(work).length > 0);
  }
}

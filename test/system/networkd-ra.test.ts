/**
 * Router advertisements on a link systemd-networkd configures, against the real daemons (the host's
 * 252 and Debian 13's 257, as in networkd-daemon.test.ts): a router namespace sends RAs over a veth to
 * `up0` in a node namespace where networkd runs with its own /run and /etc/systemd. Each generated case
 * sets the kernel's forwarding (what Docker or k3s do) and accept_ra, writes a `.network` (or none, or
 * Unmanaged=yes) with IPv6AcceptRA= unset/yes/no and networkd's own forwarding (IPForward= before 256,
 * IPv6Forwarding= in the `.network` or networkd.conf from 256, IPMasquerade=), starts networkd, and
 * sends RAs until a `proto ra` default route appears or about two seconds pass. The model's verdict (networkd's
 * choice where it configures the link, the kernel's sysctls where not) must be what happened, and
 * where networkd configures the link the kernel's accept_ra must read 0.
 *   HOSTNET_NETWORKD_RA_SEED=<seed> HOSTNET_NETWORKD_RA_CASES=<n> replay a run.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, type TestContext } from 'node:test';
import { buildHost } from '../../src/model/host.js';
import { acceptsRa } from '../../src/model/ipv6/ra.js';
import { forwardingIgnoresRa } from '../../src/rules/ipv6/forwarding-ignores-ra.js';
import { loadNetworkdConfig, networkdRa, networkForLink, IPV6_FORWARDING_SINCE } from '../../src/model/networkd/index.js';
import type { FileRecord } from '../../src/snapshot/schema.js';
import { daemons, NETWORKD, NETWORKD_SANDBOX_SH, snapshotOf } from '../helpers/networkd.js';
import { rng, type Rng } from '../helpers/rng.js';
import { netns, sh } from '../helpers/system.js';

const SEND_RA = fileURLToPath(new URL('../helpers/send-ra.py', import.meta.url));
const SEED = Number(process.env.HOSTNET_NETWORKD_RA_SEED ?? Date.now() % 1_000_000);
const CASES = Number(process.env.HOSTNET_NETWORKD_RA_CASES ?? 12);

/**
 * Runs in the node namespace: $1 work dir, $2 root ('' for the host's networkd), $3 the router
 * namespace's name. The router namespace is opened before /run is replaced, and entered by that file
 * descriptor to send each RA.
 */
const DRIVER = `set -eu
work="$1"; R="$2"
exec 9< "/run/netns/$3"
${NETWORKD_SANDBOX_SH}
sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.up0.accept_dad=0
ip link set lo up; ip link set up0 up
touch "$R/run/udev/control"
for l in /sys/class/net/*; do printf 'I:1\\n' > "$R/run/udev/data/n$(cat "$l/ifindex")"; done
ip -d -j addr show > "$work/ip-addr.json"
for l in /sys/class/net/*; do printf '%s %s\\n' "$(basename "$l")" "$(sed -n 's/^DEVTYPE=//p' "$l/uevent")"; done > "$work/devtypes.txt"
echo '[]' > "$work/routes-before.json"; ip -4 -d -j rule show > "$work/rules-before.json"
idx=$(cat /sys/class/net/up0/ifindex)
for c in "$work"/case-*; do
  rm -rf "$R"/etc/systemd/network/* "$R"/etc/systemd/networkd.conf.d/* "$R"/run/systemd/netif/links/*
  cp -r "$c"/network/. "$R/etc/systemd/network/"
  if [ -d "$c/conf.d" ]; then cp "$c"/conf.d/* "$R/etc/systemd/networkd.conf.d/"; fi
  # The kernel's side first, as Docker or k3s leave it; then nothing the last case learnt.
  sysctl -qw net.ipv6.conf.all.forwarding="$(cat "$c/forwarding")" net.ipv6.conf.up0.accept_ra="$(cat "$c/accept_ra")"
  ip link set up0 up
  ip -6 route flush proto ra; ip -6 addr flush dev up0 scope global
  SYSTEMD_LOG_LEVEL=debug $RUN ${NETWORKD} > "$c/log" 2>&1 &
  pid=$!
  # Until networkd has taken the link (configuring, configured) or left it alone (unmanaged).
  for i in $(seq 1 40); do
    if grep -qsE '^ADMIN_STATE=(configuring|configured|unmanaged|failed|linger)' "$R/run/systemd/netif/links/$idx"; then break; fi
    sleep 0.05
  done
  taken=no
  for i in $(seq 1 6); do
    nsenter --net=/proc/$$/fd/9 python3 ${SEND_RA} r0
    sleep 0.25
    if [ -n "$(ip -6 route show default proto ra)" ]; then taken=yes; break; fi
  done
  echo "$taken" > "$c/taken"
  cat /proc/sys/net/ipv6/conf/up0/accept_ra > "$c/accept_ra_after"
  kill "$pid"; wait "$pid" || true
done
`;

interface RaCase {
  forwarding: number;
  acceptRa: number;
  /** The `.network` for up0, or null for none. */
  network: string | null;
  conf: string | null;
  label: string;
  /** The case the rule's fix is applied to: its drop-in is added, and the RA must be taken. */
  fixed?: boolean;
  dropin?: { path: string; content: string };
}

/** The rule on the node with the case's files, as networkd leaves it (forwarding on, accept_ra 0): its fix's drop-in. */
function ruleFix(work: string, version: number, c: RaCase): { path: string; content: string } {
  const files: FileRecord[] = [{ path: '/etc/systemd/network/50-up0.network', content: c.network, mask: null, role: null }];
  const s = snapshotOf(work, files);
  const host = buildHost({ ...s, host: { ...s.host, systemdVersion: version }, sysctls: { 'net.ipv6.conf.up0.forwarding': '1', 'net.ipv6.conf.up0.accept_ra': '0' } });
  const found = forwardingIgnoresRa.check(host);
  assert.equal(found.length, 1, `systemd ${version}: the rule finds ${c.label}: ${found.map((f) => f.message).join('; ')}`);
  return found[0]!.fixes[0]!.files[0]!;
}

function generate(r: Rng, version: number, n: number): RaCase {
  const forwarding = n === 0 ? 1 : r.int(2);
  const acceptRa = n === 0 ? 1 : 1 + r.int(2);
  // Fixed first cases, so that coverage does not depend on the seed: the kernel's sysctls are the trap
  // but networkd takes the RAs; networkd's own forwarding turns them off.
  if (n === 0) return { forwarding, acceptRa, network: '[Match]\nName=up0\n', conf: null, label: '(defaults)' };
  if (n === 1 || n === 2) {
    const line = version < IPV6_FORWARDING_SINCE ? 'IPForward=yes' : 'IPv6Forwarding=yes';
    return { forwarding, acceptRa, network: `[Match]\nName=up0\n\n[Network]\nDHCP=yes\n${line}\n`, conf: null, label: `DHCP=yes ${line}${n === 2 ? ' with the fix' : ''}`, fixed: n === 2 };
  }
  // Links networkd leaves to the kernel; the first with accept_ra=2, which takes RAs with forwarding on.
  if (n % 7 === 6) return { forwarding, acceptRa: n === 6 ? 2 : acceptRa, network: r.chance(0.5) ? null : '[Match]\nName=up0\n\n[Link]\nUnmanaged=yes\n', conf: null, label: 'not networkd\'s' };
  const lines: string[] = [];
  const ra = r.pick(['', '', 'yes', 'no']);
  if (ra) lines.push(`IPv6AcceptRA=${ra}`);
  let conf: string | null = null;
  if (version < IPV6_FORWARDING_SINCE) {
    const fwd = r.pick(['', 'yes', 'ipv6', 'ipv4', 'no']);
    if (fwd) lines.push(`IPForward=${fwd}`);
  } else {
    const fwd = r.pick(['', 'yes', 'no']);
    if (fwd) lines.push(`IPv6Forwarding=${fwd}`);
    if (r.chance(0.4)) conf = `[Network]\nIPv6Forwarding=${r.pick(['yes', 'no'])}\n`;
    if (r.chance(0.15)) lines.push('IPForward=yes');
  }
  if (r.chance(0.15)) lines.push(`IPMasquerade=${r.pick(['ipv6', 'both', 'ipv4'])}`);
  if (r.chance(0.1)) lines.push(`LinkLocalAddressing=${r.pick(['no', 'ipv4'])}`);
  return { forwarding, acceptRa, network: `[Match]\nName=up0\n\n[Network]\n${lines.join('\n')}\n`, conf, label: lines.join(' ') || '(defaults)' };
}

test('router advertisements on a link networkd configures: the model agrees with the real networkd', (t) => {
  for (const d of daemons(t) ?? []) compare(t, d.version, d.root);
});

function compare(t: TestContext, version: number, root: string): void {
  const work = mkdtempSync(join(tmpdir(), 'hn-networkd-ra-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const r = rng(SEED + version);
  const cases = Array.from({ length: CASES }, (_, n) => generate(r, version, n));
  const router = netns(t, 'hn-ndrr');
  const node = netns(t, 'hn-ndrn');
  router.ip('link', 'add', 'r0', 'type', 'veth', 'peer', 'name', 'up0', 'netns', node.name);
  router.exec('sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.r0.accept_dad=0');
  router.ip('link', 'set', 'r0', 'up');
  // The node as the rule sees it before networkd runs (the driver records the same again).
  writeFileSync(join(work, 'ip-addr.json'), node.ip('-d', '-j', 'addr', 'show'));
  writeFileSync(join(work, 'devtypes.txt'), 'lo \nup0 \n');
  writeFileSync(join(work, 'routes-before.json'), '[]');
  writeFileSync(join(work, 'rules-before.json'), node.ip('-4', '-d', '-j', 'rule', 'show'));
  cases.forEach((c, n) => {
    const dir = join(work, `case-${String(n).padStart(3, '0')}`);
    mkdirSync(join(dir, 'network'), { recursive: true });
    if (c.network) writeFileSync(join(dir, 'network', '50-up0.network'), c.network);
    if (c.conf) {
      mkdirSync(join(dir, 'conf.d'));
      writeFileSync(join(dir, 'conf.d', '50-forwarding.conf'), c.conf);
    }
    if (c.fixed) {
      const fix = ruleFix(work, version, c);
      const rel = fix.path.slice('/etc/systemd/network/'.length);
      mkdirSync(join(dir, 'network', rel.slice(0, rel.lastIndexOf('/'))), { recursive: true });
      writeFileSync(join(dir, 'network', rel), fix.content);
      c.dropin = fix;
    }
    writeFileSync(join(dir, 'forwarding'), String(c.forwarding));
    writeFileSync(join(dir, 'accept_ra'), String(c.acceptRa));
  });
  writeFileSync(join(work, 'driver.sh'), DRIVER);
  sh(['ip', 'netns', 'exec', node.name, 'bash', join(work, 'driver.sh'), work, root, router.name]);

  const problems: string[] = [];
  const seen = new Map<string, number>();
  cases.forEach((c, n) => {
    const dir = join(work, `case-${String(n).padStart(3, '0')}`);
    const files: FileRecord[] = [
      ...(c.network ? [{ path: '/etc/systemd/network/50-up0.network', content: c.network, mask: null, role: null }] : []),
      ...(c.conf ? [{ path: '/etc/systemd/networkd.conf.d/50-forwarding.conf', content: c.conf, mask: null, role: null }] : []),
      ...(c.dropin ? [{ ...c.dropin, mask: null, role: null }] : []),
    ];
    const host = buildHost(snapshotOf(work, files));
    const cfg = loadNetworkdConfig(files, { systemdVersion: version });
    const ln = networkForLink(host, cfg, host.interfaces.find((i) => i.name === 'up0')!);
    const nd = networkdRa(ln, cfg);
    const model = nd ? nd.accepts : acceptsRa(c.forwarding, c.acceptRa);
    const taken = readFileSync(join(dir, 'taken'), 'utf8').trim() === 'yes';
    const kernelAfter = Number(readFileSync(join(dir, 'accept_ra_after'), 'utf8').trim());
    const what = `systemd ${version}, seed ${SEED + version} case ${n}: kernel forwarding ${c.forwarding} accept_ra ${c.acceptRa}; ${c.label}${c.conf ? `; networkd.conf ${c.conf.trim().split('\n').pop()}` : ''}`;
    if (taken !== model) problems.push(`${what}: networkd/kernel ${taken ? 'took' : 'ignored'} the RA, the model says ${model ? 'taken' : 'ignored'} (${nd ? `networkd: ${nd.reason} ${nd.setting?.value ?? ''}` : 'the kernel decides'})`);
    if (nd && kernelAfter !== 0) problems.push(`${what}: networkd configures up0 but the kernel's accept_ra is ${kernelAfter}`);
    const key = nd ? `networkd ${nd.accepts ? 'takes' : 'ignores'} (${nd.reason})` : `kernel ${model ? 'takes' : 'ignores'}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    if (c.fixed && taken) seen.set('fix applied, RA taken', 1);
    if (nd && c.forwarding === 1 && c.acceptRa === 1 && nd.accepts) seen.set('kernel sysctls bad, networkd takes', (seen.get('kernel sysctls bad, networkd takes') ?? 0) + 1);
  });
  t.diagnostic(`systemd-networkd ${version}: seed ${SEED + version} (HOSTNET_NETWORKD_RA_SEED=${SEED} replays it), ${CASES} cases; ${[...seen].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  assert.deepEqual(problems, []);
  if (CASES >= 12) {
    for (const k of ['networkd takes (default)', 'networkd ignores (forwarding)', 'kernel sysctls bad, networkd takes', 'kernel takes', 'fix applied, RA taken']) assert.ok((seen.get(k) ?? 0) > 0, `coverage: no case "${k}" (seed ${SEED})`);
  }
}

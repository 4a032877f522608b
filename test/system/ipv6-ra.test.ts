// IPv6 forwarding against router advertisements on the real kernel: a peer namespace sends RAs over a
// veth; the host side gets generated forwarding/accept_ra values (per interface or through `all`).
// Whether a `proto ra` default route is there after the next RA is compared with the model; the rule
// runs on `hostnet collect --netns` of the host side, and its fix file is loaded for real.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { buildHost } from '../../src/model/host.js';
import { interfacesFromIpAddr } from '../../src/collect/ip.js';
import { acceptsRa, isSlaac } from '../../src/model/ipv6/ra.js';
import { forwardingIgnoresRa } from '../../src/rules/ipv6/forwarding-ignores-ra.js';
import { SnapshotSchema } from '../../src/snapshot/schema.js';
import { rng } from '../helpers/rng.js';
import { hostnet, netns, requireRealSystem, sh } from '../helpers/system.js';

const SEND_RA = fileURLToPath(new URL('../helpers/send-ra.py', import.meta.url));

test('router advertisements with generated forwarding/accept_ra: the kernel, the model and the rule agree; accept_ra=2 fixes it', (t) => {
  if (!requireRealSystem(t, { tools: ['ip', 'python3', 'sysctl'] })) return;
  const seed = Number(process.env.HOSTNET_SEED ?? Date.now() % 1_000_000);
  const count = Number(process.env.HOSTNET_CASES ?? 16);
  t.diagnostic(`seed ${seed} (HOSTNET_SEED=${seed} replays it), ${count} cases`);
  const router = netns(t, 'hn-rar');
  const node = netns(t, 'hn-ran');
  router.ip('link', 'add', 'r0', 'type', 'veth', 'peer', 'name', 'up0', 'netns', node.name);
  node.exec('sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.up0.accept_dad=0');
  router.exec('sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.r0.accept_dad=0');
  router.ip('link', 'set', 'r0', 'up');
  node.ip('link', 'set', 'up0', 'up');
  // Both ends need their link-local addresses before an RA can be sent and taken.
  const linkLocal = (ns: typeof node, dev: string) => /fe80::\S+ scope link\s*$/m.test(ns.ip('-6', 'addr', 'show', 'dev', dev));
  for (let n = 0; n < 100 && !(linkLocal(router, 'r0') && linkLocal(node, 'up0')); n++) sh(['sleep', '0.1']);
  const raDefault = () => node.ip('-6', 'route', 'show', 'default', 'proto', 'ra').trim() !== '';
  // Sends RAs until the default route is there, at most `tries` (a loaded machine may need more than one
  // while the link settles); false when none was taken.
  const sendRa = (tries = 3, valid = 86400): boolean => {
    for (let n = 0; n < tries; n++) {
      router.exec('python3', SEND_RA, 'r0', '1800', String(valid));
      sh(['sleep', '0.3']);
      if (raDefault()) return true;
    }
    return false;
  };
  const set = (name: string, value: number) => node.exec('sysctl', '-qw', `net.ipv6.conf.${name}=${value}`);

  const r = rng(seed);
  const seen = new Map<string, number>();
  const tmp = mkdtempSync(join(tmpdir(), 'hn-ra-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  for (let n = 0; n < count; n++) {
    // Learn first, as a node does before Docker or k3s turns forwarding on.
    set('all.forwarding', 0);
    set('up0.accept_ra', 1);
    assert.ok(sendRa(10), `case ${n}: the RA was not taken with forwarding 0, accept_ra 1`);
    const forwarding = n < 2 ? 1 : r.int(2);
    const acceptRa = n < 2 ? 1 : r.int(3);
    const via = r.pick(['all', 'up0']);
    set('up0.accept_ra', acceptRa);
    set(`${via}.forwarding`, forwarding);
    node.ip('-6', 'route', 'flush', 'proto', 'ra');
    // This RA's prefix is valid for 80000 s: a SLAAC address it refreshes drops to that; one it does not
    // keeps counting down from the 86400 s it was learnt with.
    const got = sendRa(3, 80000);
    assert.equal(got, acceptsRa(forwarding, acceptRa), `case ${n} (seed ${seed}): forwarding ${forwarding} via ${via}, accept_ra ${acceptRa}: kernel ${got ? 'took' : 'ignored'} the RA`);
    const slaac = interfacesFromIpAddr(JSON.parse(node.ip('-j', 'addr', 'show', 'dev', 'up0')))[0]!.addresses.find(isSlaac);
    assert.ok(slaac?.validLifetime !== undefined, `case ${n}: up0 has a SLAAC address with a lifetime (${JSON.stringify(slaac)})`);
    assert.equal(slaac.validLifetime <= 80000, got, `case ${n}: the SLAAC address's valid lifetime is ${slaac.validLifetime} s after an RA the kernel ${got ? 'took' : 'ignored'}`);
    seen.set(`${got ? 'taken' : 'ignored'}${forwarding && acceptRa === 1 ? ' (the trap)' : ''}`, (seen.get(`${got ? 'taken' : 'ignored'}${forwarding && acceptRa === 1 ? ' (the trap)' : ''}`) ?? 0) + 1);

    // The rule on what collect records, for the first cases and the trap (a collection is the slow part).
    if (n >= 2 && !(forwarding === 1 && acceptRa === 1) && n % 4 !== 0) continue;
    const c = hostnet(['collect', '--netns', node.name]);
    assert.equal(c.code, 0, c.stderr);
    const host = buildHost(SnapshotSchema.parse(JSON.parse(c.stdout)));
    const found = forwardingIgnoresRa.check(host).filter((f) => f.interface === 'up0');
    assert.equal(found.length, forwarding === 1 && acceptRa === 1 ? 1 : 0, `case ${n}: forwarding ${forwarding}, accept_ra ${acceptRa}: ${found.map((f) => f.message).join('; ')}`);
    if (found[0]) assert.ok(found[0].evidence.some((e) => e.message.startsWith(`SLAAC address from a router advertisement's prefix: ${slaac.local}/64`)), `case ${n}: the SLAAC address is evidence`);
    const fix = found[0]?.fixes[0];
    if (!fix) continue;
    // The fix's file, loaded for real in the namespace; the next RA must be taken again.
    const file = join(tmp, 'accept-ra.conf');
    writeFileSync(file, fix.files[0]!.content);
    node.exec('sysctl', '-q', '-p', file);
    assert.ok(sendRa(), `case ${n}: after ${fix.files[0]!.path} the RA is still ignored`);
    seen.set('fix applied', (seen.get('fix applied') ?? 0) + 1);
  }
  t.diagnostic(`coverage: ${[...seen].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const k of ['taken', 'ignored', 'ignored (the trap)', 'fix applied']) assert.ok((seen.get(k) ?? 0) > 0, `coverage: no case "${k}" (seed ${seed})`);
});

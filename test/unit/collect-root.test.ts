// `collect --root DIR`: configuration files and the systemd version come from below the root
// (a mounted image), masks are recorded as masks, and what is missing is a gap, not a failure.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hostnet } from '../helpers/system.js';

test('collect --root reads .link files, drop-ins and masks below the root, and the systemd version from its library', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'hostnet-root-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'usr/lib/systemd/network'), { recursive: true });
  mkdirSync(join(root, 'etc/systemd/network/99-default.link.d'), { recursive: true });
  writeFileSync(join(root, 'usr/lib/systemd/libsystemd-shared-249.so'), '');
  writeFileSync(join(root, 'usr/lib/systemd/network/99-default.link'), '[Match]\nOriginalName=*\n[Link]\nMACAddressPolicy=persistent\n');
  writeFileSync(join(root, 'etc/systemd/network/99-default.link.d/mac.conf'), '[Link]\nMACAddressPolicy=none\n');
  symlinkSync('/dev/null', join(root, 'etc/systemd/network/73-usb-net-by-mac.link'));
  writeFileSync(join(root, 'etc/systemd/network/50-empty.link'), '');
  writeFileSync(join(root, 'etc/machine-id'), '0123456789abcdef0123456789abcdef\n');
  const r = hostnet(['collect', '--root', root]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.host.systemdVersion, 249);
  assert.equal(s.host.machineId, '0123456789abcdef0123456789abcdef');
  assert.equal(s.scope.root, root);
  const byPath = new Map<string, unknown>(s.files.map((f: { path: string }) => [f.path, f]));
  assert.match((byPath.get('/usr/lib/systemd/network/99-default.link') as { content: string }).content, /persistent/);
  assert.match((byPath.get('/etc/systemd/network/99-default.link.d/mac.conf') as { content: string }).content, /none/);
  assert.deepEqual(byPath.get('/etc/systemd/network/73-usb-net-by-mac.link'), { path: '/etc/systemd/network/73-usb-net-by-mac.link', content: null, mask: 'dev-null', role: null });
  assert.equal((byPath.get('/etc/systemd/network/50-empty.link') as { mask: string }).mask, 'empty');
  assert.ok([...byPath.keys()].every((p) => !p.startsWith(root)), 'paths are recorded as on the analysed host');
});

test('collect --root of an empty directory records gaps and still succeeds', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'hostnet-root-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const r = hostnet(['collect', '--root', root]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.host.systemdVersion, null);
  assert.ok(s.gaps.some((g: { source: string }) => g.source === 'systemd version'));
  assert.ok(s.gaps.some((g: { source: string; reason: string }) => g.source.endsWith('/etc/machine-id') && g.reason === 'not-found'));
});

test('collect --root records NetworkManager\'s and firewalld\'s configuration and the unit links that enable or mask them; check reads them', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'hostnet-root-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const d of ['etc/NetworkManager/conf.d', 'usr/lib/NetworkManager/conf.d', 'etc/firewalld', 'usr/lib/systemd/system', 'etc/systemd/system/timers.target.wants', 'etc/systemd/system/multi-user.target.wants']) {
    mkdirSync(join(root, d), { recursive: true });
  }
  writeFileSync(join(root, 'etc/NetworkManager/NetworkManager.conf'), '[main]\nplugins=keyfile\n');
  writeFileSync(join(root, 'etc/NetworkManager/conf.d/calico.conf'), '[keyfile]\nunmanaged-devices=interface-name:cali*\n');
  writeFileSync(join(root, 'usr/lib/NetworkManager/conf.d/00-server.conf'), '[main]\nno-auto-default=*\n');
  writeFileSync(join(root, 'etc/firewalld/firewalld.conf'), 'FirewallBackend=iptables\nFlushAllOnReload=yes\n');
  writeFileSync(join(root, 'usr/lib/systemd/system/nm-cloud-setup.timer'), '[Timer]\nOnBootSec=5min\n');
  writeFileSync(join(root, 'usr/lib/systemd/system/firewalld.service'), '[Service]\nExecStart=/usr/sbin/firewalld\n');
  // Absolute links, as systemctl enable makes them: they point into the image, not into this machine.
  symlinkSync('/usr/lib/systemd/system/nm-cloud-setup.timer', join(root, 'etc/systemd/system/timers.target.wants/nm-cloud-setup.timer'));
  symlinkSync('/usr/lib/systemd/system/firewalld.service', join(root, 'etc/systemd/system/multi-user.target.wants/firewalld.service'));
  symlinkSync('/dev/null', join(root, 'etc/systemd/system/NetworkManager.service'));
  const r = hostnet(['collect', '--root', root]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { files: { path: string; content: string | null; mask: string | null }[]; commands: { argv: string[] }[] };
  const byPath = new Map(s.files.map((f) => [f.path, f]));
  for (const p of ['/etc/NetworkManager/NetworkManager.conf', '/etc/NetworkManager/conf.d/calico.conf', '/usr/lib/NetworkManager/conf.d/00-server.conf', '/etc/firewalld/firewalld.conf']) {
    assert.ok(byPath.get(p)?.content, `${p} is recorded`);
  }
  assert.match(byPath.get('/etc/systemd/system/timers.target.wants/nm-cloud-setup.timer')!.content!, /OnBootSec/);
  assert.equal(byPath.get('/etc/systemd/system/NetworkManager.service')!.mask, 'dev-null');
  assert.deepEqual(s.commands, [], 'systemctl and iptables answer for this machine only, not for a root');
});

// The libvirt XML hostnet writes as a fix (a <qemu:override> giving virtio NICs speed and duplex, or
// the e1000 model) is valid against libvirt's own domain schema, checked with virt-xml-validate
// (Debian: apt-get install libvirt-clients libxml2-utils).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { buildHost } from '../../src/model/host.js';
import { runChecks } from '../../src/rules/engine.js';
import { virtioInLacpBond } from '../../src/rules/libvirt/virtio-in-lacp-bond.js';
import { parseSnapshot } from '../../src/snapshot/load.js';
import { requireTools } from '../helpers/system.js';

const EX = fileURLToPath(new URL('../../examples/lab-lacp/', import.meta.url));

function validate(dir: string, name: string, xml: string): { ok: boolean; message: string } {
  const path = join(dir, name);
  writeFileSync(path, xml);
  const r = spawnSync('virt-xml-validate', [path, 'domain'], { encoding: 'utf8' });
  return { ok: r.status === 0, message: `${r.stdout}${r.stderr}`.trim() };
}

test('the libvirt fixes validate against libvirt\'s domain schema', (t) => {
  if (!requireTools(t, ['virt-xml-validate', 'xmllint'], ['libvirt-clients', 'libxml2-utils'])) return;
  const dir = mkdtempSync(join(tmpdir(), 'hn-bridge-virt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const snap = parseSnapshot(readFileSync(join(EX, 'kvm-host-before.json'), 'utf8'), 'kvm-host-before.json');
  snap.files.push({ path: join(EX, 'intent.yaml'), content: readFileSync(join(EX, 'intent.yaml'), 'utf8'), mask: null, role: 'lab-intent' });
  const [finding] = runChecks(buildHost(snap), [virtioInLacpBond]).findings;
  assert.ok(finding);
  assert.equal(finding.fixes.length, 2);
  const original = snap.files.find((f) => f.path === '/etc/libvirt/qemu/t5_server1.xml')!.content!;
  assert.equal(validate(dir, 'original.xml', original).ok, true);
  finding.fixes.forEach((fix, n) => {
    const v = validate(dir, `fix${n}.xml`, fix.files[0]!.content);
    assert.equal(v.ok, true, `${fix.title}: ${v.message}`);
  });
  // The validator does tell a wrong override from a right one.
  const wrong = finding.fixes[0]!.files[0]!.content.replace("type='unsigned'", "type='speedy'");
  assert.equal(validate(dir, 'wrong.xml', wrong).ok, false);
});

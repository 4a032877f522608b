// Applying fixes safely: atomic, never over a foreign file, and undone to the byte.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { InputError } from '../../src/errors.js';
import { applyFiles, MARKER, undoLast, withMarker } from '../../src/fix/apply.js';
import { hostnet } from '../helpers/system.js';

function tempRoot(t: { after: (fn: () => void) => void }): string {
  const root = mkdtempSync(join(tmpdir(), 'hostnet-fix-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

/** Every file below root with its bytes and mode, and every directory. */
function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) {
        out[`${relative(root, p)}/`] = 'dir';
        walk(p);
      } else out[relative(root, p)] = `${(st.mode & 0o777).toString(8)} ${readFileSync(p, 'base64')}`;
    }
  };
  walk(root);
  return out;
}

const link = (name: string, body = '[Match]\nDriver=tun\n[Link]\nNamePolicy=keep\nMACAddressPolicy=none\n') =>
  withMarker({ path: `/etc/systemd/network/${name}`, content: body }, 'test');

test('apply then undo restores every byte, removing what it created', (t) => {
  const root = tempRoot(t);
  mkdirSync(join(root, 'etc/systemd/network'), { recursive: true });
  writeFileSync(join(root, 'etc/systemd/network/99-other.link'), '[Match]\nOriginalName=*\n');
  const before = tree(root);
  applyFiles([link('10-hostnet-a.link'), link('11-hostnet-b.link')], { root });
  assert.ok(readFileSync(join(root, 'etc/systemd/network/10-hostnet-a.link'), 'utf8').startsWith(MARKER));
  assert.notDeepEqual(tree(root), before);
  const undone = undoLast({ root });
  assert.deepEqual(undone.removed.sort(), ['/etc/systemd/network/10-hostnet-a.link', '/etc/systemd/network/11-hostnet-b.link']);
  assert.deepEqual(tree(root), before);
});

test('a second apply over hostnet\'s own file is undone to the first version', (t) => {
  const root = tempRoot(t);
  applyFiles([link('10-hostnet-a.link', 'first\n')], { root });
  const afterFirst = tree(root);
  applyFiles([link('10-hostnet-a.link', 'second\n')], { root });
  assert.match(readFileSync(join(root, 'etc/systemd/network/10-hostnet-a.link'), 'utf8'), /second/);
  undoLast({ root });
  assert.deepEqual(tree(root), afterFirst);
  undoLast({ root });
  assert.deepEqual(tree(root), {});
  assert.throws(() => undoLast({ root }), /nothing to undo/);
});

test('a file with the same name that hostnet did not write is never overwritten, and nothing is written', (t) => {
  const root = tempRoot(t);
  mkdirSync(join(root, 'etc/systemd/network'), { recursive: true });
  writeFileSync(join(root, 'etc/systemd/network/10-hostnet-b.link'), 'mine\n');
  const before = tree(root);
  assert.throws(() => applyFiles([link('10-hostnet-a.link'), link('10-hostnet-b.link')], { root }),
    (e: unknown) => e instanceof InputError && /was not written by hostnet: not overwritten/.test(e.message));
  assert.deepEqual(tree(root), before);
});

test('undo refuses a file changed since hostnet wrote it, unless forced', (t) => {
  const root = tempRoot(t);
  applyFiles([link('10-hostnet-a.link')], { root });
  writeFileSync(join(root, 'etc/systemd/network/10-hostnet-a.link'), `${MARKER}\nedited by hand\n`);
  assert.throws(() => undoLast({ root }), /was changed after hostnet wrote it/);
  undoLast({ root, force: true });
  assert.equal(existsSync(join(root, 'etc/systemd/network/10-hostnet-a.link')), false);
});

test('a failure between write and rename leaves no partial file and no temporary', (t) => {
  const root = tempRoot(t);
  mkdirSync(join(root, 'etc/systemd/network'), { recursive: true });
  let calls = 0;
  assert.throws(() => applyFiles([link('10-hostnet-a.link')], {
    root,
    beforeRename: (tmp) => {
      // The journal is renamed first; fail on the .link file.
      if (++calls === 2) {
        assert.ok(existsSync(tmp));
        throw new Error('simulated crash');
      }
    },
  }), /simulated crash/);
  assert.deepEqual(readdirSync(join(root, 'etc/systemd/network')), []);
});

test('a process killed between write and rename leaves no target file; the next apply cleans up', (t) => {
  const root = tempRoot(t);
  const script = `
    import { applyFiles, withMarker } from ${JSON.stringify(fileURLToPath(new URL('../../src/fix/apply.ts', import.meta.url)))};
    let n = 0;
    applyFiles([withMarker({ path: '/etc/systemd/network/10-hostnet-a.link', content: 'x\\n' }, 't')],
      { root: ${JSON.stringify(root)}, beforeRename: () => { if (++n === 2) process.kill(process.pid, 'SIGKILL'); } });`;
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script]);
  assert.equal(r.signal, 'SIGKILL');
  const dir = join(root, 'etc/systemd/network');
  assert.equal(existsSync(join(dir, '10-hostnet-a.link')), false, 'no target file');
  assert.ok(readdirSync(dir).every((n) => !n.endsWith('.link') && !n.endsWith('.network')), 'the temporary is invisible to udevd');
  applyFiles([link('10-hostnet-a.link')], { root });
  assert.deepEqual(readdirSync(dir), ['10-hostnet-a.link']);
});

test('property: any sequence of applies, then as many undos, restores the tree exactly', (t) => {
  const root = tempRoot(t);
  mkdirSync(join(root, 'etc/systemd/network'), { recursive: true });
  writeFileSync(join(root, 'etc/systemd/network/99-default.link'), '[Match]\nOriginalName=*\n');
  const names = ['10-hostnet-a.link', '10-hostnet-b.link', '05-hostnet-c.link'];
  fc.assert(
    fc.property(fc.array(fc.array(fc.record({ name: fc.constantFrom(...names), body: fc.string() }), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }), (applies) => {
      const before = tree(root);
      for (const files of applies) {
        const unique = [...new Map(files.map((f) => [f.name, f])).values()];
        applyFiles(unique.map((f) => link(f.name, f.body)), { root });
      }
      for (let n = 0; n < applies.length; n++) undoLast({ root });
      assert.deepEqual(tree(root), before);
    }),
    { numRuns: 60 },
  );
});

test('the lab\'s fixes write the one libvirt hook: applied executable, #! first, the marker second, undone', (t) => {
  const root = tempRoot(t);
  const lab = fileURLToPath(new URL('../../examples/lab-lacp/', import.meta.url));
  const out = hostnet(['fix', '--snapshot', join(lab, 'kvm-host-before.json'), '--input', `lab-intent=${join(lab, 'intent.yaml')}`,
    '--rule', 'bridge/l2-control-blocked', '--format', 'json']);
  assert.equal(out.code, 1, out.stderr);
  const { fixes, files } = JSON.parse(out.stdout) as { fixes: unknown[]; files: { path: string; content: string }[] };
  assert.equal(fixes.length, 11);
  assert.deepEqual(files.map((f) => f.path), ['/etc/libvirt/hooks/qemu.d/hostnet-group-fwd-mask'], 'eleven fixes, one file');
  const before = tree(root);
  applyFiles(files, { root });
  const path = join(root, files[0]!.path);
  const lines = readFileSync(path, 'utf8').split('\n');
  assert.equal(lines[0], '#!/bin/sh');
  assert.ok(lines[1]!.startsWith(MARKER), lines[1]);
  assert.equal(statSync(path).mode & 0o111, 0o111, 'libvirt runs the hook by its path');
  assert.equal(lines.filter((l) => l.startsWith('open_ports ')).length, 11, 'one line per blocked bridge');
  // Applying again goes over hostnet's own file: the marker is found after the #! line.
  applyFiles(files, { root });
  undoLast({ root });
  undoLast({ root });
  assert.deepEqual(tree(root), before);
});

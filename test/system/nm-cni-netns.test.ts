// nm/manages-cni on devices the kernel really has: Calico's VXLAN and IPIP devices and a pod veth are
// created in a throw-away namespace, collected with a NetworkManager configuration below --root, and
// checked: the VTEP and tunl0 (UP, with addresses) are reported, the veth (no address) is not; with the
// fix's file in the root the finding goes.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hostnetArgv, netns, requireRealSystem, sh } from '../helpers/system.js';

test('Calico devices in a namespace: NetworkManager would take over the UP ones with addresses; the fix clears it', (t) => {
  if (!requireRealSystem(t, { tools: ['ip'] })) return;
  const ns = netns(t, 'hn-nm');
  ns.ip('link', 'add', 'vxlan.calico', 'type', 'vxlan', 'id', '4096', 'dstport', '4789');
  ns.ip('addr', 'add', '192.168.5.1/32', 'dev', 'vxlan.calico');
  ns.ip('link', 'set', 'vxlan.calico', 'up');
  ns.ip('link', 'add', 'cali0a1b2c3d4e', 'type', 'veth', 'peer', 'name', 'eth0pod');
  ns.ip('link', 'set', 'cali0a1b2c3d4e', 'up');
  // tunl0 appears with the ipip module; give it an address as Calico's IPIP mode does.
  const ipip = (() => { try { ns.ip('link', 'add', 'name', 'tunl9', 'type', 'ipip'); return true; } catch { return false; } })();
  if (ipip) {
    ns.ip('addr', 'add', '192.168.5.2/32', 'dev', 'tunl0');
    ns.ip('link', 'set', 'tunl0', 'up');
  }
  const root = mkdtempSync(join(tmpdir(), 'hostnet-nm-root-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'etc/NetworkManager/conf.d'), { recursive: true });
  writeFileSync(join(root, 'etc/NetworkManager/NetworkManager.conf'), '[main]\nplugins=keyfile\n');
  const check = () => {
    const argv = hostnetArgv(['check', '--root', root, '--no-kube', '--format', 'json']);
    const r = spawnJson(['ip', 'netns', 'exec', ns.name, ...argv]);
    return r.findings.filter((f) => f.ruleId === 'nm/manages-cni');
  };
  const found = check();
  assert.deepEqual(found.map((f) => f.interface).sort(), ipip ? ['tunl0', 'vxlan.calico'] : ['vxlan.calico']);
  const fix = found[0]!.fixes[0]!;
  assert.equal(fix.verified, true);
  writeFileSync(join(root, fix.files[0]!.path.slice(1)), fix.files[0]!.content);
  assert.deepEqual(check(), []);
});

interface JsonFinding { ruleId: string; interface: string; fixes: { files: { path: string; content: string }[]; verified: boolean }[] }

function spawnJson(argv: string[]): { findings: JsonFinding[] } {
  try {
    return JSON.parse(sh(argv));
  } catch (err) {
    // check exits 1 when it finds something: its stdout is still the report.
    const e = err as { stdout?: string };
    if (e.stdout) return JSON.parse(e.stdout);
    throw err;
  }
}

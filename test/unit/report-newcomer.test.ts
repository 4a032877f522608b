/**
 * What a newcomer reads: the text report prints a file that several findings' fixes write once, and
 * the HTML report tells same-named nodes apart, shows the MACs of the Calico/VPP MAC trap, links rule
 * ids to their pages and leaks no internal field names or scenario notes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { renderText } from '../../src/render/text.js';
import type { Report } from '../../src/rules/engine.js';
import type { Finding } from '../../src/rules/types.js';
import { hostnet } from '../helpers/system.js';
import { syntheticSnapshot } from './report-synthetic.js';

function finding(iface: string, hook: string, command: string): Finding {
  return {
    ruleId: 'bridge/l2-control-blocked', severity: 'error', message: `blocked on ${iface}`, interface: iface, evidence: [],
    fixes: [{ title: 'a hook', files: [{ path: '/etc/hook', content: hook }], commands: [command], verified: true }],
  };
}

test('text: a file several fixes write alike is printed once, with the findings it fixes; JSON keeps every copy', () => {
  fc.assert(fc.property(fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 8 }), (contents) => {
    const findings = contents.map((content, i) => finding(`vnet${i}`, `#!/bin/sh\n# ${content}\n`, `ip link set vnet${i} up`));
    const report: Report = { findings, rulesRun: ['bridge/l2-control-blocked'], diagnostics: [], gaps: [] };
    const text = renderText(report, { color: false, source: 'test' });
    for (const content of new Set(contents)) {
      const users = contents.filter((c) => c === content).length;
      // Each distinct body appears once in the output, whether shared or not.
      assert.equal(text.split(`# ${content}\n`).length - 1, 1, text);
      if (users > 1) assert.match(text, new RegExp(`file [A-Z]+ for ${users} findings: `));
    }
    // Every command is still printed with its own finding.
    contents.forEach((_, i) => assert.ok(text.includes(`$ ip link set vnet${i} up`)));
  }));
});

test('report: nodes with the same host name are told apart by their file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hn-same-names-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const n of [1, 2, 3]) writeFileSync(join(dir, `vm${n}.json`), JSON.stringify(syntheticSnapshot({ hostname: 'localhost', veths: n })));
  const r = hostnet(['report', '--snapshots', dir]);
  assert.ok([0, 1].includes(r.code), r.stderr);
  const names = [...r.stdout.matchAll(/<section class="node" id="[^"]+" data-node="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(names, [1, 2, 3].map((n) => `localhost (vm${n}.json)`));
});

test('report: the Calico/VPP node shows the tap MAC against the MAC VPP sends to; no internal names, right plurals, rule links', () => {
  const r = hostnet(['report', '--snapshot', 'examples/calico-vpp-broken/snapshot.json']);
  assert.equal(r.code, 1, r.stderr);
  const page = r.stdout;
  assert.match(page, /<g class="iface role-vpp-tap[^>]*data-iface="enp216s0f1"[\s\S]*?<text class="mac wrong"[^>]*>a6:13:4d:6b:3f:97 ≠ VPP<\/text>/);
  assert.match(page, /<text class="mac"[^>]*>to tap 52:54:00:40:46:8e<\/text>/);
  assert.doesNotMatch(page, /expectedMac|[a-z]+Mac = |seeds? ?\/?0\d\d/);
  assert.doesNotMatch(page, /class="sev sev-\w+">(?:[02-9]|\d\d+) (?:error|warning|note)</, 'plural counts say "errors"');
  assert.match(page, /<a href="file:\/\/[^"]+\/docs\/rules\/vpp-tap-mac\.md"><code>vpp\/tap-mac<\/code><\/a>/);
});

test('report --input adds the lab intent to the snapshot, as check does', () => {
  const without = hostnet(['report', '--snapshot', 'examples/lab-lacp/kvm-host-before.json']);
  const withIntent = hostnet(['report', '--snapshot', 'examples/lab-lacp/kvm-host-before.json', '--input', 'lab-intent=examples/lab-lacp/intent.yaml']);
  assert.equal(withIntent.code, 1, withIntent.stderr);
  const count = (page: string): number => [...page.matchAll(/data-rule="bridge\/l2-control-blocked"/g)].length;
  assert.ok(count(withIntent.stdout) > count(without.stdout), 'the intent shows the blocked wires');
  const check = hostnet(['check', '--snapshot', 'examples/lab-lacp/kvm-host-before.json', '--input', 'lab-intent=examples/lab-lacp/intent.yaml', '--format', 'json']);
  const ids = (JSON.parse(check.stdout) as { findings: Finding[] }).findings.map((f) => f.ruleId).sort();
  const inPage = [...withIntent.stdout.matchAll(/<li class="finding[^"]*" id="[^"]+" data-rule="([^"]+)"/g)].map((m) => m[1]!).sort();
  assert.deepEqual(inPage, ids);
});

test('text: fixes the findings of one rule share are printed once; each finding keeps its own commands', () => {
  fc.assert(fc.property(fc.array(fc.record({ bridge: fc.boolean(), shared: fc.boolean() }), { minLength: 2, maxLength: 9 }), (shapes) => {
    const findings: Finding[] = shapes.map((s, i) => ({
      ruleId: 'bridge/l2-control-blocked', severity: 'error', message: `blocked on br${i}`, interface: `br${i}`, evidence: [{ message: `evidence ${i}` }],
      fixes: [
        { title: 'per-port masks', files: [], commands: [`ip link set dev vnet${i} mask`, ...(s.shared ? ['chmod 755 hook'] : [])], verified: true },
        ...(s.bridge ? [{ title: 'the bridge mask', files: [], commands: [`ip link set dev br${i} mask`] }] : []),
      ],
    }));
    const text = renderText({ findings, rulesRun: [], diagnostics: [], gaps: [] }, { color: false, source: 'test' });
    const count = (needle: string) => text.split(needle).length - 1;
    const own = (i: number) => text.slice(text.indexOf(`blocked on br${i}`), i + 1 < shapes.length ? text.indexOf(`blocked on br${i + 1}`) : text.indexOf('The fixes of'));
    shapes.forEach((s, i) => {
      assert.equal(count(`$ ip link set dev vnet${i} mask\n`), 1);
      assert.ok(own(i).includes(`$ ip link set dev vnet${i} mask`), `finding ${i} lists its own command`);
      assert.equal(own(i).includes(`$ ip link set dev br${i} mask`), s.bridge);
    });
    const withBridge = shapes.filter((s) => s.bridge).length;
    // A title at least two findings offer is printed once, in the shared part; else with its finding.
    assert.equal(count('per-port masks'), 1);
    assert.equal(count('the bridge mask'), withBridge === 0 ? 0 : 1);
    assert.equal(count('fix 1 (described below)'), shapes.length);
    // A command every use has is shared; one only some have stays with them.
    const allShared = shapes.every((s) => s.shared);
    assert.equal(count('$ chmod 755 hook'), allShared ? 1 : shapes.filter((s) => s.shared).length);
    assert.equal(count('docs: docs/rules/bridge-l2-control-blocked.md'), 1);
  }));
});

/** `hostnet report` and `hostnet check --npd / --format junit` from the command line: exit codes, files, errors. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { XMLValidator } from 'fast-xml-parser';
import { buildHost } from '../../src/model/host.js';
import { atOrAbove, runChecks } from '../../src/rules/engine.js';
import { ALL_RULES } from '../../src/rules/index.js';
import { hostnet } from '../helpers/system.js';
import { syntheticSnapshot } from './report-synthetic.js';

test('report: a directory of snapshots to HTML and JUnit, other JSON skipped, broken snapshots listed with exit 2', { timeout: 120_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hn-report-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fleet = join(dir, 'fleet');
  mkdirSync(join(fleet, 'rack1'), { recursive: true });
  const snaps = [syntheticSnapshot({ hostname: 'n1' }), syntheticSnapshot({ hostname: 'n2', veths: 30 })];
  writeFileSync(join(fleet, 'n1.json'), JSON.stringify(snaps[0]));
  writeFileSync(join(fleet, 'rack1', 'n2.json'), JSON.stringify(snaps[1]));
  writeFileSync(join(fleet, 'trace.json'), JSON.stringify({ schema: 'hostnet.trace/v1', steps: [] }));
  const firing = snaps.some((s) => atOrAbove(runChecks(buildHost(s), ALL_RULES).findings, 'warning').length > 0);

  const html = join(dir, 'fleet.html');
  const ok = hostnet(['report', '--snapshots', fleet, '-o', html]);
  assert.equal(ok.code, firing ? 1 : 0, ok.stderr);
  assert.match(ok.stderr, /skipped 1 JSON file\(s\) that are not snapshots/);
  const page = readFileSync(html, 'utf8');
  assert.equal([...page.matchAll(/<section class="node"/g)].length, 2);
  assert.match(page, /<title>hostnet report: 2 nodes<\/title>/);

  const junit = hostnet(['report', '--snapshots', fleet, '--format', 'junit']);
  assert.equal(XMLValidator.validate(junit.stdout), true);
  assert.equal([...junit.stdout.matchAll(/<testsuite /g)].length, 2);
  assert.equal([...junit.stdout.matchAll(/<testcase /g)].length, 2 * ALL_RULES.length);

  writeFileSync(join(fleet, 'n3.json'), '{"schema": "hostnet.snapshot/v1"}');
  const broken = hostnet(['report', '--snapshots', fleet, '-o', html]);
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /n3\.json: invalid snapshot/);
  assert.match(readFileSync(html, 'utf8'), /Could not be evaluated/);

  const none = hostnet(['report', '--snapshots', join(dir, 'nope')]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /nope: cannot read snapshot directory: no such file or directory/);
  assert.doesNotMatch(none.stderr, /\n\s+at /, 'no stack trace');
  const nothing = hostnet(['report']);
  assert.equal(nothing.code, 2);
  assert.match(nothing.stderr, /no snapshots given/);
});

test('check --npd prints one line with NPD\'s exit codes; check --format junit is JUnit', { timeout: 120_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hn-npd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'n1.json');
  const snap = syntheticSnapshot({ hostname: 'n1' });
  writeFileSync(file, JSON.stringify(snap));
  const firing = atOrAbove(runChecks(buildHost(snap), ALL_RULES).findings, 'warning').length > 0;
  const r = hostnet(['check', '--npd', '--snapshot', file]);
  assert.equal(r.code, firing ? 1 : 0);
  assert.match(r.stdout, firing ? /^NonOK: \d+ host-networking trap/ : /^OK: no host-networking trap at or above warning/);
  assert.equal(r.stdout.split('\n').length, 2, 'exactly one line');
  const bad = hostnet(['check', '--npd', '--snapshot', join(dir, 'missing.json')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stdout, /^Unknown: hostnet could not check this node: .*missing\.json: cannot read snapshot: no such file or directory\n$/);
  const junit = hostnet(['check', '--format', 'junit', '--snapshot', file]);
  assert.equal(junit.code, firing ? 1 : 0);
  assert.equal(XMLValidator.validate(junit.stdout), true);
  assert.match(junit.stdout, new RegExp(`<testsuite name="${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}" tests="${ALL_RULES.length}"`));
});

// SARIF output validates against the official SARIF 2.1.0 schema and points at file and line.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { buildHost } from '../../src/model/host.js';
import { renderSarif } from '../../src/render/sarif.js';
import { runChecks } from '../../src/rules/engine.js';
import type { Rule } from '../../src/rules/types.js';
import { parseSnapshot } from '../../src/snapshot/load.js';

const require = createRequire(import.meta.url);
// CommonJS packages whose default export TypeScript cannot see through NodeNext: load them plainly.
const Ajv = require('ajv-draft-04') as typeof import('ajv-draft-04').default;
const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;
const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
// The official schema has a pattern that is valid only without the `u` flag.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

const snapshot = parseSnapshot(readFileSync(new URL('../fixtures/snapshots/minimal.json', import.meta.url), 'utf8'), 'minimal.json');

// A rule made for this test: one finding per tap, with file evidence and a fix that writes a file.
const tapRule: Rule = {
  meta: { id: 'test/tap-seen', title: 'A tap exists', severity: 'warning', references: ['seed 000'] },
  check: (host) => host.interfaces.filter((i) => i.kindData.type === 'tap').map((i) => ({
    ruleId: 'test/tap-seen', severity: 'warning', interface: i.name, message: `tap ${i.name} exists`,
    evidence: [
      { message: 'policy', file: '/usr/lib/systemd/network/99-default.link', line: 7, interface: i.name },
      { message: 'the tap', interface: i.name, field: 'mac', value: i.mac ?? '' },
    ],
    fixes: [{ title: 'a file', files: [{ path: '/etc/systemd/network/10-x.link', content: '[Match]\nDriver=tun\n' }], commands: ['udevadm control --reload'] }],
  })),
};
const noteRule: Rule = {
  meta: { id: 'test/note', title: 'Always a note without a file', severity: 'note', references: [] },
  check: () => [{ ruleId: 'test/note', severity: 'note', message: 'just a note', evidence: [], fixes: [] }],
};

test('SARIF validates against the official 2.1.0 schema, with and without findings', () => {
  const host = buildHost(snapshot);
  for (const rules of [[tapRule, noteRule], []]) {
    const report = runChecks(host, rules, {}, [{ where: 'cm.yaml:3', message: 'unreadable' }]);
    const sarif = JSON.parse(renderSarif(report, rules.map((r) => r.meta)));
    assert.ok(validate(sarif), JSON.stringify(validate.errors, null, 1));
  }
  // The validator is not a rubber stamp: a level SARIF does not know is refused.
  const bad = JSON.parse(renderSarif(runChecks(host, [tapRule]), [tapRule.meta]));
  bad.runs[0].results[0].level = 'fatal';
  assert.equal(validate(bad), false);
});

test('SARIF results point at the .link file and line and name the interface', () => {
  const report = runChecks(buildHost(snapshot), [tapRule, noteRule]);
  const run = JSON.parse(renderSarif(report, [tapRule.meta, noteRule.meta])).runs[0];
  const r = run.results.find((x: { ruleId: string }) => x.ruleId === 'test/tap-seen');
  assert.equal(r.level, 'warning');
  assert.equal(r.locations[0].physicalLocation.artifactLocation.uri, 'file:///usr/lib/systemd/network/99-default.link');
  assert.equal(r.locations[0].physicalLocation.region.startLine, 7);
  assert.equal(r.locations[0].logicalLocations[0].name, 'ens2f0');
  assert.equal(r.fixes[0].artifactChanges[0].artifactLocation.uri, 'file:///etc/systemd/network/10-x.link');
  assert.equal(run.tool.driver.rules[r.ruleIndex].id, 'test/tap-seen');
  assert.equal(run.results.find((x: { ruleId: string }) => x.ruleId === 'test/note').level, 'note');
});

// Every rule is registered once, has a stable id of the form area/name, and a documentation page
// with the sections the project asks for.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ALL_RULES } from '../../src/rules/index.js';

test('rule ids are unique and of the form area/name', () => {
  const ids = ALL_RULES.map((r) => r.meta.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[a-z0-9]+\/[a-z0-9-]+$/);
});

test('every rule has its page under docs/rules, naming the rule', () => {
  for (const rule of ALL_RULES) {
    const page = new URL(`../../docs/rules/${rule.meta.id.replace('/', '-')}.md`, import.meta.url);
    assert.ok(existsSync(page), `docs/rules/${rule.meta.id.replace('/', '-')}.md is missing`);
    const text = readFileSync(page, 'utf8');
    assert.ok(text.includes(rule.meta.id), `${rule.meta.id}: the page does not name the rule`);
    assert.match(text, /^## (Fix|Fixes|How to fix)/m, `${rule.meta.id}: the page has no Fix section`);
    assert.ok(rule.meta.references.length > 0, `${rule.meta.id}: no references`);
  }
});

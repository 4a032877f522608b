/**
 * The HTML page, the diagram, JUnit and NPD output, rendered from synthetic hosts with a test rule so
 * every expectation is computed from the input, and checked with an XML parser where the output is XML.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { buildHost } from '../../src/model/host.js';
import { renderDiagram } from '../../src/render/html-diagram.js';
import { renderHtml, type HtmlNode } from '../../src/render/html.js';
import { renderJunit } from '../../src/render/junit.js';
import { renderNpd, renderNpdUnknown } from '../../src/render/npd.js';
import { runChecks } from '../../src/rules/engine.js';
import type { Rule } from '../../src/rules/types.js';
import { NOTE_RULE, syntheticSnapshot, TRAP_RULE } from './report-synthetic.js';

const RULES: Rule[] = [TRAP_RULE, NOTE_RULE];

function node(name: string, traps: string[], veths = 4): HtmlNode {
  const host = buildHost(syntheticSnapshot({ hostname: name, traps, veths }));
  return { name, source: `${name}.json`, host, report: runChecks(host, RULES) };
}

const OPTIONS = { title: 'fleet <test>', rules: RULES.map((r) => r.meta), failOn: 'warning' as const, generatedAt: '2026-11-22T00:00:00Z' };

function svgs(html: string): string[] {
  return [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
}

test('the page is self-contained: no script, no external stylesheet, image or font', () => {
  const html = renderHtml([node('a', ['trap0'])], [], OPTIONS);
  assert.doesNotMatch(html, /<script|<link |<img |<iframe|url\(|@import|src=/i);
  // Links go to anchors in the page, rule references (plain anchors) and the rule pages (docs/rules/).
  for (const m of html.matchAll(/href="([^"]+)"/g)) assert.ok(m[1]!.startsWith('#') || /^https?:/.test(m[1]!) || m[1]!.startsWith('docs/rules/'), m[1]);
  assert.match(html, /^<!DOCTYPE html>/);
  assert.match(html, /<title>fleet &lt;test&gt;<\/title>/);
});

test('each node gets a diagram with every interface, its kind, and the findings marked where they are', () => {
  const n = node('a', ['trap0', 'trap1']);
  const html = renderHtml([n], [], OPTIONS);
  const [svg] = svgs(html);
  assert.ok(svg);
  assert.equal(XMLValidator.validate(svg), true);
  for (const i of n.host.interfaces) assert.match(svg, new RegExp(`data-iface="${i.name}"`), i.name);
  const roles = Object.fromEntries([...svg.matchAll(/data-iface="([^"]+)" data-role="([^"]+)"/g)].map((m) => [m[1], m[2]]));
  assert.deepEqual([roles.eth0, roles.br0, roles['vm1-tap'], roles.mvl0, roles.veth00000000, roles.lo], ['nic', 'bridge', 'tap', 'macvlan', 'veth', 'loopback']);
  const marked = [...svg.matchAll(/data-iface="([^"]+)" data-role="[^"]+" data-severity="(\w+)"/g)].map((m) => `${m[1]}:${m[2]}`).sort();
  assert.deepEqual(marked, ['trap0:error', 'trap1:error']);
  // Every marker links to a finding on the page.
  for (const m of svg.matchAll(/class="finding-marker"[^>]*|href="#([^"]+)" class="finding-marker"/g)) {
    if (m[1]) assert.match(html, new RegExp(`id="${m[1]}"`));
  }
  assert.equal([...svg.matchAll(/class="finding-marker"/g)].length, 2);
  // Ports hang under their bridge, macvlans under their NIC: an edge per port and child.
  const edges = [...svg.matchAll(/class="edge (port|child)"/g)].length;
  const expected = n.host.interfaces.filter((i) => (i.master && n.host.interface(i.master)) || (i.kind !== 'veth' && i.link && !i.linkNetns && n.host.interface(i.link))).length;
  assert.equal(edges, expected);
});

test('findings are listed with evidence and fixes, escaped', () => {
  const html = renderHtml([node('a', ['trap0'])], [], OPTIONS);
  assert.ok(html.includes('trap0 is a trap &lt;on purpose&gt; &amp; &quot;quoted&quot;'));
  assert.ok(!html.includes('<on purpose>'));
  assert.match(html, /<code>\/etc\/systemd\/network\/10-trap\.link:3<\/code> the \.link file that should rename it/);
  assert.match(html, /\$ ip link set trap0 name fixed-trap0/);
  assert.match(html, /the default route goes through the VPP host tap/); // the host-level note
});

test('a large host stays readable: alike siblings fold, findings never do', () => {
  const n = node('big', ['trap9'], 10_000);
  const { svg, shown, folded } = renderDiagram(n.host, n.report.findings, { anchor: 'x' });
  assert.ok(shown < 60, `${shown} boxes`);
  assert.equal(shown + folded, n.host.interfaces.length);
  assert.match(svg, /data-iface="trap9"[^>]*data-severity="error"/);
  assert.match(svg, /\+9995 more/);
  assert.equal(XMLValidator.validate(svg), true);
});

test('the fleet summary counts on how many nodes each rule fires', () => {
  const nodes = [node('a', ['trap0']), node('b', []), node('c', ['trap0', 'trap1'])];
  const html = renderHtml(nodes, [{ source: 'd.json', error: 'd.json: not valid JSON' }], OPTIONS);
  const row = /<tr data-rule="test\/trap-iface">([\s\S]*?)<\/tr>/.exec(html)?.[1] ?? '';
  assert.match(row, /2 of 3/);
  assert.match(row, /<td class="num">3<\/td>/);
  assert.match(row, /href="#node-a">a<\/a>, <a href="#node-c">c<\/a>/);
  assert.match(/<tr data-rule="test\/host-note">([\s\S]*?)<\/tr>/.exec(html)?.[1] ?? '', /3 of 3/);
  assert.match(html, /<b>2<\/b> with findings at or above warning/);
  assert.match(html, /<code>d\.json<\/code>: d\.json: not valid JSON/);
  for (const id of ['node-a', 'node-b', 'node-c']) assert.match(html, new RegExp(`<section class="node" id="${id}"`));
});

test('node ids stay unique and safe for any host names', () => {
  fc.assert(fc.property(fc.array(fc.string({ maxLength: 12 }), { minLength: 1, maxLength: 6 }), (names) => {
    const nodes = names.map((name) => ({ ...node('x', []), name }));
    const html = renderHtml(nodes, [], OPTIONS);
    const ids = [...html.matchAll(/<section class="node" id="([^"]+)"/g)].map((m) => m[1]!);
    assert.equal(ids.length, names.length);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^node-[a-z0-9_-]+$/);
  }), { numRuns: 50 });
});

test('JUnit: a testcase per rule and host, failures for findings at or above the threshold, well-formed for any text', () => {
  const a = node('a', ['trap0']);
  const b = node('b', []);
  const xml = renderJunit([{ name: 'a', report: a.report, skipped: ['test/other'] }, { name: 'b', report: b.report }], RULES.map((r) => r.meta), 'warning',
    [{ source: 'broken.json', error: 'broken.json:3:1: not valid JSON' }]);
  assert.equal(XMLValidator.validate(xml), true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['testsuite', 'testcase'].includes(name) }).parse(xml) as {
    testsuites: { tests: string; failures: string; errors: string; testsuite: { name: string; tests: string; failures: string; testcase: { name: string; failure?: { message: string; '#text': string }; skipped?: unknown; 'system-out'?: string; error?: unknown }[] }[] };
  };
  const root = doc.testsuites;
  assert.deepEqual([root.tests, root.failures, root.errors], ['6', '1', '1']);
  const [sa, sb, sc] = root.testsuite;
  assert.deepEqual(sa!.testcase.map((c) => c.name), ['test/trap-iface', 'test/host-note', 'test/other']);
  assert.match(sa!.testcase[0]!.failure!.message, /^1 finding: trap0 is a trap <on purpose> & "quoted"$/);
  assert.match(sa!.testcase[0]!.failure!['#text'], /docs\/rules\/test-trap-iface\.md/);
  assert.equal(sa!.testcase[1]!.failure, undefined); // a note is below the threshold
  assert.match(String(sa!.testcase[1]!['system-out']), /VPP host tap/);
  assert.ok(sa!.testcase[2]!.skipped !== undefined);
  assert.equal(sb!.failures, '0');
  assert.equal(sc!.name, 'broken.json');
  assert.ok(sc!.testcase[0]!.error);

  fc.assert(fc.property(fc.string(), fc.string(), (name, message) => {
    const report = { ...a.report, findings: [{ ...a.report.findings[0]!, message }] };
    assert.equal(XMLValidator.validate(renderJunit([{ name, report }], [], 'note')), true);
  }), { numRuns: 200 });
});

test('NPD plugin output: one line, OK/NonOK/Unknown with exit codes 0/1/2', () => {
  const clean = renderNpd(node('a', []).report, 'warning');
  assert.deepEqual(clean, { line: 'OK: no host-networking trap at or above warning (2 rules, 1 below warning)\n', exitCode: 0 });
  const firing = renderNpd(node('a', ['trap0', 'trap1', 'trap2', 'trap3']).report, 'warning');
  assert.equal(firing.exitCode, 1);
  assert.equal(firing.line, 'NonOK: 4 host-networking traps: test/trap-iface (trap0, trap1, trap2, ...)\n');
  assert.equal(renderNpd(node('a', []).report, 'note').exitCode, 1);
  const unknown = renderNpdUnknown('cannot run ip:\nENOENT');
  assert.equal(unknown.exitCode, 2);
  assert.equal(unknown.line.split('\n').length, 2);
  fc.assert(fc.property(fc.array(fc.string(), { maxLength: 40 }), (names) => {
    const report = { ...node('a', []).report, findings: names.map((n) => ({ ...TRAP_RULE.check(buildHost(syntheticSnapshot({ traps: ['trapx'] })))[0]!, interface: n, message: n })) };
    const { line } = renderNpd(report, 'warning');
    assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n') && line.length <= 201);
  }), { numRuns: 100 });
});

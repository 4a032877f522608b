/**
 * `hostnet report` rendered by a real browser: Debian's chromium, driven headless with playwright-core.
 * The page loads with the network unused, every node's diagram is visible, its boxes do not overlap,
 * the finding markers sit exactly on the interfaces `hostnet check` reports, and a full-page screenshot
 * is kept in test-artifacts/ for a person to look at.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test, type TestContext } from 'node:test';
import { chromium } from 'playwright-core';
import { buildHost } from '../../src/model/host.js';
import { runChecks } from '../../src/rules/engine.js';
import { ALL_RULES } from '../../src/rules/index.js';
import { loadSnapshotFile } from '../../src/snapshot/load.js';
import { hostnet, skipOrFail } from '../helpers/system.js';
import { syntheticSnapshot } from '../unit/report-synthetic.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));

/** Chromium from Debian, or a skip naming how to get it (a failure under CI). Never installed from here. */
function requireChromium(t: TestContext): boolean {
  return skipOrFail(t, existsSync(CHROMIUM) ? null : `needs ${CHROMIUM}: run \`npm run setup\` as root (or apt-get install chromium fonts-dejavu-core)`);
}

test('the fleet report renders in headless Chromium with visible diagrams and the findings marked', { timeout: 180_000 }, async (t) => {
  if (!requireChromium(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'hn-report-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fleet = join(dir, 'fleet');
  mkdirSync(fleet);
  // Real example snapshots where they exist, and synthetic nodes with bridges, taps, macvlans and many veths.
  for (const example of ['vpp-e810-predeploy/snapshot.json', 'cnf-macvlan/nodes/worker-1.json']) {
    if (existsSync(join(EXAMPLES, example))) copyFileSync(join(EXAMPLES, example), join(fleet, `${example.replace(/\//g, '_')}`));
  }
  for (const [n, veths] of [[1, 3], [2, 40], [3, 500]] as const) {
    writeFileSync(join(fleet, `synthetic-${n}.json`), JSON.stringify(syntheticSnapshot({ hostname: `synthetic-${n}`, veths, macvlans: n })));
  }
  writeFileSync(join(fleet, 'broken.json'), '{"schema": "hostnet.snapshot/v1", "interfaces": [');

  // What the page must mark: the interfaces the check engine reports with every rule, node by node.
  const expected = new Map<string, string[]>();
  for (const file of readdirSync(fleet).filter((f) => f !== 'broken.json').sort()) {
    const host = buildHost(loadSnapshotFile(join(fleet, file)));
    const report = runChecks(host, ALL_RULES);
    expected.set(host.snapshot.host.hostname ?? file, [...new Set(report.findings.map((f) => f.interface).filter((i): i is string => i !== undefined && host.interface(i) !== undefined))].sort());
  }

  const page = join(dir, 'fleet.html');
  const run = hostnet(['report', '--snapshots', fleet, '-o', page]);
  assert.equal(run.code, 2, 'a broken snapshot makes the exit code 2');
  assert.match(run.stderr, /broken\.json/);
  assert.ok(statSync(page).size > 1000);

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.after(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled: false });
  const tab = await context.newPage();
  const requests: string[] = [];
  tab.on('request', (r) => requests.push(r.url()));
  const response = await tab.goto(pathToFileURL(page).href, { waitUntil: 'load' });
  assert.ok(response === null || response.ok());
  assert.deepEqual(requests.filter((u) => !u.startsWith('file:')), [], 'the page fetches nothing');

  assert.match(await tab.title(), /hostnet report: 5 nodes|hostnet report: \d+ nodes/);
  assert.ok(await tab.locator('h3', { hasText: 'Could not be evaluated' }).isVisible());
  assert.ok(await tab.locator('ul.unreadable code', { hasText: 'broken.json' }).isVisible());
  const sections = tab.locator('section.node');
  assert.equal(await sections.count(), expected.size);
  for (let s = 0; s < expected.size; s++) {
    const section = sections.nth(s);
    const name = await section.getAttribute('data-node');
    const svg = section.locator('svg.diagram');
    assert.ok(await svg.isVisible(), `diagram of ${name} is visible`);
    const box = await svg.boundingBox();
    assert.ok(box && box.width > 100 && box.height > 40, `diagram of ${name} has a size`);
    // Interface boxes are drawn and do not overlap one another.
    const rects = await section.locator('svg.diagram g.iface > rect').evaluateAll((els) => els.map((e) => {
      const r = e.getBoundingClientRect();
      return { x: r.x, y: r.y, w: r.width, h: r.height };
    }));
    assert.ok(rects.length >= 2, `${name}: ${rects.length} boxes`);
    for (let a = 0; a < rects.length; a++) {
      for (let b = a + 1; b < rects.length; b++) {
        const p = rects[a]!;
        const q = rects[b]!;
        const overlap = p.x < q.x + q.w - 0.5 && q.x < p.x + p.w - 0.5 && p.y < q.y + q.h - 0.5 && q.y < p.y + p.h - 0.5;
        assert.ok(!overlap, `${name}: boxes ${a} and ${b} overlap`);
      }
    }
    const marked = (await section.locator('svg.diagram g.has-finding').evaluateAll((els) => els.map((e) => e.getAttribute('data-iface') ?? ''))).sort();
    assert.deepEqual(marked, expected.get(name ?? '') ?? [], `markers of ${name}`);
    if (marked.length > 0) {
      const marker = section.locator('svg.diagram a.finding-marker').first();
      assert.ok(await marker.isVisible());
      const target = (await marker.getAttribute('href'))!.slice(1);
      assert.ok(await tab.locator(`[id="${target}"]`).isVisible(), 'the marker links to a listed finding');
    }
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  const shot = join(ARTIFACTS, 'report-fleet.png');
  await tab.screenshot({ path: shot, fullPage: true });
  assert.ok(statSync(shot).size > 20_000, 'the screenshot has content');
  // One node alone (one with findings when there is one), at the size a reader sees it.
  const withFindings = tab.locator('section.node:has(g.has-finding)');
  await ((await withFindings.count()) > 0 ? withFindings : tab.locator('section.node')).first().screenshot({ path: join(ARTIFACTS, 'report-node.png') });
});

/** The page in headless Chromium (no script, no network), closed when the test ends. */
async function openPage(t: TestContext, page: string): Promise<import('playwright-core').Page> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  t.after(() => browser.close());
  const tab = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled: false })).newPage();
  await tab.goto(pathToFileURL(page).href, { waitUntil: 'load' });
  return tab;
}

test('the Calico/VPP diagram shows the tap MAC against the MAC VPP sends to', { timeout: 120_000 }, async (t) => {
  if (!requireChromium(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'hn-report-vpp-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const page = join(dir, 'node.html');
  const run = hostnet(['report', '--snapshot', join(EXAMPLES, 'calico-vpp-broken/snapshot.json'), '-o', page]);
  assert.equal(run.code, 1, run.stderr);
  const tab = await openPage(t, page);
  const tap = tab.locator('svg.diagram g.role-vpp-tap[data-iface="enp216s0f1"]');
  const wrong = tap.locator('text.mac.wrong');
  assert.ok(await wrong.isVisible(), 'the tap box shows its MAC');
  assert.equal(await wrong.textContent(), 'a6:13:4d:6b:3f:97 ≠ VPP');
  assert.equal(await wrong.evaluate((e) => (globalThis as unknown as { getComputedStyle: (el: typeof e) => { fill: string } }).getComputedStyle(e).fill), 'rgb(198, 40, 40)', 'in the error colour');
  const vpp = tab.locator('svg.diagram g.role-vpp text.mac');
  assert.ok(await vpp.isVisible());
  assert.equal(await vpp.textContent(), 'to tap 52:54:00:40:46:8e');
  // Both MAC lines fit inside their boxes.
  for (const [text, box] of [[wrong, tap.locator('rect')], [vpp, tab.locator('svg.diagram g.role-vpp rect')]] as const) {
    const a = (await text.boundingBox())!;
    const b = (await box.boundingBox())!;
    assert.ok(a.x >= b.x && a.x + a.width <= b.x + b.width + 0.5, 'the MAC fits in its box');
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  await tab.locator('section.node figure').first().screenshot({ path: join(ARTIFACTS, 'report-calico-vpp-macs.png') });
});

test('a fleet of same-named hosts: each node is named apart by its file', { timeout: 120_000 }, async (t) => {
  if (!requireChromium(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'hn-report-names-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fleet = join(dir, 'lab');
  mkdirSync(fleet);
  for (const n of [1, 2, 3]) writeFileSync(join(fleet, `vm${n}.json`), JSON.stringify(syntheticSnapshot({ hostname: 'localhost', veths: n + 1, macvlans: n })));
  const page = join(dir, 'fleet.html');
  const run = hostnet(['report', '--snapshots', fleet, '-o', page]);
  assert.ok([0, 1].includes(run.code), run.stderr);
  const tab = await openPage(t, page);
  const headings = await tab.locator('section.node h2').allTextContents();
  assert.equal(headings.length, 3);
  assert.equal(new Set(headings.map((h) => h.replace(/ (clean|\d+ \w+).*$/, ''))).size, 3, `distinct: ${headings.join(' | ')}`);
  [1, 2, 3].forEach((n, i) => assert.ok(headings[i]!.startsWith(`localhost (vm${n}.json)`), headings[i]));
  await tab.locator('details.nodes summary').click();
  const listed = await tab.locator('ul.node-list li a').allTextContents();
  assert.equal(new Set(listed).size, 3);
  mkdirSync(ARTIFACTS, { recursive: true });
  await tab.screenshot({ path: join(ARTIFACTS, 'report-same-names.png'), fullPage: true });
});

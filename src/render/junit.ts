/**
 * JUnit XML for CI systems: one <testsuite> per host, one <testcase> per rule (classname = the rule's
 * area), a <failure> when the rule found something at or above the threshold, findings below it in
 * <system-out>, ignored rules <skipped/>. What collection could not see goes in the suite's
 * <system-err>, so a green run that saw nothing is visible as such.
 */
import type { Report } from '../rules/engine.js';
import { SEVERITY_RANK, type Finding, type RuleMeta, type Severity } from '../rules/types.js';

export interface JunitSuite {
  /** The host (or snapshot file) the suite is about. */
  name: string;
  report: Report;
  /** Rules that were not run because they were ignored. */
  skipped?: string[];
  timestamp?: string;
}

/** A snapshot that could not be evaluated: a suite with one errored test, so CI shows it as broken. */
export interface JunitUnreadable {
  source: string;
  error: string;
}

export function renderJunit(suites: readonly JunitSuite[], rules: readonly RuleMeta[], failOn: Severity, unreadable: readonly JunitUnreadable[] = []): string {
  const titles = new Map(rules.map((r) => [r.id, r.title]));
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  let tests = 0;
  let failures = 0;
  const body: string[] = [];
  for (const suite of suites) {
    const cases: string[] = [];
    let suiteFailures = 0;
    for (const ruleId of suite.report.rulesRun) {
      const found = suite.report.findings.filter((f) => f.ruleId === ruleId);
      const firing = found.filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn]);
      const below = found.filter((f) => SEVERITY_RANK[f.severity] < SEVERITY_RANK[failOn]);
      // The name is the rule id alone: CI systems track a test's history by classname and name.
      const open = `    <testcase classname="${attr(`hostnet.${ruleId.split('/')[0] ?? ruleId}`)}" name="${attr(ruleId)}" time="0">`;
      const inner: string[] = [];
      if (firing.length > 0) {
        suiteFailures++;
        const worst = firing[0]!.severity;
        const title = titles.get(ruleId);
        const details = [...(title ? [title, ''] : []), ...firing.map(describe)].join('\n\n');
        inner.push(`      <failure type="${attr(worst)}" message="${attr(`${firing.length} finding${firing.length === 1 ? '' : 's'}: ${firing[0]!.message}`)}">${text(details)}</failure>`);
      }
      if (below.length > 0) inner.push(`      <system-out>${text(below.map(describe).join('\n\n'))}</system-out>`);
      cases.push(inner.length ? `${open}\n${inner.join('\n')}\n    </testcase>` : `${open}</testcase>`);
    }
    for (const ruleId of suite.skipped ?? []) {
      cases.push(`    <testcase classname="${attr(`hostnet.${ruleId.split('/')[0] ?? ruleId}`)}" name="${attr(ruleId)}" time="0">\n      <skipped message="ignored with --ignore"/>\n    </testcase>`);
    }
    const n = suite.report.rulesRun.length + (suite.skipped?.length ?? 0);
    tests += n;
    failures += suiteFailures;
    const gaps = suite.report.gaps.map((g) => `not seen: ${g.source} (${g.reason}): ${g.detail}`);
    const diags = suite.report.diagnostics.map((d) => `input: ${d.where}: ${d.message}`);
    body.push(`  <testsuite name="${attr(suite.name)}" tests="${n}" failures="${suiteFailures}" errors="0" skipped="${suite.skipped?.length ?? 0}"${suite.timestamp ? ` timestamp="${attr(suite.timestamp.replace(/\.\d+Z$/, '').replace(/Z$/, ''))}"` : ''} time="0">`,
      ...cases,
      ...(gaps.length + diags.length ? [`    <system-err>${text([...diags, ...gaps].join('\n'))}</system-err>`] : []),
      '  </testsuite>');
  }
  for (const u of unreadable) {
    tests++;
    body.push(`  <testsuite name="${attr(u.source)}" tests="1" failures="0" errors="1" skipped="0" time="0">`,
      `    <testcase classname="hostnet.snapshot" name="load" time="0">\n      <error type="could-not-evaluate" message="${attr(u.error.split('\n')[0] ?? u.error)}">${text(u.error)}</error>\n    </testcase>`,
      '  </testsuite>');
  }
  out.push(`<testsuites name="hostnet" tests="${tests}" failures="${failures}" errors="${unreadable.length}">`, ...body, '</testsuites>');
  return `${out.join('\n')}\n`;
}

function describe(f: Finding): string {
  const lines = [`${f.severity} ${f.ruleId}${f.interface ? ` [${f.interface}]` : ''}: ${f.message}`];
  for (const e of f.evidence) lines.push(`  at ${e.file ? `${e.file}${e.line ? `:${e.line}` : ''}: ` : e.interface ? `${e.interface}: ` : ''}${e.message}`);
  for (const fix of f.fixes) {
    lines.push(`  fix: ${fix.title}`);
    if (fix.verification) lines.push(`    ${fix.verification.summary}`);
    for (const file of fix.files) lines.push(`    # ${file.path}`, ...file.content.trimEnd().split('\n').map((l) => `    ${l}`));
    for (const c of fix.commands) lines.push(`    $ ${c}`);
  }
  lines.push(`  docs: docs/rules/${f.ruleId.replace('/', '-')}.md`);
  return lines.join('\n');
}

/** Characters XML 1.0 cannot carry at all (most C0 controls), replaced so the document stays well-formed. */
// eslint-disable-next-line no-control-regex
const INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function text(s: string): string {
  return s.replace(INVALID, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;');
}

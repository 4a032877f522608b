/**
 * The HTML report: one self-contained page (inline CSS and SVG, no script, no external resource) with
 * a fleet summary (which rules fire on how many nodes), then per node its network diagram with the
 * findings marked on it, the findings with their evidence and fixes, and what collection could not see.
 */
import type { Host } from '../model/host.js';
import type { Report } from '../rules/engine.js';
import { SEVERITY_RANK, type Finding, type RuleMeta, type Severity } from '../rules/types.js';
import { VERSION } from '../version.js';
import { esc, renderDiagram, SEVERITY_COLOUR } from './html-diagram.js';

export interface HtmlNode {
  /** The node's name as the page shows it (host name, else the file). */
  name: string;
  /** Where the snapshot came from (a file path). */
  source: string;
  host: Host;
  report: Report;
}

/** A snapshot that could not be read: listed, so a broken file is never silently left out. */
export interface HtmlUnreadable {
  source: string;
  error: string;
}

export interface HtmlOptions {
  title: string;
  rules: readonly RuleMeta[];
  failOn: Severity;
  /** The time the page states it was generated (passed in so the renderer stays pure). */
  generatedAt: string;
}

const SEVERITIES: Severity[] = ['error', 'warning', 'note'];

export function renderHtml(nodes: readonly HtmlNode[], unreadable: readonly HtmlUnreadable[], options: HtmlOptions): string {
  const meta = new Map(options.rules.map((r) => [r.id, r]));
  const ids = uniqueIds(nodes.map((n) => n.name));
  const parts: string[] = [];
  parts.push(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="hostnet ${esc(VERSION)}">
<title>${esc(options.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${esc(options.title)}</h1>
<p class="meta">${nodes.length} node${nodes.length === 1 ? '' : 's'}${unreadable.length ? `, ${unreadable.length} unreadable` : ''} · generated ${esc(options.generatedAt)} by hostnet ${esc(VERSION)} · condition threshold: ${esc(options.failOn)}</p></header>
<main>`);
  parts.push(fleetSummary(nodes, unreadable, ids, meta, options.failOn));
  nodes.forEach((n, i) => parts.push(nodeSection(n, ids[i]!, meta, options.failOn)));
  parts.push(`</main>
<footer>hostnet ${esc(VERSION)} · rule pages: docs/rules/&lt;area&gt;-&lt;name&gt;.md</footer>
</body>
</html>
`);
  return parts.join('\n');
}

function fleetSummary(nodes: readonly HtmlNode[], unreadable: readonly HtmlUnreadable[], ids: string[], meta: Map<string, RuleMeta>, failOn: Severity): string {
  const firing = nodes.filter((n) => n.report.findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn]));
  const byRule = new Map<string, { severity: Severity; nodes: number[]; findings: number }>();
  nodes.forEach((n, i) => {
    for (const f of n.report.findings) {
      const entry = byRule.get(f.ruleId) ?? { severity: f.severity, nodes: [], findings: 0 };
      if (SEVERITY_RANK[f.severity] > SEVERITY_RANK[entry.severity]) entry.severity = f.severity;
      if (entry.nodes.at(-1) !== i) entry.nodes.push(i);
      entry.findings++;
      byRule.set(f.ruleId, entry);
    }
  });
  const rows = [...byRule].sort(([a, x], [b, y]) => SEVERITY_RANK[y.severity] - SEVERITY_RANK[x.severity] || y.nodes.length - x.nodes.length || a.localeCompare(b));
  const out: string[] = ['<section class="fleet" id="summary"><h2>Summary</h2>'];
  out.push(`<ul class="counts"><li><b>${nodes.length}</b> nodes</li><li class="sev-error"><b>${firing.length}</b> with findings at or above ${esc(failOn)}</li><li class="ok"><b>${nodes.length - firing.length}</b> clean</li>${unreadable.length ? `<li class="sev-warning"><b>${unreadable.length}</b> could not be evaluated</li>` : ''}</ul>`);
  if (rows.length === 0) {
    out.push('<p class="ok">No rule fired on any node.</p>');
  } else {
    out.push('<table class="rules"><thead><tr><th>Rule</th><th>Severity</th><th>Nodes</th><th>Findings</th><th>Where</th></tr></thead><tbody>');
    for (const [rule, e] of rows) {
      const title = meta.get(rule)?.title;
      const where = e.nodes.slice(0, 12).map((i) => `<a href="#${ids[i]}">${esc(nodes[i]!.name)}</a>`).join(', ') + (e.nodes.length > 12 ? `, and ${e.nodes.length - 12} more` : '');
      out.push(`<tr data-rule="${esc(rule)}"><td><code>${esc(rule)}</code>${title ? `<br><span class="title">${esc(title)}</span>` : ''}</td><td><span class="sev sev-${e.severity}">${e.severity}</span></td><td class="num">${e.nodes.length} of ${nodes.length}</td><td class="num">${e.findings}</td><td>${where}</td></tr>`);
    }
    out.push('</tbody></table>');
  }
  if (nodes.length > 1) {
    out.push('<details class="nodes"><summary>All nodes</summary><ul class="node-list">');
    nodes.forEach((n, i) => {
      const c = counts(n.report.findings);
      out.push(`<li><a href="#${ids[i]}">${esc(n.name)}</a> ${SEVERITIES.filter((s) => c[s]).map((s) => `<span class="sev sev-${s}">${c[s]} ${s}</span>`).join(' ') || '<span class="ok">clean</span>'}</li>`);
    });
    out.push('</ul></details>');
  }
  if (unreadable.length) {
    out.push('<h3>Could not be evaluated</h3><ul class="unreadable">');
    for (const u of unreadable) out.push(`<li><code>${esc(u.source)}</code>: ${esc(u.error)}</li>`);
    out.push('</ul>');
  }
  out.push('</section>');
  return out.join('\n');
}

function nodeSection(n: HtmlNode, id: string, meta: Map<string, RuleMeta>, failOn: Severity): string {
  const s = n.host.snapshot;
  const c = counts(n.report.findings);
  const diagram = renderDiagram(n.host, n.report.findings, { anchor: `${id}-f` });
  const facts = [s.host.os.prettyName, s.host.kernelRelease && `kernel ${s.host.kernelRelease}`, s.host.systemdVersion && `systemd ${s.host.systemdVersion}`, `collected ${s.collectedAt}`].filter(Boolean).join(' · ');
  const out: string[] = [`<section class="node" id="${id}" data-node="${esc(n.name)}">`];
  out.push(`<h2>${esc(n.name)} ${SEVERITIES.filter((x) => c[x]).map((x) => `<span class="sev sev-${x}">${c[x]} ${x}</span>`).join(' ') || '<span class="sev ok">clean</span>'}</h2>`);
  out.push(`<p class="meta">${esc(facts)} · <code>${esc(n.source)}</code> · ${n.report.rulesRun.length} rules run</p>`);
  const hostLevel = n.report.findings.filter((f) => !f.interface || !n.host.interface(f.interface));
  out.push(`<figure><div class="scroll">${diagram.svg}</div><figcaption>${s.interfaces.length} interfaces${diagram.folded ? ` (${diagram.folded} without findings folded into "+N more" boxes)` : ''}. ${legend()}${hostLevel.length ? ` <span class="host-level">${hostLevel.length} finding${hostLevel.length === 1 ? '' : 's'} about the host as a whole (below).</span>` : ''}</figcaption></figure>`);
  if (n.report.findings.length === 0) out.push('<p class="ok">No findings.</p>');
  else {
    out.push('<ol class="findings">');
    n.report.findings.forEach((f, i) => out.push(findingItem(f, `${id}-f-${i}`, meta.get(f.ruleId), failOn)));
    out.push('</ol>');
  }
  if (n.report.diagnostics.length) {
    out.push(`<details class="diag"><summary>${n.report.diagnostics.length} input problem${n.report.diagnostics.length === 1 ? '' : 's'}</summary><ul>${n.report.diagnostics.map((d) => `<li><code>${esc(d.where)}</code>: ${esc(d.message)}</li>`).join('')}</ul></details>`);
  }
  if (n.report.gaps.length) {
    out.push(`<details class="gaps"><summary>Not seen by collection (${n.report.gaps.length})</summary><ul>${n.report.gaps.map((g) => `<li><code>${esc(g.source)}</code> ${esc(g.reason)}${g.detail ? `: ${esc(g.detail)}` : ''}</li>`).join('')}</ul></details>`);
  }
  out.push('</section>');
  return out.join('\n');
}

function findingItem(f: Finding, anchor: string, meta: RuleMeta | undefined, failOn: Severity): string {
  const out: string[] = [`<li class="finding sev-${f.severity}${SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn] ? ' firing' : ''}" id="${anchor}" data-rule="${esc(f.ruleId)}">`];
  out.push(`<p class="head"><span class="sev sev-${f.severity}">${f.severity}</span> <code>${esc(f.ruleId)}</code>${f.interface ? ` on <b>${esc(f.interface)}</b>` : ''}: ${esc(f.message)}</p>`);
  if (meta?.title) out.push(`<p class="title">${esc(meta.title)}</p>`);
  if (f.evidence.length) {
    out.push('<ul class="evidence">');
    for (const e of f.evidence) {
      const where = e.file ? `${e.file}${e.line ? `:${e.line}` : ''}` : e.interface ?? '';
      const value = e.field ? ` <span class="field">${esc(e.field)}${e.value !== undefined ? ` = ${esc(e.value)}` : ''}</span>` : '';
      out.push(`<li>${where ? `<code>${esc(where)}</code> ` : ''}${esc(e.message)}${value}</li>`);
    }
    out.push('</ul>');
  }
  for (const fix of f.fixes) {
    out.push(`<div class="fix"><p><b>Fix:</b> ${esc(fix.title)}</p>`);
    if (fix.verification) {
      const v = fix.verification;
      out.push(v.verified
        ? `<p class="verified">Verified:</p><ul class="verified">${v.checks.map((c) => `<li>${esc(c.detail)}</li>`).join('')}</ul>`
        : `<p class="unverified">${esc(v.summary.replace(/^unverified/, 'Unverified'))}</p>`);
    }
    for (const file of fix.files) out.push(`<p class="file"><code>${esc(file.path)}</code></p><pre>${esc(file.content)}</pre>`);
    if (fix.commands.length) out.push(`<pre class="commands">${fix.commands.map((c) => `$ ${esc(c)}`).join('\n')}</pre>`);
    out.push('</div>');
  }
  const refs = meta?.references ?? [];
  out.push(`<p class="docs">Rule page: <code>docs/rules/${esc(f.ruleId.replace('/', '-'))}.md</code>${refs.length ? ` · references: ${refs.map((r) => (/^https?:\/\//.test(r) ? `<a href="${esc(r)}">${esc(r)}</a>` : esc(r))).join(', ')}` : ''}</p>`);
  out.push('</li>');
  return out.join('\n');
}

function legend(): string {
  return `Outline: <span style="color:${SEVERITY_COLOUR.error}">error</span>, <span style="color:${SEVERITY_COLOUR.warning}">warning</span>, <span style="color:${SEVERITY_COLOUR.note}">note</span>; a badge counts the findings and links to them. Hover a box for its details.`;
}

function counts(findings: readonly Finding[]): Record<Severity, number> {
  const c: Record<Severity, number> = { error: 0, warning: 0, note: 0 };
  for (const f of findings) c[f.severity]++;
  return c;
}

/** HTML ids from node names: safe characters, unique even when two snapshots share a host name. */
function uniqueIds(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const base = `node-${name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'unnamed'}`;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : `${base}-${n + 1}`;
  });
}

const CSS = `
:root{color-scheme:light;--fg:#1c2430;--muted:#5f6b7a;--line:#d5dbe3;--bg:#ffffff;--panel:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
header{padding:16px 24px;border-bottom:1px solid var(--line);background:var(--panel)}
h1{margin:0 0 4px;font-size:22px}
h2{font-size:18px;margin:0 0 4px}
main{padding:8px 24px 24px;max-width:1280px}
section{margin:18px 0;padding:16px;border:1px solid var(--line);border-radius:8px}
.meta{color:var(--muted);margin:2px 0 10px}
code,pre{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;font-size:12.5px}
pre{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:8px 10px;overflow:auto;margin:4px 0}
.counts{display:flex;gap:24px;list-style:none;padding:0;margin:4px 0 12px}
.counts b{font-size:20px;margin-right:4px}
table.rules{border-collapse:collapse;width:100%}
table.rules th,table.rules td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
table.rules th{background:var(--panel)}
td.num{white-space:nowrap}
.title{color:var(--muted)}
.sev{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;color:#fff;vertical-align:middle}
.sev-error.sev,.sev.sev-error{background:${SEVERITY_COLOUR.error}}
.sev.sev-warning{background:${SEVERITY_COLOUR.warning}}
.sev.sev-note{background:${SEVERITY_COLOUR.note}}
.ok{color:#2e7d32}
.sev.ok{background:#2e7d32;color:#fff}
.counts li.sev-error b,.counts li.sev-warning b{color:${SEVERITY_COLOUR.error}}
figure{margin:8px 0 12px}
.scroll{overflow:auto;border:1px solid var(--line);border-radius:6px;background:#fff}
figcaption{color:var(--muted);font-size:12.5px;margin-top:4px}
svg.diagram text{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace}
svg.diagram text.name{font-size:13px;font-weight:600;fill:#1c2430}
svg.diagram text.sub{font-size:11px;fill:#5f6b7a}
svg.diagram text.rel{font-size:10px;fill:#8a6d3b}
svg.diagram text.badge{font-size:12px;font-weight:700;fill:#fff}
svg.diagram .edge{fill:none;stroke:#90a4ae;stroke-width:1.4}
svg.diagram .edge.child{stroke:#ad1457;stroke-dasharray:5 3}
svg.diagram .edge.vpp{stroke:#ef6c00;stroke-width:2.2;stroke-dasharray:7 4}
svg.diagram .edge.peer{stroke:#6d4c41;stroke-dasharray:2 3}
ol.findings{padding-left:22px}
li.finding{margin:10px 0;padding:8px 10px;border-left:4px solid var(--line);background:#fcfcfd}
li.finding.sev-error{border-left-color:${SEVERITY_COLOUR.error}}
li.finding.sev-warning{border-left-color:${SEVERITY_COLOUR.warning}}
li.finding.sev-note{border-left-color:${SEVERITY_COLOUR.note}}
li.finding:target{outline:2px solid #1565c0}
.head{margin:0 0 4px}
.evidence{margin:4px 0;padding-left:18px}
.field{color:var(--muted)}
.fix{margin:6px 0}
.fix p{margin:2px 0}
.verified{color:#2e7d32;font-size:12px}.unverified{color:#9a6700;font-size:12px}
.docs{color:var(--muted);font-size:12.5px;margin:4px 0 0}
.host-level{color:${SEVERITY_COLOUR.warning}}
.node-list{columns:3;list-style:none;padding:0}
footer{color:var(--muted);padding:12px 24px;border-top:1px solid var(--line)}
@media print{.scroll{overflow:visible}}
`;

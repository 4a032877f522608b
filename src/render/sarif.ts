/**
 * SARIF 2.1.0 output of `check`, for code-scanning dashboards. Each finding is a result pointing at
 * the file and line of its evidence (a .link file's MACAddressPolicy= line, say) and at the interface
 * as a logical location; a fix that writes files becomes a SARIF fix that inserts them.
 */
import type { Report } from '../rules/engine.js';
import type { Evidence, Finding, Fix, RuleMeta } from '../rules/types.js';
import { VERSION } from '../version.js';

type Json = Record<string, unknown>;

export function renderSarif(report: Report, rules: readonly RuleMeta[]): string {
  const ran = rules.filter((r) => report.rulesRun.includes(r.id));
  const index = new Map(ran.map((r, i) => [r.id, i]));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'hostnet',
            version: VERSION,
            semanticVersion: VERSION,
            rules: ran.map(ruleDescriptor),
          },
        },
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: [
              ...report.diagnostics.map((d) => ({ level: 'warning', message: { text: `${d.where}: ${d.message}` } })),
              ...report.gaps.map((g) => ({ level: 'note', message: { text: `not seen: ${g.source} (${g.reason}: ${g.detail})` } })),
            ],
          },
        ],
        results: report.findings.map((f) => result(f, index.get(f.ruleId))),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function ruleDescriptor(meta: RuleMeta): Json {
  const doc = `docs/rules/${meta.id.replace('/', '-')}.md`;
  return {
    id: meta.id,
    name: meta.id.replace(/[/-](\w)/g, (_, c: string) => c.toUpperCase()),
    shortDescription: { text: meta.title },
    help: { text: `See ${doc}. References: ${meta.references.join(' ')}` },
    defaultConfiguration: { level: meta.severity },
    properties: { documentation: doc, references: meta.references },
  };
}

function result(f: Finding, ruleIndex: number | undefined): Json {
  const withFile = f.evidence.filter((e) => e.file);
  const locations = (withFile.length ? withFile : f.evidence.slice(0, 1)).map((e) => location(e, f.interface));
  return {
    ruleId: f.ruleId,
    ...(ruleIndex !== undefined ? { ruleIndex } : {}),
    level: f.severity,
    message: { text: f.message },
    locations: locations.length ? locations : f.interface ? [{ logicalLocations: [iface(f.interface)] }] : [],
    ...(f.evidence.length > 1 ? { relatedLocations: f.evidence.map((e, id) => ({ id, ...location(e, undefined), message: { text: e.message } })) } : {}),
    ...(f.fixes.some((x) => x.files.length) ? { fixes: f.fixes.filter((x) => x.files.length).map(fix) } : {}),
    properties: {
      ...(f.interface ? { interface: f.interface } : {}),
      fixesVerified: f.fixes.map((x) => x.verified === true),
      // How each fix was checked (docs/output.md): the checks, not only a yes.
      fixVerification: f.fixes.map((x) => ({ title: x.title, ...(x.verification ?? { verified: false, checks: [], summary: 'unverified: not checked' }) })),
      commands: f.fixes.flatMap((x) => x.commands),
    },
  };
}

function location(e: Evidence, ifname: string | undefined): Json {
  const out: Json = {};
  if (e.file) {
    out.physicalLocation = {
      artifactLocation: { uri: fileUri(e.file) },
      ...(e.line ? { region: { startLine: e.line } } : {}),
    };
  }
  const name = e.interface ?? ifname;
  if (name) out.logicalLocations = [iface(name)];
  return out;
}

function iface(name: string): Json {
  return { name, fullyQualifiedName: `interface/${name}`, kind: 'resource' };
}

function fix(x: Fix): Json {
  return {
    description: { text: x.verification ? `${x.title} (${x.verification.summary})` : x.title },
    artifactChanges: x.files.map((file) => ({
      artifactLocation: { uri: fileUri(file.path) },
      // A new file: insert the whole content at its start.
      replacements: [{ deletedRegion: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 }, insertedContent: { text: file.content } }],
    })),
  };
}

function fileUri(path: string): string {
  return path.startsWith('/') ? `file://${encodeURI(path)}` : encodeURI(path);
}

/** JSON output of `check`: the report as data. Documented in docs/output.md. */
import type { Report } from '../rules/engine.js';
import { VERSION } from '../version.js';

export const REPORT_SCHEMA = 'hostnet.report/v1';

export function renderJson(report: Report, context: { source: string }): string {
  return `${JSON.stringify({ schema: REPORT_SCHEMA, tool: { name: 'hostnet', version: VERSION }, source: context.source, ...report }, null, 2)}\n`;
}

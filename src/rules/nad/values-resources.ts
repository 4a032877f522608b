/**
 * nad/values-resources: TMM's CPU and hugepages requests and limits must agree. Kubernetes refuses a
 * hugepages request that differs from its limit; and the static CPU manager (a prerequisite in seed
 * 003) gives exclusive CPUs only to a Guaranteed pod: whole CPUs, requests equal to limits for CPU and
 * memory.
 */
import type { Finding, Rule } from '../types.js';
import { valuesInputs } from './inputs.js';

const SUFFIX: Record<string, number> = {
  '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A Kubernetes resource quantity ("1", "500m", "2Gi", 1572864, "1e3") as a number; undefined when malformed. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei))?$/.exec(q.trim());
  if (!m) return undefined;
  const base = Number(m[1]);
  // Divide for negative powers: 300m must equal 0.3 exactly, and 300 * 0.001 does not.
  if (m[2]) {
    const e = Number(m[2].slice(1));
    return e < 0 ? base / 10 ** -e : base * 10 ** e;
  }
  return m[3] === 'm' ? base / 1000 : base * SUFFIX[m[3] ?? '']!;
}

export const valuesResources: Rule = {
  meta: {
    id: 'nad/values-resources',
    title: 'TMM CPU/hugepages requests and limits are inconsistent',
    severity: 'error',
    references: ['seeds/003 (tmm.resources)', 'Kubernetes docs: Manage HugePages; Control CPU Management Policies on the Node'],
  },
  check(host) {
    const out: Finding[] = [];
    for (const values of valuesInputs(host)) {
      const base = ['tmm', 'resources'];
      const limits = values.at([...base, 'limits']);
      const requests = values.at([...base, 'requests']);
      if (!limits && !requests) continue;
      const keys = new Set([...Object.keys(asObject(limits?.value)), ...Object.keys(asObject(requests?.value))]);
      const add = (severity: Finding['severity'], message: string, line: number): void => {
        out.push({ ruleId: this.meta.id, severity, message, evidence: [{ message: 'tmm.resources', file: values.file, line }], fixes: [] });
      };
      for (const key of [...keys].sort()) {
        const l = values.at([...base, 'limits', key]);
        const r = values.at([...base, 'requests', key]);
        const lv = l ? parseQuantity(l.value) : undefined;
        const rv = r ? parseQuantity(r.value) : undefined;
        for (const [side, at, v] of [['limits', l, lv], ['requests', r, rv]] as const) {
          if (at && v === undefined) add('error', `tmm.resources.${side}.${key} ${JSON.stringify(at.value)} is not a Kubernetes quantity`, at.line);
        }
        if ((l && lv === undefined) || (r && rv === undefined)) continue;
        const line = (r ?? l)!.line;
        if (key.startsWith('hugepages-')) {
          if (lv === undefined) add('error', `tmm.resources.requests.${key} is set without a limit; Kubernetes requires hugepages limits (requests default to them)`, line);
          else if (rv !== undefined && rv !== lv) add('error', `tmm.resources ${key}: requests ${String(r!.value)} differ from limits ${String(l!.value)}; Kubernetes refuses hugepages requests that differ from limits`, line);
        } else if (key === 'cpu' || key === 'memory') {
          if (lv !== undefined && rv !== undefined && rv !== lv) {
            add('warning', `tmm.resources ${key}: requests ${String(r!.value)} differ from limits ${String(l!.value)}; the pod is not Guaranteed, so the static CPU manager gives TMM no exclusive CPUs`, line);
          } else if (lv === undefined && rv !== undefined) {
            add('warning', `tmm.resources.requests.${key} is set without a limit; the pod is not Guaranteed, so the static CPU manager gives TMM no exclusive CPUs`, line);
          }
          if (key === 'cpu' && lv !== undefined && !Number.isInteger(lv)) {
            add('warning', `tmm.resources.limits.cpu ${String(l!.value)} is not a whole number of CPUs; the static CPU manager pins only whole CPUs`, l!.line);
          }
        }
      }
      const hasHugepages = [...keys].some((k) => k.startsWith('hugepages-'));
      if (hasHugepages && !keys.has('cpu') && !keys.has('memory')) {
        add('error', 'tmm.resources requests hugepages but neither cpu nor memory; Kubernetes requires one of them with hugepages', (limits ?? requests)!.line);
      }
    }
    return out;
  },
};

function asObject(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/**
 * The lab intent file (`--input lab-intent=FILE`): what hostnet cannot see from the hypervisor, namely
 * which virtual wires must carry which link-local protocols and which guest NICs form an 802.3ad bond.
 * YAML; every problem is reported with the file's line. Format: docs/labs.md.
 */
import { isNode, LineCounter, parseDocument } from 'yaml';
import { resolveAliases, UNRESOLVED_ALIAS } from './yaml-aliases.js';
import { z } from 'zod';
import { isMac, parseMac } from '../net/mac.js';

/** Protocols a wire can be meant to carry, by their link-local destination. */
export const WIRE_PROTOCOLS = {
  stp: 0x0,
  lacp: 0x2,
  eapol: 0x3,
  'provider-stp': 0x8,
  mvrp: 0xd,
  lldp: 0xe,
} as const;
export type WireProtocol = keyof typeof WIRE_PROTOCOLS;

const mac = z.string().refine(isMac, 'a MAC address such as 52:54:00:12:34:56').transform((s) => parseMac(s)!);
const protocol = z.enum(Object.keys(WIRE_PROTOCOLS) as [WireProtocol, ...WireProtocol[]], {
  error: () => `one of ${Object.keys(WIRE_PROTOCOLS).join(', ')} (MAC pause is always dropped by a bridge and cannot be carried)`,
});
const end = z.object({ vm: z.string().min(1), mac: mac.optional(), dev: z.string().min(1).optional() }).strict()
  .refine((e) => e.mac !== undefined || e.dev !== undefined, 'give the NIC by mac (as in the domain XML) or by dev (its tap)');

const IntentSchema = z.object({
  lab: z.string().optional(),
  links: z.array(z.object({
    name: z.string().optional(),
    bridge: z.string().min(1).optional(),
    ends: z.array(end).length(2, 'a wire has two ends').optional(),
    carries: z.array(protocol).min(1),
  }).strict().refine((l) => l.bridge !== undefined || l.ends !== undefined, 'give the bridge, or the two ends (vm and mac)')).default([]),
  bonds: z.array(z.object({
    vm: z.string().min(1),
    name: z.string().default('bond0'),
    mode: z.enum(['802.3ad', 'lacp']).default('802.3ad'),
    members: z.array(mac).min(1),
  }).strict()).default([]),
}).strict();

export type LabIntent = z.infer<typeof IntentSchema> & { path: string; lines: { links: number[]; bonds: number[] } };
export type IntentEnd = z.infer<typeof end>;

export class IntentError extends Error {
  constructor(message: string, readonly line: number | null) {
    super(message);
  }
}

export function parseLabIntent(text: string, path: string): LabIntent {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  const lineOf = (offset: number | undefined): number | null => (offset === undefined ? null : counter.linePos(offset).line);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new IntentError(`not valid YAML: ${e.message.split('\n')[0]}`, lineOf(e.pos[0]));
  }
  const alias = resolveAliases(doc);
  if (alias !== null) throw new IntentError(UNRESOLVED_ALIAS, lineOf(alias));
  const data: unknown = doc.toJS() ?? {};
  const result = IntentSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    // The deepest node of the path that exists gives the line.
    let line: number | null = null;
    for (let n = issue.path.length; n >= 0 && line === null; n--) {
      const node = doc.getIn(issue.path.slice(0, n) as (string | number)[], true);
      if (isNode(node)) line = lineOf(node.range?.[0]);
    }
    const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
    throw new IntentError(`${where}${issue.message}`, line);
  }
  const linesOf = (key: string): number[] => (result.data[key as 'links'] ?? []).map((_, n) => {
    const node = doc.getIn([key, n], true);
    return (isNode(node) ? lineOf(node.range?.[0]) : null) ?? 1;
  });
  return { ...result.data, path, lines: { links: linesOf('links'), bonds: linesOf('bonds') } };
}

/**
 * The plan `hostnet plan calico-vpp --format json` writes: the host and VPP state predicted after the
 * takeover. Handed back to `hostnet check --input calico-vpp-plan=plan.json` after deployment, it is
 * what the live host is verified against.
 */
import { z } from 'zod';
import { AddressSchema, RouteSchema } from '../../snapshot/schema.js';
import type { Diagnostic } from '../../sources/vpp-common.js';

export const CALICO_VPP_PLAN_SCHEMA = 'hostnet.calico-vpp-plan/v1';

const ClusterRouteSchema = z.object({ dst: z.string(), gateway: z.string(), mtu: z.number().int(), reason: z.string() });

export const CalicoVppPlanSchema = z.object({
  schema: z.literal(CALICO_VPP_PLAN_SCHEMA),
  /** The main uplink's Linux name; the tap gets it. */
  uplink: z.string(),
  uplinkMac: z.string(),
  uplinkMtu: z.number().int(),
  /** The uplink NIC as Linux saw it before the takeover (the predicted host no longer has it). */
  uplinkNic: z.object({ driver: z.string().nullable(), rxQueues: z.number().int().nullable(), devicePath: z.string().nullable() }).optional(),
  driver: z.object({ driver: z.string(), fate: z.enum(['moved-to-vpp-netns', 'unbound-from-kernel']), explanation: z.string(), vppName: z.string().nullable() }),
  clusterRouteMtu: z.number().int(),
  fakeNextHops: z.object({ inet: z.string(), inet6: z.string() }),
  tap: z.object({
    name: z.string(),
    mac: z.string(),
    mtu: z.number().int(),
    addresses: z.array(AddressSchema),
    /** The uplink's routes, re-added on the tap. */
    routes: z.array(RouteSchema),
    clusterRoutes: z.array(ClusterRouteSchema),
  }),
  vpp: z.object({
    uplink: z.object({ name: z.string().nullable(), mac: z.string(), mtu: z.number().int(), addresses: z.array(z.string()) }),
    tap: z.object({ name: z.string(), unnumberedOf: z.string().nullable(), mac: z.string(), mtu: z.number().int() }),
    punt: z.object({ nextHop: z.string(), interface: z.string() }),
  }),
  /** Secondary uplinks, each with its own tap. */
  secondary: z.array(z.object({
    uplink: z.string(), driver: z.string(), mtu: z.number().int().nullable(), tapMac: z.string().nullable(),
    /** Its own cluster routes, at a higher metric than the main uplink's (the agent numbers them 1, 2, ...). */
    clusterRoutes: z.array(ClusterRouteSchema.extend({ metric: z.number().int() })).optional(),
  })),
  notes: z.array(z.string()),
});

export type CalicoVppPlan = z.infer<typeof CalicoVppPlanSchema>;

/** A plan file read back; anything wrong is a diagnostic and the plan is then not used. */
export function parseCalicoVppPlan(text: string, path: string): { plan: CalicoVppPlan | null; diagnostics: Diagnostic[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { plan: null, diagnostics: [{ where: path, message: `not a Calico/VPP plan: not JSON (${(err as Error).message})` }] };
  }
  // `plan --format json` wraps the plan with the checks' results; take the plan part.
  const body = json && typeof json === 'object' && 'plan' in json ? (json as { plan: unknown }).plan : json;
  const parsed = CalicoVppPlanSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { plan: null, diagnostics: [{ where: path, message: `not a Calico/VPP plan (${CALICO_VPP_PLAN_SCHEMA}): ${issue.path.join('.') || '(top)'}: ${issue.message}; write one with \`npx hostnet plan calico-vpp --format json\`` }] };
  }
  return { plan: parsed.data, diagnostics: [] };
}

/**
 * Who may drive the agent's endpoints, decided as Kubernetes components decide it (the kubelet,
 * kube-rbac-proxy): the bearer token is checked with a TokenReview, then the user it names is checked
 * with a SubjectAccessReview for a verb on a resource the ClusterRoles name. Decisions are cached
 * briefly, so a burst of requests costs the API server two calls, not two per request.
 */
import { createHash } from 'node:crypto';
import { AuthenticationV1Api, AuthorizationV1Api, type KubeConfig, type V1ResourceAttributes, type V1NonResourceAttributes } from '@kubernetes/client-node';
import { classify, deadline } from './kube.js';

/** The API group of the agent's own resources in RBAC rules: nothing serves it, RBAC only names it. */
export const AGENT_API_GROUP = 'hostnet';

/** What a request asks to do, as a SubjectAccessReview names it. */
export type Access = { resource: V1ResourceAttributes } | { nonResource: V1NonResourceAttributes };

/** POST /check: `create` on `nodes/check` of the agent's group, for this node. */
export function checkAccess(nodeName: string): Access {
  return { resource: { group: AGENT_API_GROUP, resource: 'nodes', subresource: 'check', name: nodeName, verb: 'create' } };
}

/** GET /snapshot: `get` on `nodes/snapshot` of the agent's group, for this node. */
export function snapshotAccess(nodeName: string): Access {
  return { resource: { group: AGENT_API_GROUP, resource: 'nodes', subresource: 'snapshot', name: nodeName, verb: 'get' } };
}

/** GET /metrics when protected: the non-resource URL /metrics, as Prometheus' ClusterRoles grant it. */
export const METRICS_ACCESS: Access = { nonResource: { path: '/metrics', verb: 'get' } };

export type Decision = { allowed: true; user: string } | { allowed: false; status: 401 | 403; reason: string };

/** What the agent's HTTP server asks; KubeAuthorizer is the real one. */
export interface Authorizer {
  authorize(token: string | undefined, access: Access): Promise<Decision>;
}

interface Reviewer {
  tokenReview(token: string): Promise<{ authenticated: boolean; user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> }; error?: string }>;
  accessReview(user: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> }, access: Access): Promise<{ allowed: boolean; reason?: string }>;
}

const ALLOWED_TTL_MS = 60_000;
const DENIED_TTL_MS = 10_000;
const MAX_CACHED = 1000;

export class KubeAuthorizer implements Authorizer {
  private readonly cache = new Map<string, { decision: Decision; until: number }>();
  private readonly reviewer: Reviewer;

  constructor(kc: KubeConfig, timeoutMs: number, private readonly log: (m: string) => void = () => {}) {
    this.reviewer = apiReviewer(kc, timeoutMs);
  }

  async authorize(token: string | undefined, access: Access): Promise<Decision> {
    if (!token) return { allowed: false, status: 401, reason: 'a bearer token is required (Authorization: Bearer TOKEN)' };
    const key = `${createHash('sha256').update(token).digest('hex')} ${JSON.stringify(access)}`;
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return hit.decision;
    const decision = await this.review(token, access);
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { decision, until: now + (decision.allowed ? ALLOWED_TTL_MS : DENIED_TTL_MS) });
    return decision;
  }

  private async review(token: string, access: Access): Promise<Decision> {
    const who = await this.reviewer.tokenReview(token);
    if (!who.authenticated || !who.user) return { allowed: false, status: 401, reason: `the token was not accepted by the API server${who.error ? `: ${who.error}` : ''}` };
    const user = who.user.username ?? '(unnamed)';
    const verdict = await this.reviewer.accessReview(who.user, access);
    if (verdict.allowed) return { allowed: true, user };
    this.log(`refused ${user}: ${describeAccess(access)}`);
    return { allowed: false, status: 403, reason: `${user} may not ${describeAccess(access)}${verdict.reason ? ` (${verdict.reason})` : ''}` };
  }
}

/** `create hostnet nodes/check node1`, `get /metrics`: how refusals name what was asked. */
export function describeAccess(access: Access): string {
  if ('nonResource' in access) return `${access.nonResource.verb} ${access.nonResource.path}`;
  const r = access.resource;
  return `${r.verb} ${r.resource}${r.subresource ? `/${r.subresource}` : ''} in API group "${r.group ?? ''}"${r.name ? ` (${r.name})` : ''}`;
}

function apiReviewer(kc: KubeConfig, timeoutMs: number): Reviewer {
  const authn = kc.makeApiClient(AuthenticationV1Api);
  const authz = kc.makeApiClient(AuthorizationV1Api);
  const call = async <T>(operation: string, send: (mw: ReturnType<typeof deadline>[]) => Promise<T>): Promise<T> => {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      return await send([deadline(signal)]);
    } catch (err) {
      throw classify(operation, err, signal, timeoutMs);
    }
  };
  return {
    async tokenReview(token) {
      const review = await call('token review', (mw) => authn.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } } }, { middleware: mw, middlewareMergeStrategy: 'append' }));
      return { authenticated: review.status?.authenticated === true, user: review.status?.user, error: review.status?.error };
    },
    async accessReview(user, access) {
      const spec = {
        user: user.username, uid: user.uid, groups: user.groups, extra: user.extra,
        ...('resource' in access ? { resourceAttributes: access.resource } : { nonResourceAttributes: access.nonResource }),
      };
      const review = await call('subject access review', (mw) => authz.createSubjectAccessReview({ body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec } }, { middleware: mw, middlewareMergeStrategy: 'append' }));
      return { allowed: review.status?.allowed === true, reason: review.status?.reason };
    },
  };
}

/**
 * The bearer token of a request. The API server removes `Authorization` from requests it proxies
 * (after authenticating its own client), so a client reaching the agent through
 * `pods/NAME:PORT/proxy` sends its token in `X-Hostnet-Authorization` as well.
 */
export function bearerToken(headers: Record<string, string | string[] | undefined>): string | undefined {
  for (const name of ['authorization', FORWARDED_AUTH_HEADER]) {
    const value = headers[name];
    const m = typeof value === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null;
    if (m) return m[1];
  }
  return undefined;
}

export const FORWARDED_AUTH_HEADER = 'x-hostnet-authorization';

/**
 * Test support for IAM/STS unit tests: a fake RequestContext whose authorize() runs the real policy
 * engine over IamStore.policiesFor, and a `call` helper that authorizes like the HTTP layer does.
 */
import { awsError } from '../errors/index.js';
import type { RequestContext, ServiceDefinition } from '../http/service.js';
import type { Principal } from './principal.js';
import { evaluate } from './policy/index.js';
import type { IamStore } from './store.js';

/** A RequestContext for `principal`, authorizing against `store` with the real engine. */
export function fakeContext(store: IamStore, principal: Principal, opts: { now?: Date; operation?: string } = {}): RequestContext & { resources: { arn: string; type?: string }[] } {
  const resources: { arn: string; type?: string }[] = [];
  const conditionContext = new Map<string, string | readonly string[]>([['aws:principalarn', principal.roleArn ?? principal.arn]]);
  return {
    requestId: 'req-1', region: 'us-east-1', accountId: store.accountId, principal, sourceIp: '127.0.0.1', userAgent: 'test',
    secureTransport: true, now: opts.now ?? store.now(), service: 'test', operation: opts.operation ?? 'Test', conditionContext, resources,
    async authorize(req) {
      if (principal.type === 'Root' && !req.resourcePolicy) return;
      const p = await store.policiesFor(principal);
      const context = new Map(conditionContext);
      for (const [k, v] of req.context ?? []) context.set(k, v);
      const d = evaluate(
        {
          identityPolicies: p.identity, sessionPolicies: p.session,
          ...(p.boundary ? { permissionsBoundary: p.boundary } : {}),
          ...(req.resourcePolicy ? { resourcePolicy: req.resourcePolicy } : {}),
          ...(req.requireResourcePolicy ? { requireResourcePolicy: true } : {}),
        },
        { principal: { type: principal.type, accountId: principal.accountId, arn: principal.arn, ...(principal.roleArn ? { roleArn: principal.roleArn } : {}) }, action: req.action, resource: req.resource, context },
      );
      if (d.decision !== 'allowed') throw awsError('AccessDenied', `User: ${principal.arn} is not authorized to perform: ${req.action} on resource: ${req.resource}`);
    },
    addResource(arn, type) {
      resources.push(type ? { arn, type } : { arn });
    },
  };
}

/** Calls an operation of `svc` as `principal`, with pre-handler authorization as the HTTP layer does it. */
export async function call(svc: ServiceDefinition, store: IamStore, principal: Principal, op: string, input: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const h = svc.operations[op];
  if (!h) throw new Error(`no handler for ${op}`);
  const ctx = fakeContext(store, principal, { operation: op });
  if ((h.authorization ?? 'identity') === 'identity') {
    const action = h.action ?? `${svc.name}:${op}`;
    for (const r of h.resources ? h.resources(input, ctx) : ['*']) await ctx.authorize({ action, resource: r });
  }
  return ((await h.handler(input, ctx)) ?? {}) as Record<string, unknown>;
}

/** The root principal of `store`'s account. */
export function rootPrincipal(store: IamStore): Principal {
  return { type: 'Root', accountId: store.accountId, arn: `arn:aws:iam::${store.accountId}:root`, principalId: store.accountId, accessKeyId: 'AKIAROOT', temporary: false, tags: {} };
}

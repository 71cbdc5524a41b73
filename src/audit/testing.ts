/** Test helpers for the audit trail: API-call events, request contexts, and calling operations like the server does. */
import { randomUUID } from 'node:crypto';
import { eventIdAt, type ApiCallEvent, type EventIdentity } from '../events/index.js';
import type { RequestContext, ServiceDefinition } from '../http/service.js';
import type { Principal } from '../iam/index.js';
import type { KVStore } from '../storage/index.js';
import { expect } from 'vitest';
import { EventStore, type EventKey } from './event-store.js';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

export const ROOT_IDENTITY: EventIdentity = {
  type: 'Root', accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, principalId: ACCOUNT, accessKeyId: 'AKIAROOTROOTROOT0001', temporary: false,
};
export const USER_IDENTITY: EventIdentity = {
  type: 'IAMUser', accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/Alice`, principalId: 'AIDAALICEALICEALICE1', accessKeyId: 'AKIAALICEALICE000001', userName: 'Alice', temporary: false,
};
export const ROLE_IDENTITY: EventIdentity = {
  type: 'AssumedRole', accountId: ACCOUNT, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/bob-session`, principalId: 'AROAADMINADMINADMIN1:bob-session',
  accessKeyId: 'ASIAADMINSESSION0001', roleArn: `arn:aws:iam::${ACCOUNT}:role/Admin`, roleName: 'Admin', sessionName: 'bob-session', temporary: true,
  tokenIssueTime: '2024-05-01T10:00:00.000Z', mfaPresent: false,
};

/** An ApiCallEvent with sensible defaults. */
export function apiEvent(over: Partial<ApiCallEvent> = {}): ApiCallEvent {
  const time = over.time ?? new Date('2024-05-01T12:00:00.123Z');
  return {
    time,
    requestId: randomUUID(),
    eventId: eventIdAt(time.getTime()),
    identity: USER_IDENTITY,
    sourceIp: '198.51.100.7',
    userAgent: 'aws-cli/2.15.0',
    service: 'kms',
    eventSource: 'kms.amazonaws.com',
    operation: 'CreateKey',
    region: REGION,
    readOnly: false,
    resources: [],
    requestParameters: {},
    responseElements: {},
    httpStatus: 200,
    authenticated: true,
    ...over,
  };
}

const ROOT_PRINCIPAL: Principal = {
  type: 'Root', accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, principalId: ACCOUNT, accessKeyId: 'AKIAROOTROOTROOT0001', temporary: false, tags: {},
};

/** A request context for calling handlers directly; `resources` collects addResource calls. */
export function requestContext(now: Date, operation: string): RequestContext & { resources: { arn: string; type?: string }[] } {
  const resources: { arn: string; type?: string }[] = [];
  return {
    requestId: randomUUID(),
    region: REGION,
    accountId: ACCOUNT,
    principal: ROOT_PRINCIPAL,
    sourceIp: '127.0.0.1',
    userAgent: 'test',
    secureTransport: false,
    now,
    service: 'cloudtrail',
    operation,
    conditionContext: new Map(),
    authorize: async () => undefined,
    addResource(arn, type) {
      resources.push(type ? { arn, type } : { arn });
    },
    resources,
  };
}

/**
 * Calls an operation as the server would: runs the handler, then hands the call's event to `sink`.
 * Returns the output; rethrows the handler's error after recording it.
 */
export async function callOperation(
  svc: ServiceDefinition,
  sink: (e: ApiCallEvent) => Promise<void>,
  op: string,
  input: Record<string, unknown>,
  now: Date,
): Promise<Record<string, unknown>> {
  const h = svc.operations[op];
  if (!h) throw new Error(`no handler for ${op}`);
  const ctx = requestContext(now, op);
  let out: Record<string, unknown> | undefined;
  let err: { code?: string; message?: string } | undefined;
  try {
    out = (await h.handler(input, ctx)) as Record<string, unknown>;
  } catch (e) {
    err = e as { code?: string; message?: string };
  }
  await sink(
    apiEvent({
      time: now,
      identity: ROOT_IDENTITY,
      service: 'cloudtrail',
      eventSource: svc.eventSource,
      operation: op,
      readOnly: h.readOnly ?? /^(Get|List|Describe|Lookup)/.test(op),
      resources: ctx.resources,
      requestParameters: input,
      responseElements: err ? null : (out ?? null),
      ...(err ? { errorCode: err.code ?? 'InternalFailure', errorMessage: err.message ?? '' } : {}),
    }),
  );
  if (err) throw err;
  return out ?? {};
}

/**
 * Clears `trail`'s outbox in two steps across a restart: the first `firstCount` of `keys` through
 * `store`, then, after checking that a store opened afresh on `kv` still holds exactly the rest, the
 * rest through that one; expects no outbox rows left.
 */
export async function expectOutboxClearsAcrossReopen(kv: KVStore, store: EventStore, trail: string, keys: readonly EventKey[], firstCount: number): Promise<void> {
  await kv.batch(store.outboxClearOps(trail, keys.slice(0, firstCount)));
  const reopened = new EventStore(kv);
  await reopened.load();
  expect(await reopened.outbox(trail)).toEqual(keys.slice(firstCount));
  await kv.batch(reopened.outboxClearOps(trail, keys.slice(firstCount)));
  expect(await kv.list('audit/outbox/')).toEqual([]);
}

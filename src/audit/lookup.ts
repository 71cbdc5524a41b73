/**
 * LookupEvents over the event store: at most one lookup attribute (as AWS), a time range (default:
 * the retention window), newest first, MaxResults 1–50 (default 50), and an opaque NextToken bound
 * to the query it came from (a token reused with other parameters is InvalidNextTokenException).
 */
import { createHash } from 'node:crypto';
import { awsError } from '../errors/index.js';
import { LOOKUP_ATTRIBUTES, type EventKey, type EventStore, type LookupAttributeKey } from './event-store.js';
import { usernameOf, type CloudTrailRecord } from './record.js';

/** LookupEvents input, as the codec decodes it. */
export interface LookupEventsInput {
  readonly LookupAttributes?: readonly { readonly AttributeKey: string; readonly AttributeValue: string }[];
  readonly StartTime?: Date;
  readonly EndTime?: Date;
  readonly EventCategory?: string;
  readonly MaxResults?: number;
  readonly NextToken?: string;
}

/** One LookupEvents result. */
export interface LookupEvent {
  readonly EventId: string;
  readonly EventName: string;
  readonly ReadOnly: string;
  readonly AccessKeyId?: string;
  readonly EventTime: Date;
  readonly EventSource: string;
  readonly Username?: string;
  readonly Resources: { ResourceType?: string; ResourceName: string }[];
  readonly CloudTrailEvent: string;
}

/** LookupEvents output. */
export interface LookupEventsOutput {
  readonly Events: LookupEvent[];
  readonly NextToken?: string;
}

const TOKEN_VERSION = 1;
const EVENT_KEY = /^\d{16}\/[\w-]{1,128}$/;

function queryFingerprint(input: LookupEventsInput): string {
  const a = input.LookupAttributes?.[0];
  return createHash('sha256')
    .update(`${a?.AttributeKey ?? ''}\0${a?.AttributeValue ?? ''}\0${input.StartTime?.getTime() ?? ''}\0${input.EndTime?.getTime() ?? ''}`)
    .digest('base64url')
    .slice(0, 22);
}

function encodeToken(key: EventKey, fp: string): string {
  return Buffer.from(JSON.stringify({ v: TOKEN_VERSION, k: key, q: fp }), 'utf8').toString('base64url');
}

function decodeToken(token: string, fp: string): EventKey {
  const bad = (): Error => awsError('InvalidNextTokenException', 'Invalid token.');
  if (token.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(token)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const t = parsed as { v?: unknown; k?: unknown; q?: unknown };
  if (!t || t.v !== TOKEN_VERSION || typeof t.k !== 'string' || !EVENT_KEY.test(t.k)) throw bad();
  // A token belongs to the query that produced it (AWS rejects a token reused with other parameters).
  if (t.q !== fp) throw bad();
  return t.k;
}

/** The LookupEvents Event of a stored record. */
export function lookupEventOf(json: string): LookupEvent {
  const r = JSON.parse(json) as CloudTrailRecord;
  const user = usernameOf(r);
  return {
    EventId: r.eventID,
    EventName: r.eventName,
    ReadOnly: r.readOnly ? 'true' : 'false',
    ...(r.userIdentity.accessKeyId ? { AccessKeyId: r.userIdentity.accessKeyId } : {}),
    EventTime: new Date(r.eventTime),
    EventSource: r.eventSource,
    ...(user ? { Username: user } : {}),
    Resources: (r.resources ?? []).map((x) => ({ ...(x.type ? { ResourceType: x.type } : {}), ResourceName: x.ARN })),
    CloudTrailEvent: json,
  };
}

/** Runs LookupEvents at `now`. */
export async function lookupEvents(store: EventStore, input: LookupEventsInput, now: Date): Promise<LookupEventsOutput> {
  const attrs = input.LookupAttributes ?? [];
  if (attrs.length > 1) throw awsError('InvalidLookupAttributesException', 'You cannot specify more than one lookup attribute.');
  const attr = attrs[0];
  if (attr && !(LOOKUP_ATTRIBUTES as readonly string[]).includes(attr.AttributeKey)) {
    throw awsError('InvalidLookupAttributesException', `Unknown lookup attribute ${String(attr.AttributeKey).slice(0, 32)}.`);
  }
  if (attr && (typeof attr.AttributeValue !== 'string' || attr.AttributeValue.length === 0)) {
    throw awsError('InvalidLookupAttributesException', 'The lookup attribute value must not be empty.');
  }
  const max = input.MaxResults ?? 50;
  if (!Number.isInteger(max) || max < 1 || max > 50) throw awsError('InvalidMaxResultsException', 'MaxResults must be between 1 and 50.');
  const startMs = input.StartTime?.getTime() ?? now.getTime() - store.retentionMs;
  const endMs = input.EndTime?.getTime() ?? now.getTime();
  if (Number.isNaN(startMs) || Number.isNaN(endMs) || startMs > endMs) {
    throw awsError('InvalidTimeRangeException', 'Start time must be before end time.');
  }
  const fp = queryFingerprint(input);
  const before = input.NextToken !== undefined ? decodeToken(input.NextToken, fp) : undefined;
  // CloudTrail has no Insights events here: that category is always empty.
  if (input.EventCategory === 'insight') return { Events: [] };

  const { keys, more } = await store.scan({
    startMs,
    endMs,
    ...(attr ? { attribute: { key: attr.AttributeKey as LookupAttributeKey, value: attr.AttributeValue } } : {}),
    ...(before !== undefined ? { before } : {}),
    limit: max,
  });
  const events: LookupEvent[] = [];
  for (const k of keys) {
    const json = await store.getJson(k);
    if (json !== undefined) events.push(lookupEventOf(json));
  }
  const last = keys[keys.length - 1];
  return { Events: events, ...(more && last !== undefined ? { NextToken: encodeToken(last, fp) } : {}) };
}

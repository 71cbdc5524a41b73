/**
 * GuardDuty findings as data: building a finding in GuardDuty's exact JSON (schemaVersion 2.0) from
 * a detection module's candidate, updating it when the same activity repeats, and the query side
 * (FindingCriteria with every condition operator over attribute paths, SortCriteria, statistics).
 * Findings are kept in their wire form (camelCase, as GetFindings and the S3 export show them).
 */
import { createHash, randomBytes } from 'node:crypto';
import { awsError, type AwsError } from '../errors/index.js';
import type { FindingCandidate } from './types.js';

/** A finding as GuardDuty writes it (camelCase JSON). */
export interface Finding {
  schemaVersion: '2.0';
  accountId: string;
  region: string;
  partition: string;
  id: string;
  arn: string;
  type: string;
  resource: Record<string, unknown>;
  service: FindingService;
  severity: number;
  title: string;
  description: string;
  createdAt: string;
  updatedAt: string;
  confidence?: number;
}

/** The finding's `service` block. */
export interface FindingService {
  serviceName: 'guardduty';
  detectorId: string;
  action: Record<string, unknown>;
  evidence?: Record<string, unknown>;
  archived: boolean;
  count: number;
  eventFirstSeen: string;
  eventLastSeen: string;
  resourceRole: 'TARGET' | 'ACTOR';
  additionalInfo: Record<string, unknown>;
  featureName?: string;
  userFeedback?: string;
}

/** A BadRequestException as GuardDuty words invalid input (`type` InvalidInputException). */
export function badRequest(message = 'The request is rejected because an invalid or out-of-range value is specified as an input parameter.'): AwsError {
  return awsError('BadRequestException', message, { type: 'InvalidInputException' });
}

/** A 32-hex finding/detector/list id as GuardDuty prints them. */
export function newId(): string {
  return randomBytes(16).toString('hex');
}

/** Severity rounded as GuardDuty shows it (one decimal, clamped to 1.0–10.0). */
export function clampSeverity(s: number): number {
  return Math.min(10, Math.max(1, Math.round(s * 10) / 10));
}

/** Which GuardDuty feature produced a finding of this candidate's input. */
function featureNameOf(action: Record<string, unknown>): string {
  switch (action.actionType) {
    case 'AWS_API_CALL':
      return 'CloudTrail';
    case 'DNS_REQUEST':
      return 'DnsLogs';
    case 'NETWORK_CONNECTION':
    case 'PORT_PROBE':
      return 'FlowLogs';
    default:
      return 'CloudTrail';
  }
}

/** Builds a new finding from a candidate. `severity` is already resolved (candidate's or the type's default). */
export function buildFinding(c: FindingCandidate, det: { id: string; accountId: string; region: string }, severity: number, now: Date, resourceType?: string): Finding {
  const id = newId();
  const t = c.eventTime.toISOString();
  const resource: Record<string, unknown> = { ...c.resource };
  if (resource.resourceType === undefined && resourceType) resource.resourceType = resourceType;
  const service: FindingService = {
    serviceName: 'guardduty',
    detectorId: det.id,
    action: c.action,
    ...(c.evidence ? { evidence: c.evidence } : {}),
    archived: false,
    count: 1,
    eventFirstSeen: t,
    eventLastSeen: t,
    resourceRole: c.resourceRole ?? 'TARGET',
    additionalInfo: { ...(c.additionalInfo ?? {}), type: 'default' },
    featureName: featureNameOf(c.action),
  };
  const ts = now.toISOString();
  return {
    schemaVersion: '2.0',
    accountId: c.accountId,
    region: c.region,
    partition: 'aws',
    id,
    arn: `arn:aws:guardduty:${det.region}:${det.accountId}:detector/${det.id}/finding/${id}`,
    type: c.type,
    resource,
    service,
    severity: clampSeverity(severity),
    title: c.title,
    description: c.description,
    createdAt: ts,
    updatedAt: ts,
  };
}

/** Records a repeat of the same activity: count, eventLastSeen (eventFirstSeen if earlier), updatedAt, latest action. */
export function repeatFinding(f: Finding, c: FindingCandidate, severity: number, now: Date): void {
  const t = c.eventTime.toISOString();
  f.service.count++;
  // Same-second repeats (CloudTrail times have seconds) still show the latest action.
  if (t >= f.service.eventLastSeen) {
    f.service.eventLastSeen = t;
    f.service.action = c.action;
    if (c.evidence) f.service.evidence = c.evidence;
  }
  if (t < f.service.eventFirstSeen) f.service.eventFirstSeen = t;
  f.severity = Math.max(f.severity, clampSeverity(severity));
  f.updatedAt = now.toISOString();
}

/** A stable short hash of a dedup key (the store's index key). */
export function dedupHash(detectorId: string, key: string): string {
  return createHash('sha256').update(detectorId).update('\0').update(key).digest('base64url').slice(0, 22);
}

// ---- criteria ----

/** One condition of FindingCriteria as the model decodes it (member names). */
export interface Condition {
  readonly Eq?: readonly string[];
  readonly Neq?: readonly string[];
  readonly Gt?: number;
  readonly Gte?: number;
  readonly Lt?: number;
  readonly Lte?: number;
  readonly Equals?: readonly string[];
  readonly NotEquals?: readonly string[];
  readonly GreaterThan?: number;
  readonly GreaterThanOrEqual?: number;
  readonly LessThan?: number;
  readonly LessThanOrEqual?: number;
  readonly Matches?: readonly string[];
  readonly NotMatches?: readonly string[];
}

/** FindingCriteria (member names). */
export interface FindingCriteria {
  readonly Criterion?: Readonly<Record<string, Condition>>;
}

/** Attributes whose values are timestamps: compared as epoch milliseconds. */
const TIME_ATTRS = new Set(['createdAt', 'updatedAt', 'service.eventFirstSeen', 'service.eventLastSeen']);
const ATTR = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$/;

/** The values at a dotted path, descending into arrays. */
export function valuesAt(f: unknown, path: string): unknown[] {
  let cur: unknown[] = [f];
  for (const seg of path.split('.')) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (v === null || v === undefined) continue;
      if (Array.isArray(v)) {
        for (const x of v) if (x && typeof x === 'object') { const y = (x as Record<string, unknown>)[seg]; if (y !== undefined) next.push(y); }
      } else if (typeof v === 'object') {
        const y = (v as Record<string, unknown>)[seg];
        if (y !== undefined) next.push(y);
      }
    }
    cur = next;
  }
  const out: unknown[] = [];
  for (const v of cur) if (Array.isArray(v)) out.push(...v); else out.push(v);
  return out;
}

function numOf(path: string, v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return undefined;
  if (typeof v === 'string') {
    if (TIME_ATTRS.has(path)) {
      const t = Date.parse(v);
      return Number.isNaN(t) ? undefined : t;
    }
    const n = Number(v);
    return v.trim() !== '' && Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function eqValue(path: string, actual: unknown, wanted: string): boolean {
  if (typeof actual === 'number') {
    const n = Number(wanted);
    return Number.isFinite(n) && n === actual;
  }
  if (typeof actual === 'boolean') return String(actual) === wanted.toLowerCase();
  if (typeof actual === 'string') {
    if (actual === wanted) return true;
    if (TIME_ATTRS.has(path)) {
      const a = Date.parse(actual);
      const w = /^\d+$/.test(wanted) ? Number(wanted) : Date.parse(wanted);
      return !Number.isNaN(a) && a === w;
    }
    return false;
  }
  return false;
}

function globMatch(pattern: string, v: string): boolean {
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*') + '$', 's');
  return re.test(v);
}

/** A compiled FindingCriteria: a predicate over findings. */
export type CriteriaPredicate = (f: Finding) => boolean;

/** Validates and compiles FindingCriteria; throws BadRequestException on bad attribute names or empty conditions. */
export function compileCriteria(c: FindingCriteria | undefined): CriteriaPredicate {
  const entries = Object.entries(c?.Criterion ?? {});
  if (entries.length === 0) return () => true;
  const tests: ((f: Finding) => boolean)[] = [];
  for (const [path, cond] of entries) {
    if (!ATTR.test(path) || path.length > 300) throw badRequest(`The request is rejected because the attribute name ${path} is not valid.`);
    const eq = [...(cond.Eq ?? []), ...(cond.Equals ?? [])];
    const neq = [...(cond.Neq ?? []), ...(cond.NotEquals ?? [])];
    const matches = cond.Matches ?? [];
    const notMatches = cond.NotMatches ?? [];
    const gt = cond.Gt ?? cond.GreaterThan;
    const gte = cond.Gte ?? cond.GreaterThanOrEqual;
    const lt = cond.Lt ?? cond.LessThan;
    const lte = cond.Lte ?? cond.LessThanOrEqual;
    if (eq.length === 0 && neq.length === 0 && matches.length === 0 && notMatches.length === 0 && gt === undefined && gte === undefined && lt === undefined && lte === undefined) {
      throw badRequest(`The request is rejected because the condition for ${path} has no operator.`);
    }
    const globs = matches.map((m) => (v: string) => globMatch(m, v));
    const notGlobs = notMatches.map((m) => (v: string) => globMatch(m, v));
    tests.push((f) => {
      const vals = valuesAt(f, path);
      if (eq.length > 0 && !vals.some((v) => eq.some((w) => eqValue(path, v, w)))) return false;
      if (neq.length > 0 && vals.some((v) => neq.some((w) => eqValue(path, v, w)))) return false;
      if (globs.length > 0 && !vals.some((v) => typeof v === 'string' && globs.some((g) => g(v)))) return false;
      if (notGlobs.length > 0 && vals.some((v) => typeof v === 'string' && notGlobs.some((g) => g(v)))) return false;
      if (gt !== undefined || gte !== undefined || lt !== undefined || lte !== undefined) {
        const ok = vals.some((v) => {
          const n = numOf(path, v);
          if (n === undefined) return false;
          return (gt === undefined || n > gt) && (gte === undefined || n >= gte) && (lt === undefined || n < lt) && (lte === undefined || n <= lte);
        });
        if (!ok) return false;
      }
      return true;
    });
  }
  return (f) => {
    for (let i = 0; i < tests.length; i++) if (!(tests[i] as (f: Finding) => boolean)(f)) return false;
    return true;
  };
}

/** SortCriteria (member names). */
export interface SortCriteria {
  readonly AttributeName?: string;
  readonly OrderBy?: 'ASC' | 'DESC';
}

/** Sorts findings in place by a SortCriteria (default: updatedAt descending), id as tie-breaker. */
export function sortFindings(list: Finding[], s: SortCriteria | undefined): Finding[] {
  const attr = s?.AttributeName ?? 'updatedAt';
  if (!ATTR.test(attr)) throw badRequest(`The request is rejected because the sort attribute ${attr} is not valid.`);
  const dir = (s?.OrderBy ?? (s?.AttributeName ? 'ASC' : 'DESC')) === 'DESC' ? -1 : 1;
  const key = (f: Finding): number | string => {
    const v = valuesAt(f, attr)[0];
    if (typeof v === 'number') return v;
    if (typeof v === 'boolean') return v ? 1 : 0;
    return typeof v === 'string' ? v : '';
  };
  const keyed = list.map((f) => ({ f, k: key(f) }));
  keyed.sort((a, b) => {
    if (a.k < b.k) return -dir;
    if (a.k > b.k) return dir;
    return a.f.id < b.f.id ? -1 : a.f.id > b.f.id ? 1 : 0;
  });
  for (let i = 0; i < keyed.length; i++) list[i] = (keyed[i] as { f: Finding }).f;
  return list;
}

/** The resource id GuardDuty groups by: access key, instance, bucket, or the resource type. */
export function resourceIdOf(f: Finding): string {
  const r = f.resource;
  const ak = r.accessKeyDetails as { accessKeyId?: string; userName?: string } | undefined;
  if (ak?.accessKeyId) return ak.accessKeyId;
  if (ak?.userName) return ak.userName;
  const inst = r.instanceDetails as { instanceId?: string } | undefined;
  if (inst?.instanceId) return inst.instanceId;
  const b = r.s3BucketDetails as { name?: string }[] | undefined;
  if (b?.[0]?.name) return b[0].name;
  return String(r.resourceType ?? 'Unknown');
}

/** Severity as GetFindingsStatistics' CountBySeverity keys it ("8.0"). */
export function severityKey(s: number): string {
  return Number.isInteger(s) ? s.toFixed(1) : String(s);
}

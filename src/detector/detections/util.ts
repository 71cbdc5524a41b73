/**
 * Shared helpers of the detection modules: GuardDuty-shaped resource/action blocks built from a
 * CloudTrail record, the caller's principal key, IP classification, event times, and the small
 * bounded structures (LRU map, sliding window) that keep baselines compact with millions of events.
 */
import { isIP } from 'node:net';
import type { CloudTrailRecord, DetectionContext, FindingCandidate } from '../types.js';
import { findingTypeInfo } from './finding-types.js';

/** Milliseconds of an event time: ISO 8601, or the 'YYYY-MM-DD hh:mm:ss.nnnnnnnnn' form some exports use. */
export function timeMs(s: string | undefined): number {
  if (!s) return 0;
  // Fast path for CloudTrail's own form, 'YYYY-MM-DDThh:mm:ssZ'.
  if (s.length === 20 && s.charCodeAt(10) === 84 && s.charCodeAt(19) === 90) {
    const d = (i: number): number => (s.charCodeAt(i) - 48) * 10 + (s.charCodeAt(i + 1) - 48);
    const t = Date.UTC(d(0) * 100 + d(2), d(5) - 1, d(8), d(11), d(14), d(17));
    if (!Number.isNaN(t)) return t;
  }
  const t = Date.parse(s);
  if (!Number.isNaN(t)) return t;
  const m = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(\.\d{1,3})?\d*Z?$/.exec(s);
  if (m) return Date.parse(`${m[1]}T${m[2]}${m[3] ?? ''}Z`);
  return 0;
}

/** The four octets of a dotted IPv4 address, or undefined (parsed without allocating). */
function ipv4(ip: string): [number, number] | undefined {
  let part = 0;
  let dots = 0;
  let digits = 0;
  let a = 0;
  let b = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return undefined;
      if (dots === 0) a = part; else if (dots === 1) b = part;
      dots++; part = 0; digits = 0;
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48); digits++;
      if (digits > 3) return undefined;
    } else return undefined;
  }
  if (dots !== 3 || digits === 0 || part > 255) return undefined;
  return [a, b];
}

/** True for a syntactically valid IPv4/IPv6 address outside private, loopback, link-local and other special ranges. */
export function isPublicIp(ip: string | undefined): ip is string {
  if (!ip) return false;
  const v4 = ipv4(ip);
  if (v4) {
    const [a, b] = v4;
    if (a === 10 || a === 127 || a === 0 || a >= 224) return false;
    if (a === 172 && b >= 16 && b <= 31) return false;
    if (a === 192 && b === 168) return false;
    if (a === 169 && b === 254) return false;
    if (a === 100 && b >= 64 && b <= 127) return false;
    return true;
  }
  if (!ip.includes(':') || isIP(ip) !== 6) return false;
  const l = ip.toLowerCase();
  return !(l === '::1' || l.startsWith('fe8') || l.startsWith('fc') || l.startsWith('fd') || l === '::');
}

/** The caller is an AWS service acting on its own behalf (sourceIPAddress a service host name). */
export function isServiceCaller(rec: CloudTrailRecord): boolean {
  const ip = rec.sourceIPAddress;
  return rec.userIdentity?.type === 'AWSService' || (ip !== undefined && ip.endsWith('.amazonaws.com')) || rec.userIdentity?.invokedBy !== undefined;
}

/** What several modules need of a CloudTrail record, computed once per record. */
export interface RecordFacts {
  readonly time: number;
  readonly principal: string;
  readonly serviceCaller: boolean;
  readonly failed: boolean;
}

let lastRec: CloudTrailRecord | undefined;
let lastFacts: RecordFacts | undefined;

/** The record's facts; the engine hands one record to every module in turn, so a one-entry cache serves them all. */
export function factsOf(rec: CloudTrailRecord): RecordFacts {
  if (rec === lastRec && lastFacts) return lastFacts;
  lastFacts = { time: timeMs(rec.eventTime), principal: principalKey(rec), serviceCaller: isServiceCaller(rec), failed: rec.errorCode !== undefined && rec.errorCode !== null && rec.errorCode !== '' };
  lastRec = rec;
  return lastFacts;
}

/**
 * The principal a baseline is kept for: the role for assumed-role sessions (sessions come and go),
 * the user ARN otherwise, else the principal id or access key.
 */
export function principalKey(rec: CloudTrailRecord): string {
  const u = rec.userIdentity;
  if (!u) return 'unknown';
  if (u.type === 'AssumedRole') return u.sessionContext?.sessionIssuer?.arn ?? u.arn ?? u.principalId ?? 'unknown';
  return u.arn ?? u.principalId ?? u.accessKeyId ?? u.type ?? 'unknown';
}

/** A short display name of the caller (user name, role name or type). */
export function principalName(rec: CloudTrailRecord): string {
  const u = rec.userIdentity;
  if (!u) return 'unknown';
  if (u.userName) return u.userName;
  const issuer = u.sessionContext?.sessionIssuer?.userName;
  if (issuer) return issuer;
  if (u.type === 'Root') return 'Root';
  return u.arn?.split('/').pop() ?? u.principalId ?? 'unknown';
}

/** GuardDuty's resource block for a CloudTrail finding: the caller's access key. */
export function accessKeyResource(rec: CloudTrailRecord): Record<string, unknown> {
  const u = rec.userIdentity;
  return {
    resourceType: 'AccessKey',
    accessKeyDetails: {
      accessKeyId: u?.accessKeyId ?? 'GeneratedFindingAccessKeyId',
      principalId: u?.principalId ?? 'unknown',
      userName: principalName(rec),
      userType: u?.type ?? 'Unknown',
    },
  };
}

/** GuardDuty's remoteIpDetails for an IP, from the context's geo lookup. */
export function remoteIpDetails(ctx: DetectionContext, ip: string): Record<string, unknown> {
  const g = ctx.geo(ip);
  const org = g?.asnOrg ?? 'Unknown';
  return {
    ipAddressV4: ip,
    country: { countryCode: g?.countryCode ?? 'Unknown', countryName: g?.countryName ?? 'Unknown' },
    organization: { asn: g?.asn ?? '0', asnOrg: org, isp: org, org },
    city: { cityName: 'Unknown' },
    geoLocation: { lat: 0, lon: 0 },
  };
}

/** The service name of an event source ('iam.amazonaws.com' → 'iam.amazonaws.com', as GuardDuty reports it). */
export function serviceName(rec: CloudTrailRecord): string {
  return rec.eventSource;
}

/** GuardDuty's AWS_API_CALL action block for a CloudTrail record. */
export function apiCallAction(ctx: DetectionContext, rec: CloudTrailRecord, extra?: Record<string, unknown>): Record<string, unknown> {
  const ip = rec.sourceIPAddress;
  const call: Record<string, unknown> = {
    api: rec.eventName,
    serviceName: serviceName(rec),
    callerType: isServiceCaller(rec) ? 'AWS Service' : 'Remote IP',
  };
  if (rec.errorCode) call.errorCode = rec.errorCode;
  if (ip && isIP(ip)) call.remoteIpDetails = remoteIpDetails(ctx, ip);
  else if (ip) call.domainDetails = { domain: ip };
  if (rec.userAgent) call.userAgent = { fullUserAgent: rec.userAgent, userAgentCategory: userAgentCategory(rec.userAgent) };
  const affected: Record<string, string> = {};
  for (const r of rec.resources ?? []) if (r.type && r.ARN) affected[r.type] = r.ARN;
  call.affectedResources = affected;
  if (extra) Object.assign(call, extra);
  return { actionType: 'AWS_API_CALL', awsApiCallAction: call };
}

/** A coarse user-agent category, as GuardDuty's userAgentCategory reports. */
export function userAgentCategory(ua: string): string {
  if (/kali|parrot|pentoo/i.test(ua)) return 'Pentest';
  if (ua.startsWith('console.') || /signin\.amazonaws|Mozilla\//.test(ua)) return 'Console';
  if (/aws-cli/i.test(ua)) return 'AWS CLI';
  if (/aws-sdk|Boto3|botocore/i.test(ua)) return 'AWS SDK';
  return 'Other';
}

/** The account the activity belongs to: the record's own, else the detector's. */
export function recordAccount(ctx: DetectionContext, rec: CloudTrailRecord): string {
  return rec.recipientAccountId ?? rec.userIdentity?.accountId ?? ctx.accountId;
}

/** Fields a CloudTrail-based candidate needs besides the resource and action. */
export interface ApiCandidateSpec {
  readonly type: string;
  readonly severity?: number;
  readonly title: string;
  readonly description: string;
  /** The dedup key suffix after the type and principal (e.g. the remote IP, an affected resource). */
  readonly key?: string;
  readonly detection: string;
  readonly evidence?: Record<string, unknown>;
  readonly additionalInfo?: Record<string, unknown>;
  readonly actionExtra?: Record<string, unknown>;
}

/** A GuardDuty-shaped candidate for one CloudTrail record (AccessKey resource, AWS_API_CALL action). */
export function apiCandidate(ctx: DetectionContext, rec: CloudTrailRecord, spec: ApiCandidateSpec): FindingCandidate {
  const ip = rec.sourceIPAddress;
  const c: FindingCandidate = {
    type: spec.type,
    ...(spec.severity !== undefined ? { severity: spec.severity } : {}),
    accountId: recordAccount(ctx, rec),
    region: rec.awsRegion || ctx.region,
    resource: accessKeyResource(rec),
    action: apiCallAction(ctx, rec, spec.actionExtra),
    ...(spec.evidence ? { evidence: spec.evidence } : {}),
    title: spec.title,
    description: spec.description,
    dedupKey: `${spec.type}|${principalKey(rec)}|${spec.key ?? ''}`,
    eventTime: new Date(timeMs(rec.eventTime) || Date.now()),
    ...(spec.additionalInfo ? { additionalInfo: spec.additionalInfo } : {}),
    ...(isPublicIp(ip) ? { remoteIp: ip } : {}),
    detection: spec.detection,
  };
  return c;
}

/** The default severity of a type (5 when the type is unknown). */
export function defaultSeverity(type: string): number {
  return findingTypeInfo(type)?.severity ?? 5;
}

/**
 * A map bounded to about `cap` entries that forgets the least recently used: two generations
 * (young, old); a hit in old moves the entry to young; when young fills half the cap, old is
 * dropped and young becomes old. Hits in young cost one Map lookup (no reordering churn), and at
 * most `cap` entries are ever held.
 */
export class LruMap<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private readonly half: number;
  constructor(readonly cap: number) { this.half = Math.max(1, Math.floor(cap / 2)); }
  /** Number of entries. */
  get size(): number { return this.young.size + this.old.size; }
  /** The value without changing recency. */
  peek(k: K): V | undefined { return this.young.get(k) ?? this.old.get(k); }
  /** The value, marked recently used. */
  get(k: K): V | undefined {
    const v = this.young.get(k);
    if (v !== undefined) return v;
    const o = this.old.get(k);
    if (o !== undefined) { this.old.delete(k); this.insert(k, o); }
    return o;
  }
  /** Inserts or replaces, forgetting the oldest generation when the young one is full. */
  set(k: K, v: V): void {
    if (this.young.has(k)) { this.young.set(k, v); return; }
    this.old.delete(k);
    this.insert(k, v);
  }
  private insert(k: K, v: V): void {
    if (this.young.size >= this.half) { this.old = this.young; this.young = new Map(); }
    this.young.set(k, v);
  }
  /** Removes a key. */
  delete(k: K): void { this.young.delete(k); this.old.delete(k); }
  /** Entries, older generation first. */
  *entries(): IterableIterator<[K, V]> { yield* this.old.entries(); yield* this.young.entries(); }
  /** Removes everything. */
  clear(): void { this.young.clear(); this.old.clear(); }
}

/**
 * Distinct values seen within a window, counted over two tumbling periods (the current one and the
 * one before), so a count covers between one and two window lengths. O(1) per value, at most `cap`
 * values per period (the count saturates there).
 */
export class DistinctWindow {
  private cur = new Set<string>();
  private prev = new Set<string>();
  private prevOnly = 0;
  private start = -Infinity;
  constructor(readonly windowMs: number, readonly cap: number) {}
  /** Records a value at a time; returns the distinct count of the current and previous periods. */
  add(value: string, t: number): number {
    if (t - this.start >= this.windowMs) {
      if (t - this.start < 2 * this.windowMs) { this.prev = this.cur; this.prevOnly = this.cur.size; } else { this.prev = new Set(); this.prevOnly = 0; }
      this.cur = new Set();
      this.start = t;
    }
    if (!this.cur.has(value) && this.cur.size < this.cap) {
      this.cur.add(value);
      if (this.prev.has(value)) this.prevOnly--;
    }
    return this.cur.size + this.prevOnly;
  }
  /** Number of remembered values. */
  get size(): number { return this.cur.size + this.prev.size; }
  /** The distinct values of the current and previous periods. */
  *values(): IterableIterator<string> { yield* this.cur; for (const v of this.prev) if (!this.cur.has(v)) yield v; }
}

/** A sliding-window event counter over a fixed ring of timestamps (count saturates at the ring size). */
export class CountWindow {
  private readonly ring: Float64Array;
  private head = 0;
  private filled = 0;
  constructor(readonly windowMs: number, size: number) { this.ring = new Float64Array(size); }
  /** Records one event at `t`; returns how many of the remembered events fall within the window. */
  add(t: number): number {
    this.ring[this.head] = t;
    this.head = (this.head + 1) % this.ring.length;
    if (this.filled < this.ring.length) this.filled++;
    const lo = t - this.windowMs;
    let n = 0;
    for (let i = 0; i < this.filled; i++) if ((this.ring[i] ?? 0) >= lo) n++;
    return n;
  }
}

/** True when some value at the dotted path satisfies `pred` (arrays traversed element-wise; no allocation). */
export function someValue(root: unknown, path: readonly string[], pred: (v: unknown) => boolean, i = 0): boolean {
  if (root === undefined || root === null) return false;
  if (Array.isArray(root)) {
    for (let k = 0; k < root.length; k++) if (someValue(root[k], path, pred, i)) return true;
    return false;
  }
  if (i === path.length) return pred(root);
  if (typeof root !== 'object') return false;
  const seg = path[i] as string;
  if (seg === '*') {
    for (const v of Object.values(root as Record<string, unknown>)) if (someValue(v, path, pred, i + 1)) return true;
    return false;
  }
  return someValue((root as Record<string, unknown>)[seg], path, pred, i + 1);
}

/** Reads a dotted path through objects; arrays are traversed element-wise (values flattened). */
export function pathValues(root: unknown, path: readonly string[], out: unknown[] = [], i = 0): unknown[] {
  if (root === undefined || root === null) return out;
  if (Array.isArray(root)) {
    for (const el of root) pathValues(el, path, out, i);
    return out;
  }
  if (i === path.length) { out.push(root); return out; }
  if (typeof root !== 'object') return out;
  const seg = path[i] as string;
  if (seg === '*') {
    for (const v of Object.values(root as Record<string, unknown>)) pathValues(v, path, out, i + 1);
    return out;
  }
  return pathValues((root as Record<string, unknown>)[seg], path, out, i + 1);
}

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < s.length; i++) { const c = s.charCodeAt(i); counts.set(c, (counts.get(c) ?? 0) + 1); }
  let h = 0;
  for (const n of counts.values()) { const p = n / s.length; h -= p * Math.log2(p); }
  return h;
}

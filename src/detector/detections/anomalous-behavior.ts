/**
 * anomalous-behavior: per-principal behaviour baselines over CloudTrail. For each principal (user,
 * role, root) it keeps a compact profile: the API families it used (service + ATT&CK tactic), the
 * networks (ASN, else /16) and user-agent families it called from, the days it was active.
 * Fires `<Tactic>:IAMUser/AnomalousBehavior` when an established principal (past its learning
 * period) uses an API family of a sensitive tactic it never used, from a network AND a client it
 * never used, the combination GuardDuty's model scores as anomalous. Regardless of history it
 * also fires on two attacker sequences: a burst of discovery calls across services (far above the
 * principal's own largest burst) and a burst of access-denied errors on many APIs (probing
 * permissions with stolen keys). Profiles are capped (LRU over principals, bounded sets), so memory
 * stays bounded with millions of events.
 */
import type { CloudTrailRecord, Detection, DetectionContext, DetectionInstance, DetectorInput, FindingCandidate } from '../types.js';
import { anomalousType, tacticOf, type Tactic } from './tactics.js';
import { apiCandidate, factsOf, LruMap } from './util.js';

const NAME = 'anomalous-behavior';
/** A principal is established after this many events on at least this many days. */
export const LEARN_EVENTS = 100;
export const LEARN_DAYS = 3;
const MAX_PRINCIPALS = 50_000;
const MAX_FAMILIES = 256;
const MAX_NETS = 32;
const MAX_UAS = 16;
/** Discovery burst: distinct read APIs across services within the window. */
export const BURST_DISTINCT = 20;
const BURST_SERVICES = 3;
const BURST_WINDOW_MS = 5 * 60_000;
/** Access-denied burst: errors on distinct APIs within the window. */
export const DENIED_DISTINCT = 8;
const DENIED_WINDOW_MS = 10 * 60_000;
const DAY = 86_400_000;
/** Longer user agents are compared as they come rather than interned (hashing them would cost more). */
const MAX_INTERNED_UA = 512;
/** Tactics worth a finding when new for an established principal. */
const SENSITIVE: ReadonlySet<Tactic> = new Set(['CredentialAccess', 'DefenseEvasion', 'Persistence', 'PrivilegeEscalation', 'Exfiltration', 'Impact', 'InitialAccess', 'Discovery']);
const DENIED = /AccessDenied|UnauthorizedOperation|NotAuthorized|UnauthorizedAccess|Forbidden/i;

/**
 * One principal's profile. A class with every field set in the constructor, so all profiles share
 * one hidden class (the module reads them on every record).
 */
class Profile {
  /**
   * lastSeen relative to the start of day `lastDay` (lastSeen is the latest event time and lastDay
   * its day, so this is usually under a day): a small integer kept in the object, where a timestamp
   * field would be a boxed number read on every event.
   */
  private lastSeenInDay: number;
  events = 0;
  days = 0;
  lastDay: number;
  families = new Set<string>();
  /**
   * Bit i set: the family with id i (the first 31 families this module met, see familyBit) is in
   * `families`. Lets the common repeat skip the Set, whose table is rarely in cache with many principals.
   */
  familyBits = 0;
  nets = new Set<string>();
  uas = new Set<string>();
  /** Largest discovery burst before today, and today's. */
  burstPrev = 0;
  burstToday = 0;
  /** Short windows, allocated when the principal first makes a discovery call / is first denied. */
  bursts: ApiWindow | undefined = undefined;
  denied: ApiWindow | undefined = undefined;
  /** The last source IP and user agent seen, with their network and client family (most calls repeat them). */
  lastIp: string | undefined = undefined;
  lastNet: string | undefined = undefined;
  lastUaRaw: string | undefined = undefined;
  lastUa: string | undefined = undefined;
  constructor(readonly firstSeen: number, lastSeen: number, lastDay = Math.floor(lastSeen / DAY)) {
    this.lastDay = lastDay;
    this.lastSeenInDay = lastSeen - lastDay * DAY;
  }

  /** The latest event time. */
  get lastSeen(): number {
    return this.lastDay * DAY + this.lastSeenInDay;
  }

  /** Records an event at `t` of day `day` (Math.floor(t / DAY)); true when it starts a new active day. */
  see(t: number, day: number): boolean {
    let started = false;
    if (day > this.lastDay) {
      const seen = this.lastDay * DAY + this.lastSeenInDay;
      this.lastDay = day;
      this.lastSeenInDay = seen - day * DAY;
      started = true;
    }
    const inDay = t - this.lastDay * DAY;
    if (inDay > this.lastSeenInDay) this.lastSeenInDay = inDay;
    return started;
  }
}

/**
 * Distinct APIs within a window over two tumbling periods (DistinctWindow's semantics: the count
 * covers the current and the previous period, at most `cap` values a period), kept in small arrays:
 * a principal's window usually holds a handful of APIs, and the API strings are the memoised
 * ApiInfo ones, so most comparisons are pointer comparisons.
 */
class ApiWindow {
  private cur: string[] = [];
  private prev: string[] = [];
  private prevOnly = 0;
  private start = -Infinity;
  constructor(readonly windowMs: number, readonly cap: number) {}
  /** Records a value at a time; returns the distinct count of the current and previous periods. */
  add(value: string, t: number): number {
    if (t - this.start >= this.windowMs) {
      if (t - this.start < 2 * this.windowMs) { this.prev = this.cur; this.prevOnly = this.cur.length; } else { this.prev = []; this.prevOnly = 0; }
      this.cur = [];
      this.start = t;
    }
    if (this.cur.length < this.cap && !this.cur.includes(value)) {
      this.cur.push(value);
      if (this.prev.includes(value)) this.prevOnly--;
    }
    return this.cur.length + this.prevOnly;
  }
  /** The distinct values of the current and previous periods. */
  *values(): IterableIterator<string> { yield* this.cur; for (const v of this.prev) if (!this.cur.includes(v)) yield v; }
}

type ProfileState = [string, number, number, number, number, number, string[], string[], string[], number];

/** The network an IP belongs to for baselines: its ASN when known, else its /16 (IPv4) or /32 (IPv6). */
function networkOf(ctx: DetectionContext, ip: string | undefined): string {
  if (!ip) return '-';
  const g = ctx.geo(ip);
  if (g?.asn) return `AS${g.asn}`;
  if (ip.includes(':')) return ip.split(':').slice(0, 2).join(':');
  const dot = ip.indexOf('.', ip.indexOf('.') + 1);
  return dot < 0 ? ip : ip.slice(0, dot);
}

/** The client family of a user agent: its first product token ('aws-cli', 'Boto3', 'aws-sdk-go', 'console.amazonaws.com', 'Mozilla'). */
export function uaFamily(ua: string | undefined): string {
  if (!ua) return '-';
  let i = ua.charCodeAt(0) === 91 ? 1 : 0;
  const start = i;
  for (; i < ua.length; i++) {
    const c = ua.charCodeAt(i);
    // letters, digits, '.', '-', '_'
    if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 || c === 45 || c === 95)) break;
  }
  return i === start ? '-' : ua.slice(start, i).toLowerCase();
}

function addCapped(s: Set<string>, v: string, cap: number): void {
  if (s.size < cap) s.add(v);
}

/** What the baselines need of an API, computed once per (eventSource, eventName, readOnly). */
interface ApiInfo { readonly tactic: Tactic; readonly service: string; readonly family: string; readonly api: string; readonly familyBit: number }

/** A Map that is emptied when it reaches its cap (for memoising small vocabularies: APIs, user agents, IPs). */
class MemoMap<V> extends Map<string, V> {
  constructor(private readonly cap: number) { super(); }
  remember(k: string, v: V): V { if (this.size >= this.cap) this.clear(); this.set(k, v); return v; }
}

class AnomalousBehaviorInstance implements DetectionInstance {
  private readonly profiles = new LruMap<string, Profile>(MAX_PRINCIPALS);
  private readonly apis = [new Map<string, MemoMap<ApiInfo>>(), new Map<string, MemoMap<ApiInfo>>()];
  private readonly netMemo = new MemoMap<string>(16_384);
  /** Family → bit of Profile.familyBits, for the first 31 families met (never reassigned). */
  private readonly familyIds = new Map<string, number>();
  /** One string object per distinct user agent (bounded; agents of up to MAX_INTERNED_UA characters), so the per-principal repeat check compares pointers. */
  private readonly uaIntern = new MemoMap<string>(1_024);
  constructor(private readonly ctx: DetectionContext) {}

  private familyBit(family: string): number {
    let id = this.familyIds.get(family);
    if (id === undefined && this.familyIds.size < 31) { id = this.familyIds.size; this.familyIds.set(family, id); }
    return id === undefined ? 0 : 1 << id;
  }

  private apiInfo(source: string, name: string, readOnly: boolean | undefined): ApiInfo {
    const bySource = this.apis[readOnly === true ? 1 : 0] as Map<string, MemoMap<ApiInfo>>;
    let memo = bySource.get(source);
    if (!memo) { if (bySource.size >= 1_000) bySource.clear(); memo = new MemoMap<ApiInfo>(2_000); bySource.set(source, memo); }
    const hit = memo.get(name);
    if (hit) return hit;
    const tactic = tacticOf(name, readOnly);
    const service = source.split('.')[0] ?? source;
    const family = `${service}:${tactic}`;
    return memo.remember(name, { tactic, service, family, api: `${service}:${name}`, familyBit: this.familyBit(family) });
  }

  observe(input: DetectorInput, emit: (c: FindingCandidate) => void): void {
    if (input.kind !== 'cloudtrail') return;
    const rec = input.record;
    const f = factsOf(rec);
    if (f.serviceCaller || !rec.userIdentity) return;
    const t = f.time;
    const key = f.principal;
    let p = this.profiles.get(key);
    if (!p) {
      p = new Profile(t, t, -1);
      this.profiles.set(key, p);
    }
    if (p.see(t, Math.floor(t / DAY))) { p.days++; p.burstPrev = Math.max(p.burstPrev, p.burstToday); p.burstToday = 0; }
    const info = this.apiInfo(rec.eventSource, rec.eventName, rec.readOnly);
    const { tactic, service, family } = info;
    const ip = rec.sourceIPAddress ?? '-';
    let net: string;
    let newNet = false;
    if (ip === p.lastIp && p.lastNet !== undefined) net = p.lastNet;
    else { net = this.netMemo.get(ip) ?? this.netMemo.remember(ip, networkOf(this.ctx, rec.sourceIPAddress)); p.lastIp = ip; p.lastNet = net; newNet = !p.nets.has(net); addCapped(p.nets, net, MAX_NETS); }
    const uaSeen = rec.userAgent ?? '';
    const uaRaw = uaSeen.length > MAX_INTERNED_UA ? uaSeen : (this.uaIntern.get(uaSeen) ?? this.uaIntern.remember(uaSeen, uaSeen));
    let ua: string;
    let newUa = false;
    if (uaRaw === p.lastUaRaw && p.lastUa !== undefined) ua = p.lastUa;
    else { ua = uaFamily(rec.userAgent); p.lastUaRaw = uaRaw; p.lastUa = ua; newUa = !p.uas.has(ua); addCapped(p.uas, ua, MAX_UAS); }
    const failed = f.failed;

    if (failed && DENIED.test(rec.errorCode as string)) this.deniedBurst(rec, key, p, info, t, emit);
    if (tactic === 'Discovery' && !failed && !fromConsole(rec, ua)) this.discoveryBurst(rec, key, p, info, t, emit);

    const established = p.events >= LEARN_EVENTS && p.days >= LEARN_DAYS;
    // nets/uas already hold the current network and client when they repeat the last ones; a new one
    // was just added above, so "new" is judged by `newNet`/`newUa` computed before learning.
    if (established && !failed && newNet && newUa && !p.families.has(family) && SENSITIVE.has(tactic)) {
      const type = anomalousType(tactic);
      if (type) {
        emit(apiCandidate(this.ctx, rec, {
          type,
          title: `${rec.eventName} was invoked under unusual circumstances.`,
          description: `${rec.userIdentity.arn ?? key} called ${rec.eventName} (${service}, ${tactic}) for the first time, from a network (${net}) and a client (${ua}) it has not used before.`,
          key: `${service}:${tactic}`,
          detection: NAME,
          additionalInfo: { unusual: { apiFamily: family, network: net, userAgent: ua }, profile: { events: p.events, activeDays: p.days } },
        }));
      }
    }
    // Learn (failed calls teach nothing about what the principal normally does).
    p.events++;
    if (!failed && (p.familyBits & info.familyBit) === 0) {
      addCapped(p.families, family, MAX_FAMILIES);
      if (p.families.has(family)) p.familyBits |= info.familyBit;
    }
  }

  private discoveryBurst(rec: CloudTrailRecord, key: string, p: Profile, info: ApiInfo, t: number, emit: (c: FindingCandidate) => void): void {
    const w = (p.bursts ??= new ApiWindow(BURST_WINDOW_MS, 128));
    const n = w.add(info.api, t);
    if (n > p.burstToday) p.burstToday = n;
    if (n < BURST_DISTINCT || n <= 2 * p.burstPrev) return;
    const services = new Set<string>();
    for (const api of w.values()) services.add(api.slice(0, api.indexOf(':')));
    const s = services.size;
    if (s >= BURST_SERVICES) {
      emit(apiCandidate(this.ctx, rec, {
        type: 'Discovery:IAMUser/AnomalousBehavior',
        title: 'A burst of discovery calls across services.',
        description: `${rec.userIdentity?.arn ?? key} called ${n} different list/describe/get APIs across ${s} services within 5 minutes, more than twice its largest burst before (${p.burstPrev}): enumeration of the account (T1580, T1087).`,
        key: 'burst',
        detection: NAME,
        additionalInfo: { distinctApis: n, services: s },
      }));
    }
  }

  private deniedBurst(rec: CloudTrailRecord, key: string, p: Profile, info: ApiInfo, t: number, emit: (c: FindingCandidate) => void): void {
    const w = (p.denied ??= new ApiWindow(DENIED_WINDOW_MS, 64));
    const n = w.add(info.api, t);
    if (n >= DENIED_DISTINCT) {
      emit(apiCandidate(this.ctx, rec, {
        type: 'Discovery:IAMUser/AnomalousBehavior',
        title: 'Many API calls were denied in a short time.',
        description: `${rec.userIdentity?.arn ?? key} was denied on ${n} different APIs within 10 minutes: probing what stolen credentials may do (T1580, T1069).`,
        key: 'denied',
        detection: NAME,
        additionalInfo: { deniedApis: n },
      }));
    }
  }

  snapshot(): unknown {
    const out: ProfileState[] = [];
    for (const [k, p] of this.profiles.entries()) {
      out.push([k, p.firstSeen, p.lastSeen, p.events, p.days, p.lastDay, [...p.families], [...p.nets], [...p.uas], Math.max(p.burstPrev, p.burstToday)]);
    }
    return out;
  }

  restore(state: unknown): void {
    if (!Array.isArray(state)) return;
    for (const s of state as ProfileState[]) {
      if (!Array.isArray(s) || typeof s[0] !== 'string') continue;
      const p = new Profile(Number(s[1]), Number(s[2]), Number(s[5]));
      p.events = Number(s[3]);
      p.days = Number(s[4]);
      p.families = new Set(Array.isArray(s[6]) ? s[6].slice(0, MAX_FAMILIES) : []);
      p.nets = new Set(Array.isArray(s[7]) ? s[7].slice(0, MAX_NETS) : []);
      p.uas = new Set(Array.isArray(s[8]) ? s[8].slice(0, MAX_UAS) : []);
      p.burstPrev = Number(s[9]) || 0;
      this.profiles.set(s[0], p);
    }
  }

  /** Number of principals profiled (tests check the bound). */
  get size(): number { return this.profiles.size; }
}

/** Calls made from the management console (page loads fan out into many describe calls). */
function fromConsole(rec: CloudTrailRecord, uaFam: string): boolean {
  return rec.sessionCredentialFromConsole === true || rec.sessionCredentialFromConsole === 'true' || uaFam.startsWith('console.') || uaFam === 'mozilla' || uaFam === 'signin.amazonaws.com';
}

/** The behaviour-baseline module. */
export const anomalousBehavior: Detection = {
  name: NAME,
  description:
    'Per-principal baselines of API families (service + ATT&CK tactic), networks and clients. Fires <Tactic>:IAMUser/AnomalousBehavior when an established principal ' +
    `(${LEARN_EVENTS}+ events on ${LEARN_DAYS}+ days) uses a sensitive API family it never used from a new network and a new client; for any principal, on a burst of ` +
    `${BURST_DISTINCT}+ distinct discovery APIs across ${BURST_SERVICES}+ services in 5 minutes (above twice its own largest burst), or ${DENIED_DISTINCT}+ denied APIs in 10 minutes.`,
  inputs: ['cloudtrail'],
  findingTypes: ['Discovery', 'CredentialAccess', 'DefenseEvasion', 'Persistence', 'PrivilegeEscalation', 'Exfiltration', 'Impact', 'InitialAccess'].map((t) => `${t}:IAMUser/AnomalousBehavior`),
  create: (ctx) => new AnomalousBehaviorInstance(ctx),
};

/**
 * The threat detector's runtime: detectors with their filters, lists, destinations and findings
 * in memory; the detection engine per detector (fed live events and ingested records); turning
 * finding candidates into GuardDuty findings (trusted lists first, dedup, ARCHIVE filters, response
 * hooks); ingestion idempotency; the 90-day retention purge; exports to publishing destinations.
 * The API (service.ts) and the ingestion endpoints are thin layers over this class.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import type { KVStore } from '../storage/index.js';
import { buildFinding, clampSeverity, compileCriteria, dedupHash, repeatFinding, badRequest, type CriteriaPredicate, type Finding } from './findings.js';
import { DomainMatcher, IpMatcher, loadList } from './lists.js';
import { GuardDutyStore, type DestinationRecord, type DetectorRecord, type FilterRecord, type SetKind, type SetRecord } from './store.js';
import type { DetectionContext, DetectorInput, FindingCandidate, ListMatch } from './types.js';
import { geoOf } from './geo.js';
import { SEEN_SEED, SeenSet } from './seen.js';
import { awsError } from '../errors/index.js';
import { INGEST_MAX_RECORDS } from './client.js';
import type { DetectorCandidates, HostReply, ListEntries } from './engine-host.js';
import { RemoteEngines, type EnginePort } from './engine-remote.js';

/** What the service needs from a detection engine (src/detector/detections' DetectionEngine). */
export interface EngineLike {
  observe(input: DetectorInput): FindingCandidate[];
  snapshot(): unknown;
  restore(state: unknown): void;
}

/** Default severity and resourceType of a finding type (the detections' finding-type table). */
export type TypeInfo = (type: string) => { readonly severity: number; readonly resourceType: string } | undefined;

/** A finding that was created or updated, for response actions. */
export interface FindingEvent {
  readonly finding: Finding;
  readonly created: boolean;
  /** The remote IP the candidate named, if any. */
  readonly remoteIp?: string;
  /** The access key the finding's resource names, if any. */
  readonly accessKeyId?: string;
}

/** Construction options. */
export interface GuardDutyOptions {
  readonly kv: KVStore;
  readonly accountId: string;
  readonly region: string;
  /** Root of the local buckets (S3 locations and destinations map under it). */
  readonly bucketsRoot: string;
  /** Builds the detection engine of a detector. */
  readonly engine: (ctx: DetectionContext) => EngineLike;
  /**
   * Runs detection off the main thread: `{ extraRules }` starts engine-worker.js (DetectionEngine
   * with those rules; `engine` is then unused), `{ port }` talks to an EngineHost on a given port
   * (tests). Ingestion bodies are then parsed there too (ingestRaw), live inputs are analysed
   * there in order, and this thread turns the candidates into findings.
   */
  readonly engineThread?: { readonly extraRules?: readonly unknown[] } | { readonly port: EnginePort };
  readonly typeInfo?: TypeInfo;
  /** Known finding types (CreateSampleFindings without types makes one of each). */
  readonly knownTypes?: () => readonly string[];
  /** Findings retention (default 90 days). */
  readonly retentionDays?: number;
  /** Bound on findings per detector (oldest updated are dropped beyond it; default 100,000). */
  readonly maxFindings?: number;
  /** Bound on remembered ingested-record hashes per detector (default 1,000,000, ~50 MB at the bound). */
  readonly maxSeen?: number;
  /** How often findings go to publishing destinations (default 60 s). */
  readonly publishIntervalMs?: number;
  readonly now?: () => Date;
  readonly onError?: (e: unknown, what: string) => void;
}

/** Result of one ingestion batch. */
export interface IngestResult {
  accepted: number;
  duplicates: number;
  skipped: { index: number; reason: string }[];
  findingsCreated: number;
  findingsUpdated: number;
}

/** The compiled lists of one detector. */
interface CompiledLists {
  threatIp: IpMatcher<ListMatch>;
  threatDomain: DomainMatcher<ListMatch>;
  trustedIp: IpMatcher<true>;
  trustedDomain: DomainMatcher<true>;
}

const EMPTY_LISTS = (): CompiledLists => ({ threatIp: new IpMatcher([]), threatDomain: new DomainMatcher([]), trustedIp: new IpMatcher([]), trustedDomain: new DomainMatcher([]) });
const SEEN_CHUNK = 4096;
/** Typical records per ingestion request (sizes the stored dedup chunks' bound). */
const INGEST_BATCH = 1000;
const DAY = 86_400_000;

/** The in-memory state of one detector. */
export class DetectorState {
  readonly filters = new Map<string, FilterRecord>();
  readonly compiledFilters: { rec: FilterRecord; pred: CriteriaPredicate }[] = [];
  readonly sets = new Map<string, SetRecord>();
  readonly destinations = new Map<string, DestinationRecord>();
  readonly findings = new Map<string, Finding>();
  readonly byDedup = new Map<string, string>();
  readonly dedupOf = new Map<string, string>();
  lists: CompiledLists = EMPTY_LISTS();
  engine: EngineLike | undefined;
  readonly seen: SeenSet;
  baselinesDirty = false;
  /** Stored chunks of ingested-record hashes. */
  seenChunks = 0;

  constructor(public rec: DetectorRecord, maxSeen: number) {
    this.seen = new SeenSet(maxSeen);
  }

  /** Filters sorted by rank (then name). */
  recompileFilters(): void {
    this.compiledFilters.length = 0;
    const all = [...this.filters.values()].sort((a, b) => a.rank - b.rank || (a.name < b.name ? -1 : 1));
    for (const rec of all) this.compiledFilters.push({ rec, pred: compileCriteria(rec.criteria) });
  }

  /** True when an ARCHIVE filter matches (suppression rule). */
  suppressed(f: Finding): boolean {
    for (const { rec, pred } of this.compiledFilters) if (rec.action === 'ARCHIVE' && pred(f)) return true;
    return false;
  }
}

/** The GuardDuty runtime of one node. */
export class GuardDuty {
  readonly store: GuardDutyStore;
  private readonly detectors = new Map<string, DetectorState>();
  private readonly now: () => Date;
  private readonly maxFindings: number;
  private readonly maxSeen: number;
  private readonly retentionMs: number;
  private listeners: ((e: FindingEvent) => void)[] = [];
  private loaded = false;
  private timers: NodeJS.Timeout[] = [];
  /** The detection thread, when detection runs off this thread. */
  private readonly remote: RemoteEngines | undefined;
  /** Live inputs waiting to be posted to the detection thread (one message per turn of the event loop). */
  private liveOut: { ids: string[]; input: DetectorInput }[] = [];

  constructor(readonly opts: GuardDutyOptions) {
    this.store = new GuardDutyStore(opts.kv);
    this.store.onError = (e) => this.opts.onError?.(e, 'write');
    this.now = opts.now ?? (() => new Date());
    this.maxFindings = opts.maxFindings ?? 100_000;
    this.maxSeen = opts.maxSeen ?? 1_000_000;
    this.retentionMs = (opts.retentionDays ?? 90) * DAY;
    const t = opts.engineThread;
    if (t) {
      const log = (what: string, message: string): void => this.opts.onError?.(new Error(message), what);
      this.remote = 'port' in t
        ? new RemoteEngines(t.port, log)
        : RemoteEngines.thread({ ...(t.extraRules ? { extraRules: t.extraRules } : {}), maxRecords: INGEST_MAX_RECORDS }, log, () => void this.resync());
    }
  }

  /** True when detection runs off this thread (ingestion endpoints then hand over raw bodies: ingestRaw). */
  get threaded(): boolean {
    return this.remote !== undefined;
  }

  /** Loads all detectors (call after unseal). */
  async load(): Promise<void> {
    this.detectors.clear();
    this.remote?.send({ t: 'reset' });
    for (const l of await this.store.loadAll()) {
      const st = new DetectorState(l.detector, this.maxSeen);
      this.remote?.send({ t: 'detector', id: st.rec.id, accountId: st.rec.accountId, region: st.rec.region, maxSeen: this.maxSeen });
      for (const f of l.filters) st.filters.set(f.name, f);
      st.recompileFilters();
      for (const s of l.sets) st.sets.set(s.id, s);
      for (const d of l.destinations) st.destinations.set(d.id, d);
      for (const r of l.findings) {
        st.findings.set(r.f.id, r.f);
        st.byDedup.set(r.k, r.f.id);
        st.dedupOf.set(r.f.id, r.k);
      }
      if (this.remote) this.remote.send({ t: 'seen', id: st.rec.id, chunks: l.seen });
      else for (const chunk of l.seen) st.seen.restore(chunk);
      st.seenChunks = l.seen.length;
      this.recompileLists(st);
      this.detectors.set(st.rec.id, st);
      if (l.baselines !== undefined && this.remote) this.remote.send({ t: 'restore', id: st.rec.id, state: l.baselines });
      else if (l.baselines !== undefined) {
        try {
          this.engineOf(st).restore(l.baselines);
        } catch (e) {
          this.opts.onError?.(e, 'baseline restore');
        }
      }
    }
    this.loaded = true;
    this.purge();
  }

  /**
   * Gives a new detection thread (after the previous one was lost) the detectors and their lists at
   * once, then their stored dedup memory and baselines (baselines learnt since the last periodic
   * save, at most a minute, are lost with the old thread).
   */
  private async resync(): Promise<void> {
    const remote = this.remote;
    if (!remote) return;
    remote.send({ t: 'reset' });
    if (!this.loaded) return;
    const ids = [...this.detectors.values()].map((st) => {
      remote.send({ t: 'detector', id: st.rec.id, accountId: st.rec.accountId, region: st.rec.region, maxSeen: this.maxSeen });
      this.recompileLists(st);
      return st.rec.id;
    });
    try {
      await this.store.flush();
      const stored = new Map((await this.store.loadAll()).map((l) => [l.detector.id, l]));
      for (const id of ids) {
        const l = stored.get(id);
        if (!l || !this.detectors.has(id)) continue;
        remote.send({ t: 'seen', id, chunks: l.seen });
        if (l.baselines !== undefined) remote.send({ t: 'restore', id, state: l.baselines });
      }
    } catch (e) {
      this.opts.onError?.(e, 'detection thread restart');
    }
  }

  /** Persists baselines and forgets state (call at seal). */
  async unload(): Promise<void> {
    if (!this.loaded) return;
    await this.saveBaselines(true);
    await this.store.flush();
    this.loaded = false;
    this.detectors.clear();
    this.remote?.send({ t: 'reset' });
  }

  /** True while loaded (unsealed). */
  get isLoaded(): boolean {
    return this.loaded;
  }

  /** True while loaded with at least one detector: only then do live inputs matter. */
  get wantsLive(): boolean {
    return this.loaded && this.detectors.size > 0;
  }

  /** Starts the purge, baseline and export timers (unref'd). */
  start(): void {
    if (this.timers.length) return;
    const t1 = setInterval(() => this.purge(), 60 * 60_000);
    const t2 = setInterval(() => void this.saveBaselines(false), 60_000);
    const t3 = setInterval(() => this.exportAll(), this.opts.publishIntervalMs ?? 60_000);
    for (const t of [t1, t2, t3]) t.unref();
    this.timers = [t1, t2, t3];
  }

  /** Stops timers, writes baselines and pending exports. */
  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.loaded) {
      this.exportAll();
      await this.saveBaselines(true);
    }
    await this.store.flush();
    await this.remote?.close();
  }

  /** Registers a listener for created/updated findings (response actions). */
  onFinding(fn: (e: FindingEvent) => void): () => void {
    this.listeners.push(fn);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== fn);
    };
  }

  // ---- detectors ----

  /** All detectors of an account and region. */
  detectorsOf(accountId: string, region: string): DetectorState[] {
    const out: DetectorState[] = [];
    for (const d of this.detectors.values()) if (d.rec.accountId === accountId && d.rec.region === region) out.push(d);
    return out.sort((a, b) => (a.rec.createdAt < b.rec.createdAt ? -1 : 1));
  }

  /** The detector with this id owned by the account/region, or BadRequestException as GuardDuty answers. */
  detector(id: string, accountId: string, region: string): DetectorState {
    const d = this.detectors.get(id);
    if (!d || d.rec.accountId !== accountId || d.rec.region !== region) {
      throw badRequest('The request is rejected because the input detectorId is not owned by the current account.');
    }
    return d;
  }

  /** Adds a new detector. */
  async addDetector(rec: DetectorRecord): Promise<DetectorState> {
    await this.store.putDetector(rec);
    const st = new DetectorState(rec, this.maxSeen);
    this.detectors.set(rec.id, st);
    this.remote?.send({ t: 'detector', id: rec.id, accountId: rec.accountId, region: rec.region, maxSeen: this.maxSeen });
    return st;
  }

  /** Writes a changed detector record. */
  async saveDetector(st: DetectorState): Promise<void> {
    await this.store.putDetector(st.rec);
  }

  /** Deletes a detector with its findings and lists. */
  async deleteDetector(st: DetectorState): Promise<void> {
    this.detectors.delete(st.rec.id);
    this.remote?.send({ t: 'delete', id: st.rec.id });
    await this.store.deleteDetector(st.rec.id);
  }

  // ---- lists ----

  /** Reads the active lists of a detector and compiles them. A list that cannot be read goes to ERROR. */
  recompileLists(st: DetectorState): void {
    const threatIp: [string, ListMatch][] = [];
    const threatDomain: [string, ListMatch][] = [];
    const trustedIp: [string, true][] = [];
    const trustedDomain: [string, true][] = [];
    for (const s of st.sets.values()) {
      if (s.status !== 'ACTIVE') continue;
      let parsed;
      try {
        parsed = loadList(s.format, s.location, this.opts.bucketsRoot);
      } catch (e) {
        s.status = 'ERROR';
        s.errorDetails = (e as Error).message;
        void this.store.putSet(s).catch((err: unknown) => this.opts.onError?.(err, 'list status'));
        continue;
      }
      if (s.kind === 'ipset' || s.kind === 'trustedentityset') {
        for (const c of parsed.cidrs) trustedIp.push([c, true]);
        if (s.kind === 'trustedentityset') for (const d of parsed.domains) trustedDomain.push([d, true]);
      } else {
        const m: ListMatch = { listName: s.name, custom: true };
        for (const c of parsed.cidrs) threatIp.push([c, m]);
        for (const d of parsed.domains) threatDomain.push([d, m]);
      }
    }
    st.lists = {
      threatIp: new IpMatcher(threatIp),
      threatDomain: new DomainMatcher(threatDomain),
      trustedIp: new IpMatcher(trustedIp),
      trustedDomain: new DomainMatcher(trustedDomain),
    };
    if (this.remote) {
      const lists: ListEntries = { threatIp, threatDomain, trustedIp: trustedIp.map((e) => e[0]), trustedDomain: trustedDomain.map((e) => e[0]) };
      this.remote.send({ t: 'lists', id: st.rec.id, lists });
    }
  }

  /** Sets of one kind, by creation. */
  setsOf(st: DetectorState, kind: SetKind): SetRecord[] {
    return [...st.sets.values()].filter((s) => s.kind === kind).sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
  }

  // ---- detection ----

  private contextOf(st: DetectorState): DetectionContext {
    return {
      accountId: st.rec.accountId,
      region: st.rec.region,
      threatIp: (ip) => (st.lists.trustedIp.get(ip) ? undefined : st.lists.threatIp.get(ip)),
      threatDomain: (d) => (st.lists.trustedDomain.get(d) ? undefined : st.lists.threatDomain.get(d)),
      trustedIp: (ip) => st.lists.trustedIp.get(ip) === true,
      trustedDomain: (d) => st.lists.trustedDomain.get(d) === true,
      geo: geoOf,
    };
  }

  private engineOf(st: DetectorState): EngineLike {
    st.engine ??= this.opts.engine(this.contextOf(st));
    return st.engine;
  }

  /** Runs one input through a detector's engine and records the findings; returns counts. */
  observe(st: DetectorState, input: DetectorInput, counts?: { created: number; updated: number }): void {
    if (!sees(st, input)) return;
    let cands: FindingCandidate[];
    try {
      cands = this.engineOf(st).observe(input);
    } catch (e) {
      this.opts.onError?.(e, 'detection');
      return;
    }
    st.baselinesDirty = true;
    for (let i = 0; i < cands.length; i++) {
      const r = this.record(st, cands[i] as FindingCandidate);
      if (counts && r) counts[r]++;
    }
  }

  /**
   * Turns a candidate into a finding: dropped when its remote IP or domain is trusted, else a new
   * finding or a repeat of the finding with the same dedup key; ARCHIVE filters apply to both.
   */
  record(st: DetectorState, c: FindingCandidate, extraInfo?: Record<string, unknown>): 'created' | 'updated' | undefined {
    if (c.remoteIp && st.lists.trustedIp.get(c.remoteIp)) return undefined;
    const domain = (c.action.dnsRequestAction as { domain?: string } | undefined)?.domain;
    if (domain && st.lists.trustedDomain.get(domain)) return undefined;
    const info = this.opts.typeInfo?.(c.type);
    const severity = c.severity ?? info?.severity ?? 5;
    const key = dedupHash(st.rec.id, c.dedupKey);
    const now = this.now();
    const existingId = st.byDedup.get(key);
    const existing = existingId ? st.findings.get(existingId) : undefined;
    let f: Finding;
    let created: boolean;
    if (existing) {
      repeatFinding(existing, c, severity, now);
      f = existing;
      created = false;
    } else {
      f = buildFinding(c, st.rec, severity, now, info?.resourceType);
      if (extraInfo) Object.assign(f.service.additionalInfo, extraInfo);
      st.findings.set(f.id, f);
      st.byDedup.set(key, f.id);
      st.dedupOf.set(f.id, key);
      created = true;
      if (st.findings.size > this.maxFindings) this.evictOldest(st);
    }
    if (!f.service.archived && st.suppressed(f)) f.service.archived = true;
    this.store.queueFinding(st.rec.id, { f, k: key });
    if (!f.service.archived) {
      const ak = (f.resource.accessKeyDetails as { accessKeyId?: string } | undefined)?.accessKeyId;
      const ev: FindingEvent = { finding: f, created, ...(c.remoteIp ? { remoteIp: c.remoteIp } : {}), ...(ak ? { accessKeyId: ak } : {}) };
      for (const l of this.listeners) {
        try {
          l(ev);
        } catch (e) {
          this.opts.onError?.(e, 'finding listener');
        }
      }
    }
    return created ? 'created' : 'updated';
  }

  private evictOldest(st: DetectorState): void {
    let oldest: Finding | undefined;
    for (const f of st.findings.values()) if (!oldest || f.updatedAt < oldest.updatedAt) oldest = f;
    if (oldest) this.removeFinding(st, oldest.id);
  }

  private removeFinding(st: DetectorState, id: string): void {
    st.findings.delete(id);
    const k = st.dedupOf.get(id);
    if (k !== undefined) {
      st.byDedup.delete(k);
      st.dedupOf.delete(id);
    }
    this.store.queueFindingDelete(st.rec.id, id);
  }

  /** Queues a finding's changed state (archive, feedback) for writing. */
  touch(st: DetectorState, f: Finding): void {
    this.store.queueFinding(st.rec.id, { f, k: st.dedupOf.get(f.id) ?? dedupHash(st.rec.id, f.id) });
  }

  /** Adds a finding built elsewhere (sample findings). */
  addFinding(st: DetectorState, f: Finding): void {
    const k = dedupHash(st.rec.id, `sample/${f.id}`);
    st.findings.set(f.id, f);
    st.byDedup.set(k, f.id);
    st.dedupOf.set(f.id, k);
    if (st.suppressed(f)) f.service.archived = true;
    this.store.queueFinding(st.rec.id, { f, k });
  }

  /** Removes findings not updated within the retention period. */
  purge(): void {
    const cutoff = new Date(this.now().getTime() - this.retentionMs).toISOString();
    for (const st of this.detectors.values()) {
      for (const f of [...st.findings.values()]) if (f.updatedAt < cutoff) this.removeFinding(st, f.id);
    }
  }

  private async saveBaselines(_all: boolean): Promise<void> {
    if (this.remote) {
      // Live inputs still queued for this turn go first (at seal/stop, LiveSources drains synchronously).
      this.flushLive();
      const ids: string[] = [];
      for (const st of this.detectors.values()) {
        if (!st.baselinesDirty) continue;
        ids.push(st.rec.id);
        st.baselinesDirty = false;
      }
      if (ids.length === 0) return;
      let r: HostReply;
      try {
        r = await this.remote.request({ t: 'snapshot', ids });
      } catch (e) {
        for (const id of ids) {
          const st = this.detectors.get(id);
          if (st) st.baselinesDirty = true;
        }
        this.opts.onError?.(e, 'baseline snapshot');
        return;
      }
      if (r.t !== 'snapshots') return;
      for (const m of r.errors) this.opts.onError?.(new Error(m), 'baseline snapshot');
      for (const [id, state] of r.states) if (this.detectors.has(id)) this.store.queueBaselines(id, state);
      return;
    }
    for (const st of this.detectors.values()) {
      // `all` (seal, close) and the periodic save both skip detectors with unchanged baselines.
      if (!st.engine || !st.baselinesDirty) continue;
      try {
        this.store.queueBaselines(st.rec.id, st.engine.snapshot());
        st.baselinesDirty = false;
      } catch (e) {
        this.opts.onError?.(e, 'baseline snapshot');
      }
    }
  }

  // ---- ingestion ----

  /**
   * Analyses a batch of records with the caller's detector. Idempotent per CloudTrail eventID and
   * per record content (flow, DNS): records seen before are counted as duplicates.
   */
  ingest(kind: 'cloudtrail' | 'vpcflow' | 'dns', records: readonly unknown[], accountId: string, region: string): IngestResult {
    const st = this.ingestTarget(accountId, region);
    const res: IngestResult = { accepted: 0, duplicates: 0, skipped: [], findingsCreated: 0, findingsUpdated: 0 };
    const counts = { created: 0, updated: 0 };
    for (let i = 0; i < records.length; i++) {
      const input = admitRecord(kind, records[i], st.seen);
      if (typeof input === 'string') res.skipped.push({ index: i, reason: input });
      else if (input === undefined) res.duplicates++;
      else {
        res.accepted++;
        this.observe(st, input, counts);
      }
    }
    this.persistSeen(st, st.seen.takePending());
    res.findingsCreated = counts.created;
    res.findingsUpdated = counts.updated;
    return res;
  }

  /**
   * Analyses a batch of records sent as an ingestion request's raw JSON body
   * (`{"records"|"Records": [...]}`), on the detection thread when there is one: the body's bytes
   * are moved there, parsed, deduplicated and observed; the candidates come back and become
   * findings here, in order. Without a detection thread, parses here and calls ingest().
   */
  async ingestRaw(kind: 'cloudtrail' | 'vpcflow' | 'dns', raw: Uint8Array, accountId: string, region: string): Promise<IngestResult> {
    const remote = this.remote;
    if (!remote) return this.ingest(kind, recordsOf(raw), accountId, region);
    const target = this.detectorsOf(accountId, region)[0];
    // Without a detector to analyse them, the body is checked here first, as in process (a bad body is a SerializationException either way).
    if (target?.rec.status !== 'ENABLED') recordsOf(raw);
    const st = this.ingestTarget(accountId, region);
    // Moved, not copied, when the bytes are a buffer of their own (a request body of more than a few KB is).
    const own = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength && raw.buffer instanceof ArrayBuffer ? raw : raw.slice();
    const r = await remote.request({ t: 'ingest', id: st.rec.id, kind, body: own }, [own.buffer as ArrayBuffer]);
    if (r.t !== 'ingested') throw new Error('unexpected reply from the detection thread');
    if (r.error) throw batchError(r.error);
    for (const m of r.errors) this.opts.onError?.(new Error(m), 'detection');
    const res: IngestResult = { accepted: r.accepted, duplicates: r.duplicates, skipped: r.skipped, findingsCreated: 0, findingsUpdated: 0 };
    // The detector may have been deleted while the batch was analysed: its findings went with it.
    if (this.detectors.get(st.rec.id) !== st) return res;
    if (r.accepted > 0) st.baselinesDirty = true;
    for (let i = 0; i < r.cands.length; i++) {
      const x = this.record(st, r.cands[i] as FindingCandidate);
      if (x === 'created') res.findingsCreated++;
      else if (x === 'updated') res.findingsUpdated++;
    }
    this.persistSeen(st, r.pending);
    return res;
  }

  /** The caller's detector for an ingestion batch, or BadRequestException as ingest() answers. */
  private ingestTarget(accountId: string, region: string): DetectorState {
    const st = this.detectorsOf(accountId, region)[0];
    if (!st) throw badRequest(`The request is rejected because no detector exists for the current account in ${region}. Create one with: aws guardduty create-detector --enable`);
    if (st.rec.status !== 'ENABLED') throw badRequest('The request is rejected because the detector is disabled.');
    return st;
  }

  /** Queues new dedup hashes for storage in chunks, keeping the stored chunks bounded. */
  private persistSeen(st: DetectorState, pending: Int32Array | undefined): void {
    if (pending) {
      for (let i = 0; i < pending.length; i += SEEN_CHUNK * 2) {
        this.store.queueSeen(st.rec.id, pending.subarray(i, i + SEEN_CHUNK * 2).slice());
        st.seenChunks++;
      }
      // Stored chunks are bounded like the in-memory set (a batch is usually one chunk of ≤1,000).
      const keep = Math.ceil(this.maxSeen / INGEST_BATCH);
      if (st.seenChunks > keep + 64) {
        st.seenChunks = keep;
        void this.store.flush().then(() => this.store.trimSeen(st.rec.id, keep)).catch((e: unknown) => this.opts.onError?.(e, 'dedup trim'));
      }
    }
  }

  /** Feeds a live input to every enabled detector of the account/region. */
  live(input: DetectorInput, accountId: string, region: string): void {
    if (this.remote) {
      const ids: string[] = [];
      for (const st of this.detectors.values()) {
        if (st.rec.accountId !== accountId || st.rec.region !== region || !sees(st, input)) continue;
        ids.push(st.rec.id);
        st.baselinesDirty = true;
      }
      if (ids.length === 0) return;
      // One message for every input queued in this turn (LiveSources drains its queue in one go).
      if (this.liveOut.length === 0) queueMicrotask(() => this.flushLive());
      this.liveOut.push({ ids, input });
      return;
    }
    for (const st of this.detectors.values()) {
      if (st.rec.accountId === accountId && st.rec.region === region) this.observe(st, input);
    }
  }

  /** Posts the queued live inputs to the detection thread and records what comes back. */
  private flushLive(): void {
    const items = this.liveOut;
    this.liveOut = [];
    if (!this.remote || items.length === 0) return;
    this.remote.request({ t: 'live', items }).then(
      (r) => {
        if (r.t !== 'observed') return;
        for (const m of r.errors) this.opts.onError?.(new Error(m), 'detection');
        this.recordObserved(r.cands);
      },
      (e: unknown) => this.opts.onError?.(e, 'detection'),
    );
  }

  private recordObserved(all: readonly DetectorCandidates[]): void {
    for (const [id, cands] of all) {
      const st = this.detectors.get(id);
      if (!st) continue;
      for (let i = 0; i < cands.length; i++) this.record(st, cands[i] as FindingCandidate);
    }
  }

  // ---- publishing ----

  /** Writes findings updated since the last export to every publishing destination. */
  exportAll(): void {
    for (const st of this.detectors.values()) {
      for (const d of st.destinations.values()) this.exportTo(st, d);
    }
  }

  /** Writes one destination's pending findings as a gzipped JSON-lines object in AWS's layout. */
  exportTo(st: DetectorState, d: DestinationRecord): void {
    if (d.status === 'STOPPED') return;
    const dir = destinationDir(d.destinationArn, this.opts.bucketsRoot);
    const batch: Finding[] = [];
    let hi = d.exportedUpTo;
    for (const f of st.findings.values()) {
      if (f.updatedAt > d.exportedUpTo) {
        batch.push(f);
        if (f.updatedAt > hi) hi = f.updatedAt;
      }
    }
    if (batch.length === 0) return;
    const now = this.now();
    try {
      if (!dir) throw new Error('bad destination');
      const y = String(now.getUTCFullYear());
      const m = String(now.getUTCMonth() + 1).padStart(2, '0');
      const day = String(now.getUTCDate()).padStart(2, '0');
      const out = join(dir, 'AWSLogs', st.rec.accountId, 'GuardDuty', st.rec.region, y, m, day);
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, `${randomUUID()}.jsonl.gz`), gzipSync(batch.map((f) => JSON.stringify(f)).join('\n') + '\n'));
      d.exportedUpTo = hi;
      if (d.status !== 'PUBLISHING') {
        d.status = 'PUBLISHING';
        delete d.failureStart;
      }
    } catch (e) {
      if (d.status !== 'UNABLE_TO_PUBLISH_FIX_DESTINATION_PROPERTY') {
        d.status = 'UNABLE_TO_PUBLISH_FIX_DESTINATION_PROPERTY';
        d.failureStart = now.getTime();
      }
      this.opts.onError?.(e, 'publishing');
    }
    void this.store.putDestination(d).catch((e: unknown) => this.opts.onError?.(e, 'publishing'));
  }

  /** Builds a sample finding of a type (CreateSampleFindings). */
  sampleFinding(st: DetectorState, type: string): Finding {
    const info = this.opts.typeInfo?.(type);
    const resourceType = info?.resourceType ?? resourceTypeOfType(type);
    const now = this.now();
    const c: FindingCandidate = {
      type,
      accountId: st.rec.accountId,
      region: st.rec.region,
      resource: sampleResource(resourceType),
      action: sampleAction(type),
      title: `Sample finding of type ${type}.`,
      description: `This is a sample finding of type ${type} generated by CreateSampleFindings.`,
      dedupKey: `sample/${type}/${now.getTime()}`,
      eventTime: now,
      detection: 'sample',
    };
    const f = buildFinding(c, st.rec, clampSeverity(info?.severity ?? 5), now, resourceType);
    f.service.additionalInfo = { sample: true, type: 'default' };
    return f;
  }
}

/** The records of an ingestion request's raw body, or the error the ingestion API answers (the same checks as engine-host.ts). */
/** Why an ingestion body cannot be analysed: an AWS error code and message. */
export interface BatchProblem {
  readonly code: 'SerializationException' | 'BadRequestException';
  readonly message: string;
}

const utf8 = new TextDecoder();

/** A signed ingestion body as the API listener parses one (UTF-8; an empty body is {}); undefined when it is not a JSON object. */
export function bodyObject(raw: Uint8Array): Record<string, unknown> | undefined {
  let body: unknown;
  try {
    body = raw.length ? JSON.parse(utf8.decode(raw)) : {};
  } catch {
    return undefined;
  }
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
}

/**
 * The records of an ingestion body: `records` (batches the CLI assembles) or `Records` (a
 * CloudTrail document sent as delivered), at most `max`; or why there are none to analyse.
 */
export function batchRecords(body: Record<string, unknown> | undefined, max: number): unknown[] | BatchProblem {
  if (body === undefined) return { code: 'SerializationException', message: 'Body must be a JSON object' };
  const records = body.records ?? body.Records;
  if (!Array.isArray(records)) return { code: 'BadRequestException', message: "The request is rejected because 'records' must be an array." };
  if (records.length > max) return { code: 'BadRequestException', message: `The request is rejected because a batch holds at most ${max} records.` };
  return records;
}

/** The AWS error of a {@link BatchProblem}. */
export function batchError(p: BatchProblem): Error {
  return p.code === 'BadRequestException' ? badRequest(p.message) : awsError(p.code, p.message);
}

/**
 * One ingested record through a detector's checks: the reason it is skipped (a string), undefined
 * when its dedup memory has seen it (CloudTrail by eventID, flow and DNS records by content), or
 * the input to analyse.
 */
export function admitRecord(kind: 'cloudtrail' | 'vpcflow' | 'dns', r: unknown, seen: SeenSet): DetectorInput | string | undefined {
  const problem = validateRecord(kind, r);
  if (problem) return problem;
  const rec = r as Record<string, unknown>;
  if (seen.checkAndAdd(kind === 'cloudtrail' ? (rec.eventID as string) : JSON.stringify(rec), SEEN_SEED[kind])) return undefined;
  return kind === 'cloudtrail'
    ? { kind: 'cloudtrail', record: rec as never, source: 'ingest' }
    : kind === 'vpcflow'
      ? { kind: 'vpcflow', record: rec as never }
      : { kind: 'dns', record: rec as never };
}

function recordsOf(raw: Uint8Array): unknown[] {
  const b = batchRecords(bodyObject(raw), INGEST_MAX_RECORDS);
  if (!Array.isArray(b)) throw batchError(b);
  return b;
}

/**
 * True when a detector analyses this input: a disabled detector sees nothing, except the live
 * record of its own disabling (so that the tampering detection can report it: the record arrives
 * after the state changed).
 */
function sees(st: DetectorState, input: DetectorInput): boolean {
  return st.rec.status === 'ENABLED' || (input.kind === 'cloudtrail' && input.record.eventSource === 'guardduty.amazonaws.com' && input.record.eventName === 'UpdateDetector');
}

const isDigit = (s: string, i: number): boolean => {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
};

/** True when `s` starts like a time, /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d/, tested by character codes (this runs per ingested record). */
function timePrefix(s: string): boolean {
  if (s.length < 16) return false;
  const sep = s.charCodeAt(10);
  return isDigit(s, 0) && isDigit(s, 1) && isDigit(s, 2) && isDigit(s, 3) && s.charCodeAt(4) === 45 && isDigit(s, 5) && isDigit(s, 6) && s.charCodeAt(7) === 45 &&
    isDigit(s, 8) && isDigit(s, 9) && (sep === 84 || sep === 32) && isDigit(s, 11) && isDigit(s, 12) && s.charCodeAt(13) === 58 && isDigit(s, 14) && isDigit(s, 15);
}

/** Why a record cannot be analysed, or undefined when it can. */
export function validateRecord(kind: 'cloudtrail' | 'vpcflow' | 'dns', r: unknown): string | undefined {
  if (!r || typeof r !== 'object' || Array.isArray(r)) return 'not a JSON object';
  const o = r as Record<string, unknown>;
  if (kind === 'cloudtrail') {
    // Named property loads (monomorphic on CloudTrail's record shape) rather than a keyed loop: this runs per record.
    const id = o.eventID;
    const time = o.eventTime;
    const source = o.eventSource;
    const name = o.eventName;
    if (typeof id !== 'string' || id === '') return 'missing eventID';
    if (typeof time !== 'string' || time === '') return 'missing eventTime';
    if (typeof source !== 'string' || source === '') return 'missing eventSource';
    if (typeof name !== 'string' || name === '') return 'missing eventName';
    if (!timePrefix(time)) return 'eventTime is not a time';
    return undefined;
  }
  if (kind === 'vpcflow') {
    if (typeof o.srcAddr !== 'string' || typeof o.dstAddr !== 'string') return 'missing srcAddr/dstAddr';
    if (typeof o.start !== 'number' || typeof o.end !== 'number') return 'missing start/end';
    return undefined;
  }
  if (typeof o.query_name !== 'string' || o.query_name === '') return 'missing query_name';
  if (typeof o.query_timestamp !== 'string') return 'missing query_timestamp';
  return undefined;
}

/** A publishing destination's directory: `arn:aws:s3:::bucket/prefix` under the buckets root, or a local absolute path. */
export function destinationDir(arn: string, bucketsRoot: string): string | undefined {
  const m = /^arn:aws[a-z-]*:s3:::([a-z0-9][a-z0-9.-]{1,62})(?:\/(.*))?$/.exec(arn);
  if (m) {
    const prefix = (m[2] ?? '').split('/').filter((p) => p !== '' && p !== '.' && p !== '..');
    return join(bucketsRoot, m[1] as string, ...prefix);
  }
  if (arn.startsWith('file://')) return decodeURIComponent(arn.slice(7));
  if (arn.startsWith('/')) return arn;
  return undefined;
}

/** GuardDuty resourceType from a finding type's resource part (`Recon:EC2/...` → Instance). */
export function resourceTypeOfType(type: string): string {
  const res = /^[^:]+:([^/]+)\//.exec(type)?.[1] ?? '';
  switch (res) {
    case 'EC2':
      return 'Instance';
    case 'IAMUser':
      return 'AccessKey';
    case 'S3':
      return 'S3Bucket';
    case 'Kubernetes':
      return 'EKSCluster';
    case 'Lambda':
      return 'Lambda';
    case 'RDS':
      return 'RDSDBInstance';
    default:
      return 'AccessKey';
  }
}

function sampleResource(resourceType: string): Record<string, unknown> {
  switch (resourceType) {
    case 'Instance':
      return { resourceType, instanceDetails: { instanceId: 'i-99999999', instanceType: 'm3.xlarge', instanceState: 'running', availabilityZone: 'GeneratedFindingInstaceAvailabilityZone', imageId: 'ami-99999999', networkInterfaces: [{ privateIpAddress: '10.0.0.1', publicIp: '198.51.100.0', subnetId: 'GeneratedFindingSubnetId', vpcId: 'GeneratedFindingVPCId' }] } };
    case 'S3Bucket':
      return { resourceType, s3BucketDetails: [{ name: 'bucketName', arn: 'arn:aws:s3:::bucketName', type: 'Destination' }], accessKeyDetails: { accessKeyId: 'GeneratedFindingAccessKeyId', principalId: 'GeneratedFindingPrincipalId', userName: 'GeneratedFindingUserName', userType: 'IAMUser' } };
    default:
      return { resourceType, accessKeyDetails: { accessKeyId: 'GeneratedFindingAccessKeyId', principalId: 'GeneratedFindingPrincipalId', userName: 'GeneratedFindingUserName', userType: 'IAMUser' } };
  }
}

function sampleAction(type: string): Record<string, unknown> {
  const remoteIpDetails = { ipAddressV4: '198.51.100.0', organization: { asn: '-1', asnOrg: 'GeneratedFindingASNOrg', isp: 'GeneratedFindingISP', org: 'GeneratedFindingORG' }, country: { countryName: 'GeneratedFindingCountryName' }, city: { cityName: 'GeneratedFindingCityName' } };
  if (/!DNS$|DomainRequest|DNS/.test(type)) return { actionType: 'DNS_REQUEST', dnsRequestAction: { domain: 'GeneratedFindingDomainName', protocol: 'UDP', blocked: false } };
  if (/:EC2\//.test(type)) return { actionType: 'NETWORK_CONNECTION', networkConnectionAction: { connectionDirection: 'INBOUND', blocked: false, protocol: 'TCP', remoteIpDetails, remotePortDetails: { port: 32794, portName: 'Unknown' }, localPortDetails: { port: 22, portName: 'SSH' } } };
  return { actionType: 'AWS_API_CALL', awsApiCallAction: { api: 'GeneratedFindingAPIName', serviceName: 'GeneratedFindingAPIServiceName', callerType: 'Remote IP', remoteIpDetails } };
}

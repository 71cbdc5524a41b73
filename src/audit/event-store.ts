/**
 * Durable event history in the KVStore (the encrypting barrier), with group commit: every append
 * resolves only once its record is written, and appends that arrive while a write is in flight are
 * written together by the next single kv.batch call, so a burst of N calls costs about one fsync.
 * Over the barrier, each record is encrypted when it is appended (Barrier.sealBatch) and the group
 * is written with Barrier.writeSealed, so encryption overlaps the commit in flight.
 *
 * Layout:
 *   audit/events/<16-digit ms>/<eventId>                 the record's JSON (one row per record)
 *   audit/idx/<Attribute>/<tag>/<16-digit s>/<group>     the event keys (newline-separated) of one
 *                                                        compaction's (earlier: one commit group's)
 *                                                        records with this attribute value in this second
 *   audit/outbox/<trail>/<16-digit s>/<group>            likewise: its records of this second that the
 *                                                        trail must still deliver
 *   audit/groups/<16-digit s>/<group>                    the index rows written for that second and
 *                                                        group (purge deletes them with the records)
 *   audit/pending/<16-digit ms>/<group>                  a commit group not yet compacted: its event
 *                                                        keys and, per index/outbox row prefix, which
 *                                                        of them belong under it
 *   audit/meta/index-key                                 32 random bytes keying the index tags
 * A commit group writes its record rows and ONE pending row; a background compactor (off the
 * request path, a few times a second or once COMPACT_RECORDS records wait) merges many pending
 * groups into index and outbox rows per attribute value and second, and deletes the pending rows
 * in the same batch (so it is idempotent and resumable: a crash leaves the pending rows, which
 * the next load() compacts). Lookups read the pending rows as well, so a record is found as soon
 * as its append resolved; delivery, purge and dropOutbox compact first. Small groups (commits
 * that finish before many records arrive) used to pay about ten shared rows each; now one.
 * Concurrent compaction of one pending row by two nodes can write its entries twice: lookups and
 * the outbox read them once.
 * EventId needs no index: event ids are time-ordered UUIDs ({@link eventIdAt}) whose first 48 bits
 * are the record's millisecond, so the record's key follows from the id. Records whose id does not
 * carry their time (written before this layout) keep a per-record row
 * `audit/idx/EventId/<tag>/<16-digit ms>/<eventId>` with an empty value, still read by lookups.
 * Keys are stored in plaintext by the barrier, so attribute values (user names, resource ARNs) are
 * not written into them: <tag> is an HMAC-SHA256 of the value under the barrier-encrypted index key.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { eventIdMs } from '../events/index.js';
import type { BatchOp, KVStore } from '../storage/index.js';
import { resourceShortName, usernameOf, type CloudTrailRecord } from './record.js';

/** The LookupEvents attributes, in the model's spelling. */
export const LOOKUP_ATTRIBUTES = ['EventId', 'EventName', 'ReadOnly', 'Username', 'ResourceType', 'ResourceName', 'EventSource', 'AccessKeyId'] as const;
/** One LookupEvents attribute key. */
export type LookupAttributeKey = (typeof LOOKUP_ATTRIBUTES)[number];

/** Default event-history retention (AWS: 90 days). */
export const DEFAULT_RETENTION_DAYS = 90;

const EVENTS = 'audit/events/';
const IDX = 'audit/idx/';
const OUTBOX = 'audit/outbox/';
const GROUPS = 'audit/groups/';
const PENDING = 'audit/pending/';
const SECOND = 1000;
/** A queue shorter than this after a commit waits one event-loop turn before it is written. */
const SMALL_GROUP = 8;
/** Own pending groups are compacted once this many records wait, else COMPACT_DELAY_MS after the first. */
const COMPACT_RECORDS = 2048;
const COMPACT_DELAY_MS = 200;
/** One compaction batch takes at most this many pending groups and records. */
const COMPACT_MAX_GROUPS = 512;
const COMPACT_MAX_RECORDS = 8192;
const INDEX_KEY = 'audit/meta/index-key';
const EMPTY = Buffer.alloc(0);
const NO_OPS: readonly BatchOp[] = [];
/** Timestamps are written as 16 digits; scans start from the 3-digit prefix '000' (ms < 10^13, year 2286). */
const TIME_DIGITS = 16;
const ROOT_PREFIX = '000';
const MAX_MS = 10 ** 13 - 1;
/** Cached index tags (not EventId: unique values would only churn the cache). */
const TAG_CACHE_SIZE = 4096;

/** Options of {@link EventStore.open}. */
export interface EventStoreOptions {
  /** Records kept this many days; purge() removes older ones. Default 90. */
  readonly retentionDays?: number;
  /** At most this many records per group-commit batch. Default 512. */
  readonly maxGroupRecords?: number;
}

/** A store that can encrypt a batch ahead of writing it (the barrier: {@link Barrier.sealBatch}). */
interface SealingStore<S> {
  sealBatch(ops: readonly BatchOp[]): S;
  writeSealed(batches: readonly S[]): Promise<void>;
}

function sealingStore(kv: KVStore): SealingStore<unknown> | undefined {
  const s = kv as Partial<SealingStore<unknown>>;
  return typeof s.sealBatch === 'function' && typeof s.writeSealed === 'function' ? (kv as unknown as SealingStore<unknown>) : undefined;
}

interface Waiter {
  /** The record's key suffix. */
  readonly key: EventKey;
  /** The index-row prefixes (`audit/idx/<Attribute>/<tag>/`) this record belongs under. */
  readonly idx: readonly string[];
  /** Trails that must deliver the record. */
  readonly outbox: readonly string[];
  /** The record's own operations (empty once sealed). */
  readonly ops: readonly BatchOp[];
  /** The store's sealed batch of them, when the store seals ahead (the barrier). */
  readonly sealed: unknown;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

/** `<16-digit ms>/<eventId>`: the part of every key that names one record. */
export type EventKey = string;

/** Formats a record's key suffix. */
export function eventKeyOf(ms: number, eventId: string): EventKey {
  return String(ms).padStart(TIME_DIGITS, '0') + '/' + eventId;
}

/** The millisecond timestamp of an event key. */
export function eventKeyMs(k: EventKey): number {
  return Number(k.slice(0, TIME_DIGITS));
}

/** The 16-digit start of the second holding `ms`. */
function secondOf(ms: number): string {
  return String(ms - (ms % SECOND)).padStart(TIME_DIGITS, '0');
}

/** The event keys of a group row (a row written before group rows holds none: its key names the record). */
function rowMembers(rowKey: string, value: Buffer | undefined, base: string): EventKey[] {
  if (value === undefined) return [];
  if (value.length === 0) return [rowKey.slice(base.length)];
  return value.toString('utf8').split('\n');
}

/** An outbox row's members as last read, so delivered records can be cleared from shared rows. */
interface OutboxView {
  /** The rows holding each key (two when two nodes compacted the same pending group). */
  readonly rowOf: Map<EventKey, string[]>;
  readonly members: Map<string, Set<EventKey>>;
}

/** A commit group whose index and outbox rows are not written yet (its `audit/pending/` row). */
interface PendingGroup {
  /** The pending row's key. */
  readonly key: string;
  /** The group's event keys. */
  readonly keys: readonly EventKey[];
  /** Row prefix (`audit/idx/<Attribute>/<tag>/` or `audit/outbox/<trail>/`) -> indexes into `keys`. */
  readonly rows: ReadonlyMap<string, readonly number[]>;
}

/** A pending row's value: the event keys, an empty line, then `<prefix>\t<index>,<index>...` lines. */
function encodePending(g: PendingGroup): Buffer {
  let text = g.keys.join('\n') + '\n';
  for (const [p, members] of g.rows) text += '\n' + p + '\t' + members.join(',');
  return Buffer.from(text, 'utf8');
}

function decodePending(key: string, value: Buffer): PendingGroup | undefined {
  const text = value.toString('utf8');
  const cut = text.indexOf('\n\n');
  if (cut < 0) return undefined;
  const keys = text.slice(0, cut).split('\n');
  const rows = new Map<string, number[]>();
  for (const line of text.slice(cut + 2).split('\n')) {
    const tab = line.indexOf('\t');
    if (tab <= 0) continue;
    const members = line.slice(tab + 1).split(',').map(Number).filter((i) => Number.isInteger(i) && i >= 0 && i < keys.length);
    rows.set(line.slice(0, tab), members);
  }
  return { key, keys, rows };
}

/** The event history. Call load() (after every unseal) before use. */
export class EventStore {
  readonly retentionMs: number;
  private readonly maxGroup: number;
  private indexKey: Buffer | undefined;
  private readonly tagCache = new Map<string, string>();
  private readonly prefixCache = new Map<LookupAttributeKey, Map<string, string>>();
  private readonly sealer: SealingStore<unknown> | undefined;
  private queue: Waiter[] = [];
  private writing = false;
  /** Group ids: a random prefix per load and a counter. */
  private groupPrefix = randomBytes(6).toString('hex');
  private groupSeq = 0;
  private readonly outboxViews = new Map<string, OutboxView>();
  /** This node's pending groups (written, not yet compacted), by pending row key. */
  private readonly pending = new Map<string, PendingGroup>();
  private pendingRecords = 0;
  /** Pending rows read from the store (other nodes', or left by a crash), by key. */
  private readonly foreignPending = new Map<string, PendingGroup>();
  private compactChain: Promise<void> = Promise.resolve();
  private compactTimer: NodeJS.Timeout | undefined;
  private compactRunning = false;
  /** Set by close(): no more background compactions until the next load(). */
  private closed = false;

  constructor(
    private readonly kv: KVStore,
    opts: EventStoreOptions = {},
  ) {
    this.retentionMs = (opts.retentionDays ?? DEFAULT_RETENTION_DAYS) * 86_400_000;
    this.maxGroup = opts.maxGroupRecords ?? 512;
    this.sealer = sealingStore(kv);
  }

  /** Reads (or creates, on first use) the index key. */
  async load(): Promise<void> {
    let key = await this.kv.get(INDEX_KEY);
    if (!key || key.length !== 32) {
      key = randomBytes(32);
      await this.kv.put(INDEX_KEY, key);
    }
    this.indexKey = key;
    this.tagCache.clear();
    this.prefixCache.clear();
    this.outboxViews.clear();
    this.groupPrefix = randomBytes(6).toString('hex');
    this.groupSeq = 0;
    this.dropPending();
    this.closed = false;
    // Groups left pending by a crash (or a seal) are compacted now.
    await this.compact();
  }

  /**
   * Stops background compaction and waits for a running one (at shutdown). Groups still pending
   * keep their rows, read by lookups and compacted by the next load() or compact().
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.compactTimer !== undefined) clearTimeout(this.compactTimer);
    this.compactTimer = undefined;
    await this.compactChain;
  }

  /** Forgets the index key (at seal). */
  unload(): void {
    this.indexKey?.fill(0);
    this.indexKey = undefined;
    this.tagCache.clear();
    this.prefixCache.clear();
    this.outboxViews.clear();
    this.dropPending();
  }

  /** Forgets the in-memory pending groups (their rows stay in the store for the next load()). */
  private dropPending(): void {
    this.pending.clear();
    this.pendingRecords = 0;
    this.foreignPending.clear();
    if (this.compactTimer !== undefined) clearTimeout(this.compactTimer);
    this.compactTimer = undefined;
  }

  /**
   * `audit/idx/<attr>/<tag>/` for an attribute value, cached as one string object per value so the
   * group's row map hashes it once (values repeat on every call).
   */
  private idxPrefix(attr: LookupAttributeKey, value: string): string {
    let byValue = this.prefixCache.get(attr);
    if (byValue === undefined) this.prefixCache.set(attr, (byValue = new Map()));
    let p = byValue.get(value);
    if (p === undefined) {
      p = IDX + attr + '/' + this.tag(attr, value) + '/';
      if (byValue.size >= TAG_CACHE_SIZE) byValue.clear();
      byValue.set(value, p);
    }
    return p;
  }

  /** The index-row prefixes of a record's attribute values other than EventId (see attributeValues). */
  private indexPrefixes(r: CloudTrailRecord): string[] {
    const out = [this.idxPrefix('EventName', r.eventName), this.idxPrefix('ReadOnly', r.readOnly ? 'true' : 'false'), this.idxPrefix('EventSource', r.eventSource)];
    const user = usernameOf(r);
    if (user) out.push(this.idxPrefix('Username', user));
    if (r.userIdentity.accessKeyId) out.push(this.idxPrefix('AccessKeyId', r.userIdentity.accessKeyId));
    if (r.resources !== undefined && r.resources.length > 0) {
      for (const [attr, value] of this.attributeValues(r)) {
        if (attr === 'ResourceType' || attr === 'ResourceName') out.push(this.idxPrefix(attr, value));
      }
    }
    return out;
  }

  /** The index tag of an attribute value (cached: names, sources and key ids repeat on every call). */
  tag(attr: LookupAttributeKey, value: string): string {
    if (!this.indexKey) throw new Error('the audit event store is not loaded');
    const ck = attr + '\0' + value;
    let t = attr === 'EventId' ? undefined : this.tagCache.get(ck);
    if (t === undefined) {
      t = createHmac('sha256', this.indexKey).update(ck, 'utf8').digest('hex').slice(0, 32);
      if (attr !== 'EventId') {
        if (this.tagCache.size >= TAG_CACHE_SIZE) this.tagCache.clear();
        this.tagCache.set(ck, t);
      }
    }
    return t;
  }

  /**
   * Writes `record` (serialised as `json`, at `timeMs`, the call's time with milliseconds) with its
   * index entries and, for each trail in `outboxTrails`, a delivery entry. Resolves once durable;
   * rejects if the write failed.
   */
  append(record: CloudTrailRecord, json: string, timeMs: number, outboxTrails: readonly string[] = []): Promise<void> {
    let key: EventKey;
    let idx: string[];
    let ops: BatchOp[];
    let sealed: unknown;
    try {
      key = eventKeyOf(timeMs, record.eventID);
      ops = [{ op: 'put', key: EVENTS + key, value: Buffer.from(json, 'utf8') }];
      idx = this.indexPrefixes(record);
      // An id that does not carry the record's time keeps a row of its own (see the module comment).
      if (eventIdMs(record.eventID) !== timeMs) ops.push({ op: 'put', key: IDX + 'EventId/' + this.tag('EventId', record.eventID) + '/' + key, value: EMPTY });
      // Encrypt now, while an earlier group may be committing, rather than on the commit path.
      sealed = this.sealer ? this.sealer.sealBatch(ops) : undefined;
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ key, idx, outbox: outboxTrails, ops: sealed === undefined ? ops : NO_OPS, sealed, resolve, reject });
      if (!this.writing) {
        this.writing = true;
        // Start on a microtask so a synchronous burst lands in the first batch.
        queueMicrotask(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        let group: Waiter[];
        if (this.queue.length <= this.maxGroup) {
          group = this.queue;
          this.queue = [];
        } else {
          group = this.queue.splice(0, this.maxGroup);
        }
        try {
          const pend = this.pendingGroup(group);
          const shared: BatchOp[] = [{ op: 'put', key: pend.key, value: encodePending(pend) }];
          if (this.sealer) {
            const batches: unknown[] = new Array<unknown>(group.length + 1);
            for (let i = 0; i < group.length; i++) batches[i] = (group[i] as Waiter).sealed;
            batches[group.length] = this.sealer.sealBatch(shared);
            await this.sealer.writeSealed(batches);
          } else {
            const ops: BatchOp[] = [];
            for (let i = 0; i < group.length; i++) {
              const w = group[i] as Waiter;
              for (let j = 0; j < w.ops.length; j++) ops.push(w.ops[j] as BatchOp);
            }
            for (const op of shared) ops.push(op);
            await this.kv.batch(ops);
          }
          this.pending.set(pend.key, pend);
          this.pendingRecords += group.length;
          this.scheduleCompaction();
          for (let i = 0; i < group.length; i++) (group[i] as Waiter).resolve();
        } catch (e) {
          for (let i = 0; i < group.length; i++) (group[i] as Waiter).reject(e);
        }
        // A commit that finished before many records queued would make the next group tiny, and
        // every group pays its shared rows, one seal per row and a round trip to the writer: let
        // the event loop's pending I/O (requests already received) append first.
        if (this.queue.length > 0 && this.queue.length < SMALL_GROUP) await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      this.writing = false;
    }
  }

  /** The pending row of one commit group: its event keys and the index/outbox rows they go under. */
  private pendingGroup(group: readonly Waiter[]): PendingGroup {
    const gid = this.groupPrefix + (this.groupSeq++).toString(36);
    const keys: EventKey[] = new Array<EventKey>(group.length);
    const rows = new Map<string, number[]>();
    for (let i = 0; i < group.length; i++) {
      const w = group[i] as Waiter;
      keys[i] = w.key;
      for (let j = 0; j < w.idx.length; j++) {
        const p = w.idx[j] as string;
        const members = rows.get(p);
        if (members === undefined) rows.set(p, [i]);
        else members.push(i);
      }
      for (let j = 0; j < w.outbox.length; j++) {
        const p = OUTBOX + (w.outbox[j] as string) + '/';
        const members = rows.get(p);
        if (members === undefined) rows.set(p, [i]);
        else members.push(i);
      }
    }
    return { key: PENDING + String(Date.now()).padStart(TIME_DIGITS, '0') + '/' + gid, keys, rows };
  }

  /**
   * One compaction batch: the index and outbox rows of `groups` merged per row prefix and second
   * (under a fresh group id), a manifest per second, and the deletion of their pending rows.
   */
  private compactionOps(groups: readonly PendingGroup[]): BatchOp[] {
    const gid = this.groupPrefix + (this.groupSeq++).toString(36);
    // second -> row prefix -> member keys
    const bySecond = new Map<string, Map<string, EventKey[]>>();
    for (const g of groups) {
      // Each record is under about seven row prefixes: its second is worked out once.
      const seconds = new Array<string>(g.keys.length);
      let lastMs = -1;
      let lastSecond = '';
      for (let i = 0; i < g.keys.length; i++) {
        const ms = eventKeyMs(g.keys[i] as EventKey);
        if (ms - (ms % SECOND) !== lastMs) {
          lastMs = ms - (ms % SECOND);
          lastSecond = secondOf(ms);
        }
        seconds[i] = lastSecond;
      }
      for (const [p, idxs] of g.rows) {
        for (let i = 0; i < idxs.length; i++) {
          const k = g.keys[idxs[i] as number] as EventKey;
          const second = seconds[idxs[i] as number] as string;
          let rows = bySecond.get(second);
          if (rows === undefined) bySecond.set(second, (rows = new Map()));
          const members = rows.get(p);
          if (members === undefined) rows.set(p, [k]);
          else members.push(k);
        }
      }
    }
    const ops: BatchOp[] = [];
    for (const [second, rows] of bySecond) {
      const suffix = second + '/' + gid;
      const manifest: string[] = [];
      for (const [p, members] of rows) {
        const key = p + suffix;
        manifest.push(key);
        ops.push({ op: 'put', key, value: Buffer.from(members.join('\n'), 'utf8') });
      }
      ops.push({ op: 'put', key: GROUPS + suffix, value: Buffer.from(manifest.join('\n'), 'utf8') });
    }
    for (const g of groups) ops.push({ op: 'delete', key: g.key });
    return ops;
  }

  /** Starts a background compaction when enough records wait (or `now`), else arms the timer for one. */
  private scheduleCompaction(now = false): void {
    if (this.compactRunning || this.closed || this.pending.size === 0 || !this.indexKey) return;
    if (now || this.pendingRecords >= COMPACT_RECORDS) {
      if (this.compactTimer !== undefined) clearTimeout(this.compactTimer);
      this.compactTimer = undefined;
      this.compactRunning = true;
      void this.runCompaction(false)
        .catch(() => undefined) // the groups stay pending and are retried by the timer
        .finally(() => {
          this.compactRunning = false;
          this.scheduleCompaction();
        });
      return;
    }
    if (this.compactTimer === undefined) {
      this.compactTimer = setTimeout(() => {
        this.compactTimer = undefined;
        this.scheduleCompaction(true);
      }, COMPACT_DELAY_MS);
      this.compactTimer.unref();
    }
  }

  /**
   * Compacts every pending group now: this node's, and pending rows in the store that other nodes
   * (or this one before a crash) left. Resolves when they are index and outbox rows.
   */
  compact(): Promise<void> {
    return this.runCompaction(true);
  }

  /** Runs compactions one at a time. */
  private runCompaction(all: boolean): Promise<void> {
    const run = this.compactChain.then(() => this.compactNow(all));
    this.compactChain = run.catch(() => undefined);
    return run;
  }

  private async compactNow(all: boolean): Promise<void> {
    if (!this.indexKey) return;
    const groups = [...this.pending.values()];
    if (all) {
      for (const key of await this.kv.list(PENDING)) {
        if (this.pending.has(key)) continue;
        const g = await this.readPending(key);
        if (g) groups.push(g);
      }
    }
    let i = 0;
    while (i < groups.length) {
      const batch: PendingGroup[] = [];
      let records = 0;
      while (i < groups.length && batch.length < COMPACT_MAX_GROUPS && (batch.length === 0 || records + (groups[i] as PendingGroup).keys.length <= COMPACT_MAX_RECORDS)) {
        const g = groups[i++] as PendingGroup;
        batch.push(g);
        records += g.keys.length;
      }
      await this.kv.batch(this.compactionOps(batch));
      for (const g of batch) {
        if (this.pending.delete(g.key)) this.pendingRecords -= g.keys.length;
        this.foreignPending.delete(g.key);
      }
    }
    if (this.pending.size === 0) this.pendingRecords = 0;
  }

  /** A pending row from the store (cached: pending rows never change), or undefined once compacted. */
  private async readPending(key: string): Promise<PendingGroup | undefined> {
    const cached = this.pending.get(key) ?? this.foreignPending.get(key);
    if (cached) return cached;
    const v = await this.kv.get(key);
    const g = v === undefined ? undefined : decodePending(key, v);
    if (g) this.foreignPending.set(key, g);
    return g;
  }

  /**
   * The keys of not yet compacted records under `prefix` within [lo, hi], ascending. Read before
   * the index rows: a group compacted in between is then found there (and read once).
   */
  private async pendingMembers(prefix: string, lo: number, hi: number): Promise<EventKey[]> {
    const listed = await this.kv.list(PENDING);
    const out: EventKey[] = [];
    if (listed.length === 0) {
      this.foreignPending.clear();
      return out;
    }
    for (const key of listed) {
      const g = await this.readPending(key);
      const idxs = g?.rows.get(prefix);
      if (!g || !idxs) continue;
      for (let i = 0; i < idxs.length; i++) {
        const k = g.keys[idxs[i] as number] as EventKey;
        const ms = eventKeyMs(k);
        if (ms >= lo && ms <= hi) out.push(k);
      }
    }
    if (this.foreignPending.size > listed.length) {
      const live = new Set(listed);
      for (const key of this.foreignPending.keys()) if (!live.has(key)) this.foreignPending.delete(key);
    }
    return out.sort();
  }

  /** The index attribute values of a record (ResourceName: both the ARN and its short name). */
  attributeValues(r: CloudTrailRecord): [LookupAttributeKey, string][] {
    const out: [LookupAttributeKey, string][] = [
      ['EventId', r.eventID],
      ['EventName', r.eventName],
      ['ReadOnly', r.readOnly ? 'true' : 'false'],
      ['EventSource', r.eventSource],
    ];
    const user = usernameOf(r);
    if (user) out.push(['Username', user]);
    if (r.userIdentity.accessKeyId) out.push(['AccessKeyId', r.userIdentity.accessKeyId]);
    const seen = new Set<string>();
    for (const res of r.resources ?? []) {
      if (res.type && !seen.has('T' + res.type)) {
        seen.add('T' + res.type);
        out.push(['ResourceType', res.type]);
      }
      for (const name of [res.ARN, resourceShortName(res.ARN)]) {
        if (name && !seen.has('N' + name)) {
          seen.add('N' + name);
          out.push(['ResourceName', name]);
        }
      }
    }
    return out;
  }

  /** Per-record index rows of the layout before group rows (purge removes them with old records). */
  private legacyIndexKeys(r: CloudTrailRecord, k: EventKey): string[] {
    const keys: string[] = [];
    for (const [attr, value] of this.attributeValues(r)) keys.push(IDX + attr + '/' + this.tag(attr, value) + '/' + k);
    return keys;
  }

  /** The stored JSON of a record, or undefined. */
  async getJson(k: EventKey): Promise<string | undefined> {
    const v = await this.kv.get(EVENTS + k);
    return v?.toString('utf8');
  }

  /**
   * Visits the keys under `base` + 16-digit time in [lo, hi], newest prefix first: depth-first over
   * decimal prefixes of the timestamp, listing a prefix once it is narrower than `leaf` digits of
   * width (adapting to how dense the history is). `visit` gets the listing and the leaf's time
   * range, and returns false to stop.
   */
  private async walk(base: string, lo: number, hi: number, minLeafDigits: number, visit: (listed: string[], from: number, to: number) => Promise<boolean>): Promise<void> {
    if (lo > hi) return;
    let leafDigits = Math.max(8, minLeafDigits);
    const stack: string[] = [ROOT_PREFIX];
    while (stack.length > 0) {
      const p = stack.pop() as string;
      const width = TIME_DIGITS - p.length;
      const span = 10 ** width;
      const from = Number(p) * span;
      const to = from + span - 1;
      if (to < lo || from > hi) continue;
      const contained = from >= lo && to <= hi;
      if (!contained || width > leafDigits) {
        for (let d = 0; d <= 9; d++) stack.push(p + d);
        continue;
      }
      const listed = await this.kv.list(base + p);
      if (!(await visit(listed, from, to))) return;
      const n = listed.length;
      if (n > 2000 && leafDigits > Math.max(4, minLeafDigits)) leafDigits--;
      else if (n < 20 && leafDigits < 9) leafDigits++;
    }
  }

  /**
   * Event keys newest first within [startMs, endMs], optionally only those indexed under
   * `attribute`, strictly older than `before`; at most `limit` (plus whether more exist).
   */
  async scan(q: {
    readonly startMs: number;
    readonly endMs: number;
    readonly attribute?: { readonly key: LookupAttributeKey; readonly value: string };
    readonly before?: EventKey;
    readonly limit: number;
  }): Promise<{ keys: EventKey[]; more: boolean }> {
    let hi = Math.min(q.endMs, MAX_MS);
    if (q.before !== undefined) hi = Math.min(hi, eventKeyMs(q.before));
    const lo = Math.max(0, q.startMs);
    const keys: EventKey[] = [];
    let more = false;
    const take = (k: EventKey): boolean => {
      if (q.before !== undefined && k >= q.before) return true;
      if (keys.length === q.limit) {
        more = true;
        return false;
      }
      keys.push(k);
      return true;
    };
    if (lo > hi) return { keys, more };
    const attr = q.attribute;
    if (attr?.key === 'EventId') {
      const ms = eventIdMs(attr.value);
      if (ms !== undefined) {
        // The id carries its record's time: the key is known, only its presence is to be checked.
        const k = eventKeyOf(ms, attr.value);
        if (ms >= lo && ms <= hi && (await this.kv.get(EVENTS + k)) !== undefined) take(k);
        return { keys, more };
      }
    }
    if (!attr || attr.key === 'EventId') {
      // Whole records (one row each), or the per-record EventId rows of ids without a time.
      const base = attr ? IDX + 'EventId/' + this.tag('EventId', attr.value) + '/' : EVENTS;
      await this.walk(base, lo, hi, 0, async (listed) => {
        for (let i = listed.length - 1; i >= 0; i--) if (!take((listed[i] as string).slice(base.length))) return false;
        return true;
      });
      return { keys, more };
    }
    // Group rows are keyed by whole seconds: walk whole seconds (prefixes at least 3 digits wide),
    // then keep each row's members within [lo, hi], newest first.
    const base = IDX + attr.key + '/' + this.tag(attr.key, attr.value) + '/';
    // Records of groups not compacted yet (newest last), merged into the leaves they fall in.
    const pending = await this.pendingMembers(base, lo, hi);
    let nextPending = pending.length - 1;
    await this.walk(base, lo - (lo % SECOND), hi - (hi % SECOND) + SECOND - 1, 3, async (listed, from) => {
      let found: EventKey[] = [];
      while (nextPending >= 0 && eventKeyMs(pending[nextPending] as EventKey) >= from) found.push(pending[nextPending--] as EventKey);
      if (listed.length === 0 && found.length === 0) return true;
      for (const row of listed) {
        for (const k of rowMembers(row, await this.kv.get(row), base)) {
          const ms = eventKeyMs(k);
          if (ms >= lo && ms <= hi) found.push(k);
        }
      }
      found.sort();
      // The same record twice: compacted while this lookup read it pending, or by two nodes.
      if (found.length > 1) found = found.filter((k, i) => i === 0 || k !== found[i - 1]);
      for (let i = found.length - 1; i >= 0; i--) if (!take(found[i] as string)) return false;
      return true;
    });
    return { keys, more };
  }

  /** Event keys waiting for delivery to `trail`, oldest first. */
  async outbox(trail: string): Promise<EventKey[]> {
    await this.compact();
    const prefix = OUTBOX + trail + '/';
    const view: OutboxView = { rowOf: new Map(), members: new Map() };
    const keys: EventKey[] = [];
    for (const row of await this.kv.list(prefix)) {
      const members = rowMembers(row, await this.kv.get(row), prefix);
      if (members.length === 0) continue;
      view.members.set(row, new Set(members));
      for (const k of members) {
        const rows = view.rowOf.get(k);
        if (rows !== undefined) {
          rows.push(row);
          continue;
        }
        view.rowOf.set(k, [row]);
        keys.push(k);
      }
    }
    this.outboxViews.set(trail, view);
    return keys.sort();
  }

  /**
   * Batch operations that clear delivered outbox entries (the caller commits them with its state):
   * a row whose records are all delivered is deleted, a row with records left is rewritten with them.
   * `keys` come from the last {@link outbox} call for the trail.
   */
  outboxClearOps(trail: string, keys: readonly EventKey[]): BatchOp[] {
    const view = this.outboxViews.get(trail);
    const ops: BatchOp[] = [];
    const touched = new Set<string>();
    for (const k of keys) {
      const rows = view?.rowOf.get(k);
      if (rows === undefined || !view) {
        ops.push({ op: 'delete', key: OUTBOX + trail + '/' + k });
        continue;
      }
      view.rowOf.delete(k);
      for (const row of rows) {
        view.members.get(row)?.delete(k);
        touched.add(row);
      }
    }
    for (const row of touched) {
      const left = view?.members.get(row);
      if (!left || left.size === 0) {
        view?.members.delete(row);
        ops.push({ op: 'delete', key: row });
      } else ops.push({ op: 'put', key: row, value: Buffer.from([...left].join('\n'), 'utf8') });
    }
    return ops;
  }

  /** Removes records older than the retention window, with their index and outbox entries. */
  async purge(now: Date): Promise<number> {
    await this.compact();
    const cutoff = now.getTime() - this.retentionMs;
    // Group rows of seconds wholly before the cutoff, through their manifests.
    const secondsEnd = cutoff - (cutoff % SECOND) - 1;
    for (;;) {
      const manifests: string[] = [];
      await this.walk(GROUPS, 0, secondsEnd, 3, async (listed) => {
        for (const m of listed) {
          manifests.push(m);
          if (manifests.length >= 256) return false;
        }
        return true;
      });
      if (manifests.length === 0) break;
      const ops: BatchOp[] = [];
      for (const m of manifests) {
        const v = await this.kv.get(m);
        if (v && v.length > 0) for (const row of v.toString('utf8').split('\n')) ops.push({ op: 'delete', key: row });
        ops.push({ op: 'delete', key: m });
      }
      await this.kv.batch(ops);
    }
    let removed = 0;
    for (;;) {
      const { keys } = await this.scan({ startMs: 0, endMs: cutoff - 1, limit: 256 });
      if (keys.length === 0) return removed;
      const ops: BatchOp[] = [];
      for (const k of keys) {
        ops.push({ op: 'delete', key: EVENTS + k });
        const eventId = k.slice(TIME_DIGITS + 1);
        // Records written with group rows have time-carrying ids and no rows of their own.
        if (eventIdMs(eventId) === eventKeyMs(k)) continue;
        const json = await this.getJson(k);
        if (json === undefined) continue;
        try {
          for (const key of this.legacyIndexKeys(JSON.parse(json) as CloudTrailRecord, k)) ops.push({ op: 'delete', key });
        } catch {
          // An unreadable record still goes; its index entries point nowhere and are skipped by lookups.
        }
      }
      await this.kv.batch(ops);
      removed += keys.length;
    }
  }

  /** Removes every outbox entry of a deleted trail. */
  async dropOutbox(trail: string): Promise<void> {
    await this.compact();
    const rows = await this.kv.list(OUTBOX + trail + '/');
    this.outboxViews.delete(trail);
    for (let i = 0; i < rows.length; i += 512) await this.kv.batch(rows.slice(i, i + 512).map((key) => ({ op: 'delete' as const, key })));
  }
}

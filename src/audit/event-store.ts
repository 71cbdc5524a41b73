/**
 * Durable event history in the KVStore (the encrypting barrier), with group commit: every append
 * resolves only once its record is written, and appends that arrive while a write is in flight are
 * written together by the next single kv.batch call, so a burst of N calls costs about one fsync.
 * Over the barrier, each record is encrypted when it is appended (Barrier.sealBatch) and the group
 * is written with Barrier.writeSealed, so encryption overlaps the commit in flight.
 *
 * Layout (every key in one batch per record):
 *   audit/events/<16-digit ms>/<eventId>                  the record's JSON
 *   audit/idx/<Attribute>/<tag>/<16-digit ms>/<eventId>   empty; one per LookupEvents attribute value
 *   audit/outbox/<trail>/<16-digit ms>/<eventId>          empty; records a logging trail must deliver
 *   audit/meta/index-key                                  32 random bytes keying the index tags
 * Keys are stored in plaintext by the barrier, so attribute values (user names, resource ARNs) are
 * not written into them: <tag> is an HMAC-SHA256 of the value under the barrier-encrypted index key.
 */
import { createHmac, randomBytes } from 'node:crypto';
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
  /** The record's operations (empty once sealed). */
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

/** The event history. Call load() (after every unseal) before use. */
export class EventStore {
  readonly retentionMs: number;
  private readonly maxGroup: number;
  private indexKey: Buffer | undefined;
  private readonly tagCache = new Map<string, string>();
  private readonly sealer: SealingStore<unknown> | undefined;
  private queue: Waiter[] = [];
  private writing = false;

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
  }

  /** Forgets the index key (at seal). */
  unload(): void {
    this.indexKey?.fill(0);
    this.indexKey = undefined;
    this.tagCache.clear();
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
    let ops: BatchOp[];
    let sealed: unknown;
    try {
      ops = this.opsFor(record, json, eventKeyOf(timeMs, record.eventID), outboxTrails);
      // Encrypt now, while an earlier group may be committing, rather than on the commit path.
      if (this.sealer) sealed = this.sealer.sealBatch(ops);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<void>((resolve, reject) => {
      // Once sealed, only the ciphertext is kept until the write.
      this.queue.push({ ops: sealed === undefined ? ops : NO_OPS, sealed, resolve, reject });
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
          if (this.sealer) {
            await this.sealer.writeSealed(group.map((w) => w.sealed));
          } else {
            const ops: BatchOp[] = [];
            for (let i = 0; i < group.length; i++) {
              const w = group[i] as Waiter;
              for (let j = 0; j < w.ops.length; j++) ops.push(w.ops[j] as BatchOp);
            }
            await this.kv.batch(ops);
          }
          for (let i = 0; i < group.length; i++) (group[i] as Waiter).resolve();
        } catch (e) {
          for (let i = 0; i < group.length; i++) (group[i] as Waiter).reject(e);
        }
      }
    } finally {
      this.writing = false;
    }
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

  private indexKeys(r: CloudTrailRecord, k: EventKey): string[] {
    const keys: string[] = [];
    for (const [attr, value] of this.attributeValues(r)) keys.push(IDX + attr + '/' + this.tag(attr, value) + '/' + k);
    return keys;
  }

  private opsFor(r: CloudTrailRecord, json: string, k: EventKey, outboxTrails: readonly string[]): BatchOp[] {
    const ops: BatchOp[] = [{ op: 'put', key: EVENTS + k, value: Buffer.from(json, 'utf8') }];
    for (const key of this.indexKeys(r, k)) ops.push({ op: 'put', key, value: EMPTY });
    for (const t of outboxTrails) ops.push({ op: 'put', key: OUTBOX + t + '/' + k, value: EMPTY });
    return ops;
  }

  /** The stored JSON of a record, or undefined. */
  async getJson(k: EventKey): Promise<string | undefined> {
    const v = await this.kv.get(EVENTS + k);
    return v?.toString('utf8');
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
    const base = q.attribute ? IDX + q.attribute.key + '/' + this.tag(q.attribute.key, q.attribute.value) + '/' : EVENTS;
    let hi = Math.min(q.endMs, MAX_MS);
    if (q.before !== undefined) hi = Math.min(hi, eventKeyMs(q.before));
    const lo = Math.max(0, q.startMs);
    const keys: EventKey[] = [];
    if (lo > hi) return { keys, more: false };
    // Depth-first over decimal prefixes of the timestamp, highest first. A prefix is listed once it
    // is narrower than `leaf` digits of width; the width adapts to how dense the history is.
    let leafDigits = 8;
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
      const n = listed.length;
      for (let i = n - 1; i >= 0; i--) {
        const k = (listed[i] as string).slice(base.length);
        if (q.before !== undefined && k >= q.before) continue;
        if (keys.length === q.limit) return { keys, more: true };
        keys.push(k);
      }
      if (n > 2000 && leafDigits > 4) leafDigits--;
      else if (n < 20 && leafDigits < 9) leafDigits++;
    }
    return { keys, more: false };
  }

  /** Event keys waiting for delivery to `trail`, oldest first. */
  async outbox(trail: string): Promise<EventKey[]> {
    const prefix = OUTBOX + trail + '/';
    return (await this.kv.list(prefix)).map((k) => k.slice(prefix.length));
  }

  /** Batch operations that clear delivered outbox entries (the caller commits them with its state). */
  outboxClearOps(trail: string, keys: readonly EventKey[]): BatchOp[] {
    return keys.map((k) => ({ op: 'delete', key: OUTBOX + trail + '/' + k }));
  }

  /** Removes records older than the retention window, with their index and outbox entries. */
  async purge(now: Date): Promise<number> {
    const cutoff = now.getTime() - this.retentionMs;
    let removed = 0;
    for (;;) {
      const { keys } = await this.scan({ startMs: 0, endMs: cutoff - 1, limit: 256 });
      if (keys.length === 0) return removed;
      const ops: BatchOp[] = [];
      for (const k of keys) {
        ops.push({ op: 'delete', key: EVENTS + k });
        const json = await this.getJson(k);
        if (json === undefined) continue;
        try {
          for (const key of this.indexKeys(JSON.parse(json) as CloudTrailRecord, k)) ops.push({ op: 'delete', key });
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
    const keys = await this.outbox(trail);
    for (let i = 0; i < keys.length; i += 512) await this.kv.batch(this.outboxClearOps(trail, keys.slice(i, i + 512)));
  }
}


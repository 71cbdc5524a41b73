/**
 * Durable event history in the KVStore (the encrypting barrier), with group commit: every append
 * resolves only once its record is written, and the appends of one event-loop turn are written
 * together by one kv.batch call (two such batches may be in flight), so a burst of N calls costs
 * about one fsync.
 * A commit group's records are ONE row, encrypted once by the barrier: AES-GCM's fixed cost per
 * value (cipher set-up, tag), not its bytes, was most of the price of a row per record.
 *
 * Layout:
 *   audit/recs/<16-digit ms>/<group>                     a commit group's records: its newest record's
 *                                                        millisecond, the group id; the value is
 *                                                        {@link encodeGroup}'s length-prefixed JSONs,
 *                                                        deflated when 4 KB or more ({@link packRow})
 *   audit/dir/<16-digit s>/<group>                       the record refs (newline-separated, deflated
 *                                                        when 4 KB or more) of one compaction's records
 *                                                        of this second: every record, for lookups
 *                                                        without an attribute and for finding a record
 *                                                        from its key
 *   audit/idx/<Attribute>/<tag>/<16-digit s>/<group>     the records with this attribute value among
 *                                                        them, as positions in that directory row
 *                                                        ({@link encodePositions})
 *   audit/outbox/<trail>/<16-digit s>/<group>            likewise: those the trail must still deliver
 *                                                        (as refs once a delivery rewrote the row)
 *   audit/groups/<16-digit s>/<group>                    the dir, index and outbox rows written for that
 *                                                        second and group (purge deletes them)
 *   audit/pending/<16-digit ms>/<group>                  a commit group not yet compacted: its refs and,
 *                                                        per index/outbox row prefix, which of them
 *                                                        belong under it
 *   audit/meta/index-key                                 32 random bytes keying the index tags
 * A record's ref is `<16-digit ms>/<eventId>@<loc>`: its event key (what scan() and outbox() return,
 * and getJson() takes) and where it is stored, `<newest ms - ms, base 36>.<group>.<slot, base 36>`
 * (the group row follows from it). Refs stay inside this module; the store remembers the locations
 * of the keys its last lookups and outbox reads returned, and otherwise finds a key through the
 * directory rows of its second.
 * A commit group writes its group row and ONE pending row; a background compactor (off the
 * request path, a few times a second or once COMPACT_RECORDS records wait) merges many pending
 * groups into directory, index and outbox rows per second, and deletes the pending rows in the
 * same batch (so it is idempotent and resumable: a crash leaves the pending rows, which the next
 * load() compacts). Lookups read the pending rows as well, so a record is found as soon as its
 * append resolved; delivery, purge and dropOutbox compact first.
 * Concurrent compaction of one pending row by two nodes can write its entries twice: lookups and
 * the outbox read them once.
 * EventId needs no index: event ids are time-ordered UUIDs ({@link eventIdAt}) whose first 48 bits
 * are the record's millisecond, so the record's key follows from the id (its location: from the
 * directory rows of that second). An id that does not carry its record's time is indexed like the
 * other attributes.
 * Earlier layouts are still read (and purged): index and outbox rows holding refs (as directory
 * rows do) and directory rows never deflated; `audit/events/<16-digit ms>/<eventId>`, one row per
 * record holding its JSON, whose refs in index, outbox and pending rows are bare event keys; and
 * before that, per-record index rows `audit/idx/<Attribute>/<tag>/<16-digit ms>/<eventId>` and
 * outbox rows with empty values.
 * Keys are stored in plaintext by the barrier, so attribute values (user names, resource ARNs) are
 * not written into them: <tag> is an HMAC-SHA256 of the value under the barrier-encrypted index key.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { eventIdMs } from '../events/index.js';
import type { BatchOp, KVStore } from '../storage/index.js';
import { resourceShortName, usernameOf, type CloudTrailRecord, type RecordResource } from './record.js';

/** The LookupEvents attributes, in the model's spelling. */
export const LOOKUP_ATTRIBUTES = ['EventId', 'EventName', 'ReadOnly', 'Username', 'ResourceType', 'ResourceName', 'EventSource', 'AccessKeyId'] as const;
/** One LookupEvents attribute key. */
export type LookupAttributeKey = (typeof LOOKUP_ATTRIBUTES)[number];

/** Default event-history retention (AWS: 90 days). */
export const DEFAULT_RETENTION_DAYS = 90;

/** Record rows of the layout before group rows (read and purged, no longer written). */
const EVENTS = 'audit/events/';
const RECS = 'audit/recs/';
const DIR = 'audit/dir/';
const IDX = 'audit/idx/';
const OUTBOX = 'audit/outbox/';
const GROUPS = 'audit/groups/';
const PENDING = 'audit/pending/';
const SECOND = 1000;
/** Commit groups handed to the storage at once (see drain). */
const MAX_GROUPS_IN_FLIGHT = 2;
/** Own pending groups are compacted once this many records wait, else COMPACT_DELAY_MS after the first. */
const COMPACT_RECORDS = 2048;
const COMPACT_DELAY_MS = 200;
/** One compaction batch takes at most this many pending groups and records. */
const COMPACT_MAX_GROUPS = 512;
const COMPACT_MAX_RECORDS = 8192;
const INDEX_KEY = 'audit/meta/index-key';
/** Timestamps are written as 16 digits; scans start from the 3-digit prefix '000' (ms < 10^13, year 2286). */
const TIME_DIGITS = 16;
const ROOT_PREFIX = '000';
const MAX_MS = 10 ** 13 - 1;
/** Cached index tags (not EventId: unique values would only churn the cache). */
const TAG_CACHE_SIZE = 4096;
/** The first byte of a group row's value: the records as they are, or ({@link packRow}) deflated. */
const GROUP_FORMAT = 1;
const GROUP_DEFLATED = 2;
/** The first byte of a deflated pending row (a plain one is text starting with a ref's digit, or a newline). */
const PENDING_DEFLATED = 1;
/**
 * Group and pending rows of at least this many bytes are stored deflated. A commit group of 22
 * KMS records (20 KB of JSON) deflates to 1.7 KB in ~35 us (level 3): it then fits in one B-tree
 * leaf instead of overflowing into pages of its own: the SQLite writer's CPU per audited KMS call
 * fell by about 30 % (docs/benchmarks.md, issue 4). Smaller rows stay in their leaf anyway (a
 * 16 KiB page keeps up to ~4 KB of a row in the leaf) and would gain too little to pay for
 * deflate's ~15 us of set-up.
 */
const DEFLATE_MIN_BYTES = 4096;
const DEFLATE_LEVEL = 3;
/** A deflated row never inflates past this (rows are sealed by the barrier: this only bounds a bug). */
const INFLATE_MAX_BYTES = 128 * 1024 * 1024;
/**
 * Decrypted group rows kept (least recently used out): a LookupEvents page or a log file reads
 * neighbouring records, mostly of the same few groups (a group row is ~30 KB at 32 records).
 */
const GROUP_CACHE_SIZE = 8;
/** Locations of the keys recent lookups returned (oldest out). */
const LOCATED_MAX = 4096;
/** Refs of directory and index rows kept in memory (least recently used rows out): ~3 MB. */
const ROW_CACHE_REFS = 32768;

/** Options of {@link EventStore.open}. */
export interface EventStoreOptions {
  /** Records kept this many days; purge() removes older ones. Default 90. */
  readonly retentionDays?: number;
  /** At most this many records per group-commit batch. Default 512. */
  readonly maxGroupRecords?: number;
}

interface Waiter {
  /** The record's millisecond and id (its event key, formatted when the group is written). */
  readonly ms: number;
  readonly eventId: string;
  /** The record's JSON. */
  readonly json: string;
  /** The index-row prefixes (`audit/idx/<Attribute>/<tag>/`) this record belongs under. */
  readonly idx: readonly string[];
  /** Trails that must deliver the record. */
  readonly outbox: readonly string[];
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

/**
 * A ref's event key and location (`<delta>.<group>.<slot>`, which never contains '@'); the
 * location of a bare key (the layout with a row per record) is ''. Event ids are UUIDs.
 */
function splitRef(ref: string): [EventKey, string] {
  const at = ref.lastIndexOf('@');
  return at < 0 ? [ref, ''] : [ref.slice(0, at), ref.slice(at + 1)];
}

/** The group row and slot a record's location names, or undefined if it is malformed. */
function groupSlotOf(k: EventKey, loc: string): { row: string; slot: number } | undefined {
  const a = loc.indexOf('.');
  const b = loc.lastIndexOf('.');
  if (a <= 0 || b <= a + 1 || b === loc.length - 1) return undefined;
  const delta = parseInt(loc.slice(0, a), 36);
  const slot = parseInt(loc.slice(b + 1), 36);
  const ms = eventKeyMs(k);
  if (!Number.isSafeInteger(delta) || !Number.isSafeInteger(slot) || !Number.isSafeInteger(ms)) return undefined;
  return { row: RECS + String(ms + delta).padStart(TIME_DIGITS, '0') + '/' + loc.slice(a + 1, b), slot };
}

/**
 * A group row's value: `GROUP_FORMAT (1) | count (uint32 BE) | count x (length (uint32 BE) | JSON)`.
 * `sizes` are the JSONs' UTF-8 byte lengths.
 */
function encodeGroup(group: readonly Waiter[], sizes: readonly number[]): Buffer {
  let total = 5;
  for (let i = 0; i < sizes.length; i++) total += 4 + (sizes[i] as number);
  const out = Buffer.allocUnsafe(total);
  out[0] = GROUP_FORMAT;
  out.writeUInt32BE(group.length, 1);
  let pos = 5;
  for (let i = 0; i < group.length; i++) {
    out.writeUInt32BE(sizes[i] as number, pos);
    pos += 4;
    pos += out.write((group[i] as Waiter).json, pos, 'utf8');
  }
  return out;
}

/** `format | deflateRaw(plain)` if `plain` is large enough to gain from it, else `plain`. */
function packRow(plain: Buffer, format: number): Buffer {
  if (plain.length < DEFLATE_MIN_BYTES) return plain;
  const packed = deflateRawSync(plain, { level: DEFLATE_LEVEL });
  const out = Buffer.allocUnsafe(1 + packed.length);
  out[0] = format;
  packed.copy(out, 1);
  return out;
}

/**
 * The plain bytes of a stored row: inflated when its first byte is the `format` {@link packRow}
 * gave it, else the value as stored; undefined when it does not inflate.
 */
function unpackRow(stored: Buffer, format: number): Buffer | undefined {
  if (stored.length === 0 || stored[0] !== format) return stored;
  try {
    return inflateRawSync(stored.subarray(1), { maxOutputLength: INFLATE_MAX_BYTES });
  } catch {
    return undefined;
  }
}

/** A decoded group row: record i's JSON is `value[starts[i], starts[i] + sizes[i])`. */
interface GroupRow {
  readonly value: Buffer;
  readonly starts: Uint32Array;
  readonly sizes: Uint32Array;
}

/** Decodes a group row's value (undefined if it is not one). */
function decodeGroup(stored: Buffer): GroupRow | undefined {
  const value = unpackRow(stored, GROUP_DEFLATED);
  if (value === undefined || value.length < 5 || value[0] !== GROUP_FORMAT) return undefined;
  const n = value.readUInt32BE(1);
  if (n > (value.length - 5) / 4) return undefined;
  const starts = new Uint32Array(n);
  const sizes = new Uint32Array(n);
  let pos = 5;
  for (let i = 0; i < n; i++) {
    if (pos + 4 > value.length) return undefined;
    const size = value.readUInt32BE(pos);
    pos += 4;
    if (pos + size > value.length) return undefined;
    starts[i] = pos;
    sizes[i] = size;
    pos += size;
  }
  return { value, starts, sizes };
}

/**
 * The first byte of an index or outbox row written by a compaction: the positions of its members
 * in the directory row of the same second and compaction ({@link encodePositions}), instead of
 * their refs. A record is under about eight index rows: as refs (~70 bytes each) they were most of
 * the bytes the SQLite writer wrote per record; as positions, a row whose members are a run of the
 * second's records (every Encrypt call, every read-only call, ...) is a few bytes.
 */
const ROW_POSITIONS = 1;
/** The first byte of a deflated directory row ({@link packRow}); a plain one is refs, which start with a digit. */
const ROW_DEFLATED = 2;

/** Ascending positions as `\x01` and comma-separated runs: `0-1999` or `3,5-9,12` (exported for tests). */
export function encodePositions(positions: readonly number[]): Buffer {
  let text = '';
  for (let i = 0; i < positions.length; ) {
    const first = positions[i] as number;
    let last = first;
    while (i + 1 < positions.length && positions[i + 1] === last + 1) last = positions[++i] as number;
    i++;
    text += (text === '' ? '' : ',') + (last === first ? String(first) : first + '-' + last);
  }
  const out = Buffer.allocUnsafe(1 + text.length);
  out[0] = ROW_POSITIONS;
  out.write(text, 1, 'latin1');
  return out;
}

const DIGITS = /^[0-9]{1,10}$/;

/** The positions {@link encodePositions} wrote, each below `max` (others, and malformed runs, are dropped). */
export function decodePositions(value: Buffer, max: number): number[] {
  const out: number[] = [];
  for (const run of value.toString('latin1', 1).split(',')) {
    const dash = run.indexOf('-');
    const a = dash < 0 ? run : run.slice(0, dash);
    const b = dash < 0 ? run : run.slice(dash + 1);
    if (!DIGITS.test(a) || !DIGITS.test(b)) continue;
    const first = Number(a);
    const last = Number(b);
    for (let p = first; p <= last && p < max; p++) out.push(p);
  }
  return out;
}

/**
 * The refs of a directory row, or of an index or outbox row in ref form (a row of the per-record
 * layout holds none: its key names the record). Undefined for a row of positions.
 */
function rowMembers(rowKey: string, value: Buffer | undefined, base: string): string[] | undefined {
  if (value === undefined) return [];
  if (value.length === 0) return [rowKey.slice(base.length)];
  if (value[0] === ROW_POSITIONS) return undefined;
  const text = unpackRow(value, ROW_DEFLATED);
  return text === undefined ? [] : text.toString('utf8').split('\n');
}

/** An outbox row's members as last read, so delivered records can be cleared from shared rows. */
interface OutboxView {
  /** The rows holding each key (two when two nodes compacted the same pending group). */
  readonly rowOf: Map<EventKey, string[]>;
  /** Each row's members: event key -> ref as stored. */
  readonly members: Map<string, Map<EventKey, string>>;
  /** Where each key's record is (read by getJson while the records are delivered). */
  readonly locOf: Map<EventKey, string>;
}

/** A commit group whose directory, index and outbox rows are not written yet (its `audit/pending/` row). */
interface PendingGroup {
  /** The pending row's key. */
  readonly key: string;
  /** The group's refs (bare event keys in pending rows of the per-record layout). */
  readonly keys: readonly string[];
  /** Row prefix (`audit/idx/<Attribute>/<tag>/` or `audit/outbox/<trail>/`) -> indexes into `keys`. */
  readonly rows: ReadonlyMap<string, readonly number[]>;
}

/**
 * A pending row's value: the refs, an empty line, then `<prefix>\t<index>,<index>...` lines
 * (deflated when 4 KB or more, see {@link packRow}).
 */
function encodePending(g: PendingGroup): Buffer {
  let text = g.keys.join('\n') + '\n';
  for (const [p, members] of g.rows) text += '\n' + p + '\t' + members.join(',');
  return packRow(Buffer.from(text, 'utf8'), PENDING_DEFLATED);
}

function decodePending(key: string, stored: Buffer): PendingGroup | undefined {
  const value = unpackRow(stored, PENDING_DEFLATED);
  if (value === undefined) return undefined;
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
  /** resourcePrefixes by `<type>\0<ARN>`. */
  private readonly resourceCache = new Map<string, readonly string[]>();
  private queue: Waiter[] = [];
  private writing = false;
  /** Group ids: a random prefix per load and a counter. */
  private groupPrefix = randomBytes(6).toString('hex');
  private groupSeq = 0;
  private readonly outboxViews = new Map<string, OutboxView>();
  /** Locations (see {@link splitRef}) of the keys recent scans returned, oldest first. */
  private readonly located = new Map<EventKey, string>();
  /** The locations of the last second {@link locate} read the directory rows of. */
  private dirSecond: { readonly second: string; readonly locs: ReadonlyMap<EventKey, string> } | undefined;
  /** Recently read directory and index rows' refs (least recently used first), by row key. */
  private readonly rowCache = new Map<string, readonly string[]>();
  private rowCacheRefs = 0;
  /** Recently read group rows (least recently used first), by row key. */
  private readonly groupCache = new Map<string, Promise<GroupRow | undefined>>();
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
    this.resourceCache.clear();
    this.outboxViews.clear();
    this.forgetRecords();
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
    this.resourceCache.clear();
    this.outboxViews.clear();
    this.forgetRecords();
    this.dropPending();
  }

  /** Drops the cached record locations, directory and index rows, and decrypted group rows. */
  private forgetRecords(): void {
    this.located.clear();
    this.dirSecond = undefined;
    this.groupCache.clear();
    this.rowCache.clear();
    this.rowCacheRefs = 0;
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
    const res = r.resources;
    if (res !== undefined && res.length > 0) {
      if (res.length === 1) {
        const ps = this.resourcePrefixes((res[0] as RecordResource).type, (res[0] as RecordResource).ARN);
        for (let i = 0; i < ps.length; i++) out.push(ps[i] as string);
      } else {
        // The same type or name twice is indexed once (as attributeValues).
        const seen = new Set<string>();
        for (const x of res) {
          for (const p of this.resourcePrefixes(x.type, x.ARN)) {
            if (seen.has(p)) continue;
            seen.add(p);
            out.push(p);
          }
        }
      }
    }
    return out;
  }

  /** The ResourceType and ResourceName (ARN, short name) row prefixes of one resource, cached: keys repeat on every call. */
  private resourcePrefixes(type: string | undefined, arn: string): readonly string[] {
    const ck = (type ?? '') + '\0' + arn;
    let out = this.resourceCache.get(ck);
    if (out === undefined) {
      const list: string[] = [];
      if (type) list.push(this.idxPrefix('ResourceType', type));
      for (const name of [arn, resourceShortName(arn)]) {
        if (!name) continue;
        const p = this.idxPrefix('ResourceName', name);
        if (!list.includes(p)) list.push(p);
      }
      if (this.resourceCache.size >= TAG_CACHE_SIZE) this.resourceCache.clear();
      this.resourceCache.set(ck, (out = list));
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
    let idx: string[];
    try {
      idx = this.indexPrefixes(record);
      // An id that does not carry the record's time is indexed (see the module comment).
      if (eventIdMs(record.eventID) !== timeMs) idx.push(IDX + 'EventId/' + this.tag('EventId', record.eventID) + '/');
    } catch (e) {
      return Promise.reject(e);
    }
    // A commit the storage has finished is taken up now, not when the event loop next polls: its
    // callers are answered sooner and the next group (with this record) starts sooner.
    this.kv.settle?.();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ ms: timeMs, eventId: record.eventID, json, idx, outbox: outboxTrails, resolve, reject });
      if (!this.writing) {
        this.writing = true;
        // Start on a microtask so a synchronous burst lands in the first batch.
        queueMicrotask(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    try {
      while (this.queue.length > 0 || inFlight.size > 0) {
        if (this.queue.length === 0 || inFlight.size >= MAX_GROUPS_IN_FLIGHT) {
          await Promise.race(inFlight);
          continue;
        }
        let group: Waiter[];
        if (this.queue.length <= this.maxGroup) {
          group = this.queue;
          this.queue = [];
        } else {
          group = this.queue.splice(0, this.maxGroup);
        }
        const done = this.commitGroup(group);
        inFlight.add(done);
        void done.then(() => inFlight.delete(done));
        // The next group waits for the end of this event-loop turn, so that every request already
        // read (their sockets were ready in the same poll) lands in it.
        await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      this.writing = false;
    }
  }

  /** Writes one group; settles its records' promises. Never rejects. */
  private async commitGroup(group: Waiter[]): Promise<void> {
    try {
      const { ops, pend } = this.groupOps(group);
      // The barrier encrypts the two rows: one AES-GCM for all the group's records.
      await this.kv.batch(ops);
      this.pending.set(pend.key, pend);
      this.pendingRecords += group.length;
      this.scheduleCompaction();
      for (let i = 0; i < group.length; i++) (group[i] as Waiter).resolve();
    } catch (e) {
      for (let i = 0; i < group.length; i++) (group[i] as Waiter).reject(e);
    }
  }

  /**
   * The rows of one commit group: its group row (every record's JSON) and its pending row (the
   * records' refs and the index/outbox rows they go under).
   */
  private groupOps(group: readonly Waiter[]): { ops: BatchOp[]; pend: PendingGroup } {
    const gid = this.groupPrefix + (this.groupSeq++).toString(36);
    // The row is named by its newest record: the purge deletes it once that one is past retention.
    let newest = (group[0] as Waiter).ms;
    for (let i = 1; i < group.length; i++) if ((group[i] as Waiter).ms > newest) newest = (group[i] as Waiter).ms;
    const sizes = new Array<number>(group.length);
    const keys = new Array<string>(group.length);
    const rows = new Map<string, number[]>();
    const tail = '.' + gid + '.';
    for (let i = 0; i < group.length; i++) {
      const w = group[i] as Waiter;
      sizes[i] = Buffer.byteLength(w.json, 'utf8');
      keys[i] = eventKeyOf(w.ms, w.eventId) + '@' + (newest - w.ms).toString(36) + tail + i.toString(36);
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
    const pend: PendingGroup = { key: PENDING + String(Date.now()).padStart(TIME_DIGITS, '0') + '/' + gid, keys, rows };
    const ops: BatchOp[] = [
      { op: 'put', key: RECS + String(newest).padStart(TIME_DIGITS, '0') + '/' + gid, value: packRow(encodeGroup(group, sizes), GROUP_DEFLATED) },
      { op: 'put', key: pend.key, value: encodePending(pend) },
    ];
    return { ops, pend };
  }

  /**
   * One compaction batch: the directory, index and outbox rows of `groups` merged per row prefix
   * and second (under a fresh group id), a manifest per second, and the deletion of their pending rows.
   */
  private compactionOps(groups: readonly PendingGroup[]): BatchOp[] {
    const gid = this.groupPrefix + (this.groupSeq++).toString(36);
    // second -> its directory row's refs, and row prefix -> member positions in them
    const bySecond = new Map<string, { readonly dir: string[]; readonly rows: Map<string, number[]> }>();
    for (const g of groups) {
      // Each record is under about eight row prefixes: its second and its position in the
      // second's directory row (which takes every record) are worked out once.
      // (The second of a 16-digit key: its first 13 digits and '000'.)
      const seconds = new Array<Map<string, number[]>>(g.keys.length);
      const positions = new Array<number>(g.keys.length);
      let lastDigits = '';
      let second: { readonly dir: string[]; readonly rows: Map<string, number[]> } | undefined;
      for (let i = 0; i < g.keys.length; i++) {
        const k = g.keys[i] as string;
        const digits = k.slice(0, TIME_DIGITS - 3);
        if (digits !== lastDigits || second === undefined) {
          lastDigits = digits;
          const s = digits + '000';
          second = bySecond.get(s);
          if (second === undefined) bySecond.set(s, (second = { dir: [], rows: new Map() }));
        }
        seconds[i] = second.rows;
        positions[i] = second.dir.length;
        second.dir.push(k);
      }
      for (const [p, idxs] of g.rows) {
        // Usually every member is of one second: its row is looked up once.
        let lastRows: Map<string, number[]> | undefined;
        let members: number[] | undefined;
        for (let i = 0; i < idxs.length; i++) {
          const at = idxs[i] as number;
          const rows = seconds[at] as Map<string, number[]>;
          if (rows !== lastRows || members === undefined) {
            lastRows = rows;
            members = rows.get(p);
            if (members === undefined) rows.set(p, (members = []));
          }
          members.push(positions[at] as number);
        }
      }
    }
    const ops: BatchOp[] = [];
    for (const [second, { dir, rows }] of bySecond) {
      const suffix = second + '/' + gid;
      const manifest: string[] = [DIR + suffix];
      ops.push({ op: 'put', key: DIR + suffix, value: packRow(Buffer.from(dir.join('\n'), 'utf8'), ROW_DEFLATED) });
      for (const [p, members] of rows) {
        const key = p + suffix;
        manifest.push(key);
        // Positions ascend: groups are taken in order, and each group's members in order.
        ops.push({ op: 'put', key, value: encodePositions(members) });
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
   * The refs of not yet compacted records under `prefix` (DIR: all) within [lo, hi], ascending by
   * time. Read before the index rows: a group compacted in between is then found there (and read once).
   */
  private async pendingMembers(prefix: string, lo: number, hi: number): Promise<string[]> {
    const listed = await this.kv.list(PENDING);
    const out: string[] = [];
    if (listed.length === 0) {
      this.foreignPending.clear();
      return out;
    }
    for (const key of listed) {
      const g = await this.readPending(key);
      if (!g) continue;
      if (prefix === DIR) {
        for (const k of g.keys) {
          const ms = eventKeyMs(k);
          if (ms >= lo && ms <= hi) out.push(k);
        }
        continue;
      }
      const idxs = g.rows.get(prefix);
      if (!idxs) continue;
      for (let i = 0; i < idxs.length; i++) {
        const k = g.keys[idxs[i] as number] as string;
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
    const loc = await this.locate(k);
    if (loc === undefined) return undefined;
    if (loc === '') return (await this.kv.get(EVENTS + k))?.toString('utf8');
    const at = groupSlotOf(k, loc);
    if (at === undefined) return undefined;
    const g = await this.groupRow(at.row);
    if (g === undefined || at.slot >= g.starts.length) return undefined;
    const start = g.starts[at.slot] as number;
    return g.value.toString('utf8', start, start + (g.sizes[at.slot] as number));
  }

  /** A group row, decrypted and decoded (cached: group rows never change until purged). */
  private groupRow(row: string): Promise<GroupRow | undefined> {
    let g = this.groupCache.get(row);
    if (g !== undefined) {
      // Most recently used last.
      this.groupCache.delete(row);
    } else {
      g = this.kv.get(row).then((v) => (v === undefined ? undefined : decodeGroup(v)));
      // A failed read is not cached.
      g.catch(() => {
        if (this.groupCache.get(row) === g) this.groupCache.delete(row);
      });
      if (this.groupCache.size >= GROUP_CACHE_SIZE) this.groupCache.delete(this.groupCache.keys().next().value as string);
    }
    this.groupCache.set(row, g);
    return g;
  }

  /**
   * The refs of a directory or index row, cached: those rows never change once written (until
   * purged), and the pages of a lookup through a busy second read the same rows again.
   */
  private async rowRefs(row: string, base: string): Promise<readonly string[]> {
    let refs = this.rowCache.get(row);
    if (refs !== undefined) {
      // Most recently used last.
      this.rowCache.delete(row);
      this.rowCache.set(row, refs);
      return refs;
    }
    refs = await this.rowRefsOf(row, await this.kv.get(row), base);
    // (Another scan may have read it meanwhile.)
    if (refs.length === 0 || this.rowCache.has(row)) return refs;
    this.rowCacheRefs += refs.length;
    this.rowCache.set(row, refs);
    while (this.rowCacheRefs > ROW_CACHE_REFS && this.rowCache.size > 1) {
      const [oldest, old] = this.rowCache.entries().next().value as [string, readonly string[]];
      this.rowCache.delete(oldest);
      this.rowCacheRefs -= old.length;
    }
    return refs;
  }

  /** The refs of a row read as `value`: a row of positions takes them from its directory row. */
  private async rowRefsOf(row: string, value: Buffer | undefined, base: string): Promise<readonly string[]> {
    const refs = rowMembers(row, value, base);
    if (refs !== undefined) return refs;
    // A directory row is never one of positions (nor is a row under another base read as one).
    if (base === DIR || value === undefined) return [];
    const dir = await this.rowRefs(DIR + row.slice(base.length), DIR);
    return decodePositions(value, dir.length).map((p) => dir[p] as string);
  }

  /** Remembers where a key returned by a scan is, for the getJson that usually follows. */
  private remember(k: EventKey, loc: string): void {
    if (this.located.size >= LOCATED_MAX) this.located.delete(this.located.keys().next().value as string);
    this.located.set(k, loc);
  }

  /**
   * Where a record is: its ref's location ('' for a row of its own), or undefined if it is not
   * stored. Known for keys recent scans and outbox reads returned; else read from the record's
   * own row (earlier layout) or the directory rows (and pending groups) of its second.
   */
  private async locate(k: EventKey): Promise<string | undefined> {
    let loc = this.located.get(k);
    if (loc !== undefined) return loc;
    for (const view of this.outboxViews.values()) {
      loc = view.locOf.get(k);
      if (loc !== undefined) return loc;
    }
    const ms = eventKeyMs(k);
    if (!Number.isSafeInteger(ms) || ms < 0 || ms > MAX_MS) return undefined;
    const second = secondOf(ms);
    loc = this.dirSecond?.second === second ? this.dirSecond.locs.get(k) : undefined;
    if (loc !== undefined) return loc;
    if ((await this.kv.list(EVENTS + k)).includes(EVENTS + k)) return '';
    const locs = new Map<EventKey, string>();
    const from = ms - (ms % SECOND);
    for (const ref of await this.pendingMembers(DIR, from, from + SECOND - 1)) {
      const [key, l] = splitRef(ref);
      locs.set(key, l);
    }
    const base = DIR + second + '/';
    for (const row of await this.kv.list(base)) {
      for (const ref of await this.rowRefs(row, base)) {
        const [key, l] = splitRef(ref);
        locs.set(key, l);
      }
    }
    // Kept for the next key of the same second (a delivery that outgrew the outbox view, say).
    this.dirSecond = { second, locs };
    return locs.get(k);
  }

  /**
   * Visits the keys under `base` + 16-digit time in [lo, hi], newest prefix first: depth-first over
   * decimal prefixes of the timestamp, listing a prefix once it is narrower than `leaf` digits of
   * width (adapting to how dense the history is). `visit` gets the listing, the leaf's start time
   * and its prefix, and returns false to stop.
   */
  private async walk(base: string, lo: number, hi: number, minLeafDigits: number, visit: (listed: string[], from: number, prefix: string) => Promise<boolean>): Promise<void> {
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
      if (!(await visit(listed, from, p))) return;
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
    /** Adds `k` (at `loc`) unless it is not older than `before`; false once the page is full. */
    const take = (k: EventKey, loc: string): boolean => {
      if (q.before !== undefined && k >= q.before) return true;
      if (keys.length === q.limit) {
        more = true;
        return false;
      }
      keys.push(k);
      this.remember(k, loc);
      return true;
    };
    if (lo > hi) return { keys, more };
    const attr = q.attribute;
    if (attr?.key === 'EventId') {
      const ms = eventIdMs(attr.value);
      if (ms !== undefined && ms >= lo && ms <= hi) {
        // The id carries its record's time: the key is known, only its presence is to be checked.
        const k = eventKeyOf(ms, attr.value);
        const loc = await this.locate(k);
        if (loc !== undefined) {
          take(k, loc);
          return { keys, more };
        }
      }
      // Not there (or an id without its time, or of another time than its record's): through the
      // EventId index rows, as any attribute.
    }
    // Whole seconds of rows (prefixes at least 3 digits wide), each row's members kept within
    // [lo, hi], newest first; without an attribute the directory rows and the per-record rows of
    // the earlier layout.
    const base = attr ? IDX + attr.key + '/' + this.tag(attr.key, attr.value) + '/' : DIR;
    // Records of groups not compacted yet (newest last), merged into the leaves they fall in.
    const pending = await this.pendingMembers(base, lo, hi);
    let nextPending = pending.length - 1;
    await this.walk(base, lo - (lo % SECOND), hi - (hi % SECOND) + SECOND - 1, 3, async (listed, from, prefix) => {
      // event key -> location; the same record twice (compacted while this lookup read it
      // pending, or by two nodes) is kept once.
      const found = new Map<EventKey, string>();
      while (nextPending >= 0 && eventKeyMs(pending[nextPending] as string) >= from) {
        const [k, loc] = splitRef(pending[nextPending--] as string);
        found.set(k, loc);
      }
      for (const row of listed) {
        for (const ref of await this.rowRefs(row, base)) {
          const ms = eventKeyMs(ref);
          if (ms < lo || ms > hi) continue;
          const [k, loc] = splitRef(ref);
          found.set(k, loc);
        }
      }
      if (!attr) {
        for (const row of await this.kv.list(EVENTS + prefix)) {
          const k = row.slice(EVENTS.length);
          const ms = eventKeyMs(k);
          if (ms >= lo && ms <= hi && !found.has(k)) found.set(k, '');
        }
      }
      if (found.size === 0) return true;
      const sorted = [...found.keys()].sort();
      for (let i = sorted.length - 1; i >= 0; i--) {
        const k = sorted[i] as EventKey;
        if (!take(k, found.get(k) as string)) return false;
      }
      return true;
    });
    return { keys, more };
  }

  /** Event keys waiting for delivery to `trail`, oldest first. */
  async outbox(trail: string): Promise<EventKey[]> {
    await this.compact();
    const prefix = OUTBOX + trail + '/';
    const view: OutboxView = { rowOf: new Map(), members: new Map(), locOf: new Map() };
    const keys: EventKey[] = [];
    for (const row of await this.kv.list(prefix)) {
      const refs = await this.rowRefsOf(row, await this.kv.get(row), prefix);
      if (refs.length === 0) continue;
      const members = new Map<EventKey, string>();
      view.members.set(row, members);
      for (const ref of refs) {
        const [k, loc] = splitRef(ref);
        members.set(k, ref);
        const rows = view.rowOf.get(k);
        if (rows !== undefined) {
          rows.push(row);
          continue;
        }
        view.rowOf.set(k, [row]);
        view.locOf.set(k, loc);
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
      view.locOf.delete(k);
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
      } else ops.push({ op: 'put', key: row, value: Buffer.from([...left.values()].join('\n'), 'utf8') });
    }
    return ops;
  }

  /** Removes records older than the retention window, with their index and outbox entries. */
  async purge(now: Date): Promise<number> {
    await this.compact();
    const cutoff = now.getTime() - this.retentionMs;
    // Directory, index and outbox rows of seconds wholly before the cutoff, through their manifests.
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
    this.forgetRecords();
    let removed = 0;
    // Group rows whose newest record is before the cutoff (so all of them are).
    for (;;) {
      const rows: string[] = [];
      await this.walk(RECS, 0, cutoff - 1, 0, async (listed) => {
        for (const row of listed) {
          rows.push(row);
          if (rows.length >= 256) return false;
        }
        return true;
      });
      if (rows.length === 0) break;
      for (const row of rows) {
        // Read for the count only; a row that cannot be read goes all the same.
        const v = await this.kv.get(row).catch(() => undefined);
        removed += (v === undefined ? undefined : decodeGroup(v))?.starts.length ?? 0;
      }
      await this.kv.batch(rows.map((key) => ({ op: 'delete' as const, key })));
    }
    // Records of the layout with a row per record.
    for (;;) {
      const keys: EventKey[] = [];
      await this.walk(EVENTS, 0, cutoff - 1, 0, async (listed) => {
        for (const row of listed) {
          keys.push(row.slice(EVENTS.length));
          if (keys.length >= 256) return false;
        }
        return true;
      });
      if (keys.length === 0) return removed;
      const ops: BatchOp[] = [];
      for (const k of keys) {
        ops.push({ op: 'delete', key: EVENTS + k });
        const eventId = k.slice(TIME_DIGITS + 1);
        // Records written with group index rows have time-carrying ids and no rows of their own.
        if (eventIdMs(eventId) === eventKeyMs(k)) continue;
        const json = (await this.kv.get(EVENTS + k))?.toString('utf8');
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

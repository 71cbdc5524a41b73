/**
 * Rate-based rule counts shared by the data-plane workers of one node through the primary, so a
 * rate-based limit is one limit for the node and not one per worker (with `--redis`, workers use
 * the RedisRateCounter instead and share counts with every node).
 *
 * The engine's interface is synchronous and the request path never waits for IPC, so this mirrors
 * RedisRateCounter's design with the primary in Redis's place: each worker counts locally (a ring of
 * W/60-wide buckets per rule, window and key, like MemoryRateCounter), and a background sync (every
 * 100 ms) sends the primary the increments not yet pushed and gets back the node-wide total of each
 * bucket. A worker's count for a request is its own buckets plus the other workers' buckets as of
 * the last sync: never lower than the exact sliding window of its own requests, and the other
 * workers' requests are seen within one sync. Across N workers a key can therefore get at most
 * (N - 1) × (its request rate per worker) × 100 ms more requests through than the limit before
 * every worker sees the total.
 *
 * {@link RateHub} is the primary's side: it holds the node-wide buckets, answers the syncs, and is
 * itself a RateCounter, so GetRateBasedStatementManagedKeys in the primary lists the keys over the
 * limit across all workers.
 */
import { RATE_SPAN as SPAN, RING, RateTables, advanceRing as advance, hitSharedRing, ringKeysOver, ringSlot as slot, type RateCounter, type RingTable, type SharedEntry } from '../waf/index.js';

const SWEEP_MS = 10_000;

function bucketMsOf(windowSec: number): number {
  return Math.max(1000, Math.ceil((windowSec * 1000) / SPAN));
}


/** One key's sync item: [ruleId, windowSec, key, [absBucket, increment, ...]]. */
export type RateSyncItem = readonly [string, number, string, readonly number[]];
/** The primary's answer for one item: [absBucket, node-wide total, ...] of the buckets in the window. */
export type RateSyncTotals = readonly number[];

type Entry = SharedEntry;

interface Table extends RingTable<Entry> {
  readonly ruleId: string;
  readonly windowSec: number;
}


/** Options of {@link WorkerRateCounter}. */
export interface WorkerRateCounterOptions {
  /** Sends one sync round to the primary and resolves with its totals (same order as the items). */
  readonly exchange: (items: RateSyncItem[]) => Promise<RateSyncTotals[]>;
  /** Sync interval (default 100 ms). */
  readonly syncIntervalMs?: number;
  /** Most keys kept (default 1,000,000; the oldest are evicted beyond it). */
  readonly maxKeys?: number;
  /** Most keys synced per round (default 20,000). */
  readonly maxSyncKeys?: number;
}

/** A worker's RateCounter: local counting, node-wide totals through the primary (module comment). */
export class WorkerRateCounter implements RateCounter {
  /** Tables, key cap and idle sweeping: the same bookkeeping as the memory and Redis counters. */
  private readonly rt: RateTables<Entry, Table>;
  private readonly timer: NodeJS.Timeout;
  private readonly maxSyncKeys: number;
  private syncing = false;
  private closed = false;
  /** Completed sync rounds (tests). */
  syncs = 0;

  constructor(private readonly o: WorkerRateCounterOptions) {
    this.rt = new RateTables<Entry, Table>(o.maxKeys ?? 1_000_000, (ruleId, windowSec, base) => ({ ...base, ruleId, windowSec }));
    this.maxSyncKeys = o.maxSyncKeys ?? 20_000;
    this.timer = setInterval(() => void this.sync(), o.syncIntervalMs ?? 100);
    this.timer.unref();
  }

  hit(ruleId: string, key: string, windowSec: number, nowMs: number): number {
    return hitSharedRing(this.rt, ruleId, key, windowSec, nowMs, (_t, ring) => ({ ...ring, lastHitMs: nowMs }));
  }

  keysOver(ruleId: string, limit: number, windowSec: number, nowMs: number): string[] {
    const t = this.rt.find(ruleId, windowSec);
    if (!t) return [];
    return ringKeysOver(t.keys, Math.floor(nowMs / t.bucketMs), limit);
  }

  /** One push/pull round with the primary (runs on the timer). Never throws. */
  async sync(): Promise<void> {
    if (this.syncing || this.closed) return;
    const now = Date.now();
    const items: RateSyncItem[] = [];
    const entries: Entry[] = [];
    outer: for (const t of this.rt.tables.values()) {
      const b = Math.floor(now / t.bucketMs);
      for (const [k, e] of t.keys) {
        if (items.length >= this.maxSyncKeys) break outer;
        if (now - e.lastHitMs > t.windowMs + t.bucketMs) continue;
        advance(e, b);
        const pairs: number[] = [];
        for (let i = 0; i < RING; i++) {
          const abs = e.head - i;
          const s = slot(abs);
          const d = (e.own[s] as number) - (e.pushed[s] as number);
          if (d > 0) {
            pairs.push(abs, d);
            e.pushed[s] = e.own[s] as number;
          }
        }
        items.push([t.ruleId, t.windowSec, k, pairs]);
        entries.push(e);
      }
    }
    if (items.length === 0) return;
    this.syncing = true;
    let totals: RateSyncTotals[];
    try {
      totals = await this.o.exchange(items);
    } catch {
      // Not counted by the primary: push the increments again next round.
      for (let i = 0; i < items.length; i++) {
        const e = entries[i] as Entry;
        const pairs = (items[i] as RateSyncItem)[3];
        for (let j = 0; j < pairs.length; j += 2) {
          const abs = pairs[j] as number;
          if (abs > e.head - RING) e.pushed[slot(abs)] = Math.max(0, (e.pushed[slot(abs)] as number) - (pairs[j + 1] as number));
        }
      }
      return;
    } finally {
      this.syncing = false;
    }
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as Entry;
      const tot = totals[i] ?? [];
      e.others.fill(0);
      e.othersTotal = 0;
      for (let j = 0; j < tot.length; j += 2) {
        const abs = tot[j] as number;
        if (abs <= e.head - RING || abs > e.head) continue;
        const s = slot(abs);
        const other = Math.max(0, (tot[j + 1] as number) - (e.pushed[s] as number));
        e.others[s] = other;
        e.othersTotal += other;
      }
    }
    this.syncs++;
  }

  /** Stops syncing. */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
  }
}

interface HubEntry {
  /** Node-wide count per absolute bucket. */
  readonly buckets: Map<number, number>;
  lastMs: number;
}

/** The primary's node-wide rate counts: answers the workers' syncs; a RateCounter itself. */
export class RateHub implements RateCounter {
  private readonly tables = new Map<string, { readonly bucketMs: number; readonly windowMs: number; readonly keys: Map<string, HubEntry> }>();
  private size = 0;
  private lastSweep = 0;

  constructor(private readonly maxKeys = 1_000_000) {}

  /** Number of keys held. */
  get keyCount(): number {
    return this.size;
  }

  private entry(ruleId: string, windowSec: number, key: string, nowMs: number): { e: HubEntry; bucketMs: number } {
    const id = `${ruleId}\u0001${windowSec}`;
    let t = this.tables.get(id);
    if (t === undefined) {
      t = { bucketMs: bucketMsOf(windowSec), windowMs: windowSec * 1000, keys: new Map() };
      this.tables.set(id, t);
    }
    let e = t.keys.get(key);
    if (e === undefined) {
      if (this.size >= this.maxKeys) {
        this.sweep(nowMs, true);
        if (!this.tables.has(id)) this.tables.set(id, t);
      }
      e = { buckets: new Map(), lastMs: nowMs };
      t.keys.set(key, e);
      this.size++;
    }
    e.lastMs = nowMs;
    return { e, bucketMs: t.bucketMs };
  }

  /** Applies one worker's sync round and returns the totals it needs (same order as `items`). */
  apply(items: readonly RateSyncItem[], nowMs = Date.now()): RateSyncTotals[] {
    if (nowMs - this.lastSweep > SWEEP_MS) this.sweep(nowMs, false);
    const out: RateSyncTotals[] = [];
    for (const [ruleId, windowSec, key, pairs] of items) {
      const { e, bucketMs } = this.entry(ruleId, windowSec, key, nowMs);
      for (let j = 0; j < pairs.length; j += 2) {
        const abs = pairs[j] as number;
        e.buckets.set(abs, (e.buckets.get(abs) ?? 0) + (pairs[j + 1] as number));
      }
      const head = Math.floor(nowMs / bucketMs);
      const tot: number[] = [];
      for (const [abs, n] of e.buckets) {
        if (abs <= head - RING) e.buckets.delete(abs);
        else tot.push(abs, n);
      }
      out.push(tot);
    }
    return out;
  }

  private count(e: HubEntry, head: number): number {
    let n = 0;
    for (const [abs, c] of e.buckets) if (abs > head - RING && abs <= head) n += c;
    return n;
  }

  hit(ruleId: string, key: string, windowSec: number, nowMs: number): number {
    const { e, bucketMs } = this.entry(ruleId, windowSec, key, nowMs);
    const head = Math.floor(nowMs / bucketMs);
    e.buckets.set(head, (e.buckets.get(head) ?? 0) + 1);
    return this.count(e, head);
  }

  keysOver(ruleId: string, limit: number, windowSec: number, nowMs: number): string[] {
    const t = this.tables.get(`${ruleId}\u0001${windowSec}`);
    if (!t) return [];
    const head = Math.floor(nowMs / t.bucketMs);
    const out: string[] = [];
    for (const [k, e] of t.keys) if (this.count(e, head) > limit) out.push(k);
    return out;
  }

  /** Drops idle keys; with `force`, also the oldest keys until under the cap. */
  private sweep(nowMs: number, force: boolean): void {
    this.lastSweep = nowMs;
    for (const [id, t] of this.tables) {
      for (const [k, e] of t.keys) {
        if (nowMs - e.lastMs > t.windowMs + 2 * t.bucketMs) {
          t.keys.delete(k);
          this.size--;
        }
      }
      if (t.keys.size === 0) this.tables.delete(id);
    }
    if (!force) return;
    for (const t of this.tables.values()) {
      for (const k of t.keys.keys()) {
        if (this.size < this.maxKeys) return;
        t.keys.delete(k);
        this.size--;
      }
    }
  }
}

/**
 * With `--redis`, a worker counts through Redis (shared with every node) and mirrors its hits to the
 * primary's RateHub, which then answers GetRateBasedStatementManagedKeys with this node's keys (the
 * primary sees no traffic of its own to know them by).
 */
export class MirroredRateCounter implements RateCounter {
  constructor(
    private readonly counting: RateCounter & { close(): unknown },
    private readonly mirror: WorkerRateCounter,
  ) {}

  hit(ruleId: string, key: string, windowSec: number, nowMs: number): number {
    this.mirror.hit(ruleId, key, windowSec, nowMs);
    return this.counting.hit(ruleId, key, windowSec, nowMs);
  }

  keysOver(ruleId: string, limit: number, windowSec: number, nowMs: number): string[] {
    return this.counting.keysOver(ruleId, limit, windowSec, nowMs);
  }

  /** Stops both. */
  async close(): Promise<void> {
    this.mirror.close();
    await this.counting.close();
  }
}

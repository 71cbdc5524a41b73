/**
 * The bookkeeping both rate counters share: per (rule, window) a table of keys, each key's entry
 * holding a ring of SPAN + 1 buckets W/SPAN wide. Bounded memory: keys whose ring is idle are swept
 * every 10 s, and past `maxKeys` the oldest-inserted keys are evicted (an attack spraying keys must
 * not grow memory). The counters keep what an entry holds; this class keeps the tables.
 */

/** Buckets per window; a ring has SPAN + 1. */
export const SPAN = 60;

/** What every entry has: the absolute index of its newest bucket. */
export interface RingEntry {
  head: number;
}

/** One (rule, window) table. */
export interface RingTable<E extends RingEntry> {
  /** `<rule id>\u0001<window seconds>` */
  readonly id: string;
  readonly bucketMs: number;
  readonly windowMs: number;
  readonly keys: Map<string, E>;
}

/** The tables of one counter, with the key cap and idle sweeping. */
export class RateTables<E extends RingEntry, T extends RingTable<E>> {
  readonly tables = new Map<string, T>();
  private count = 0;
  private lastSweepMs = 0;

  constructor(
    private readonly maxKeys: number,
    /** Builds a new table (the counter may add fields, e.g. a Redis key prefix). */
    private readonly make: (ruleId: string, windowSec: number, base: RingTable<E>) => T,
  ) {}

  /** Number of keys held. */
  get size(): number {
    return this.count;
  }

  /** The table of a rule and window, created on first use. */
  table(ruleId: string, windowSec: number): T {
    const id = `${ruleId}\u0001${windowSec}`;
    let t = this.tables.get(id);
    if (t === undefined) {
      const windowMs = windowSec * 1000;
      t = this.make(ruleId, windowSec, { id, bucketMs: Math.max(1000, Math.ceil(windowMs / SPAN)), windowMs, keys: new Map() });
      this.tables.set(id, t);
    }
    return t;
  }

  /** The table of a rule and window if it exists. */
  find(ruleId: string, windowSec: number): T | undefined {
    return this.tables.get(`${ruleId}\u0001${windowSec}`);
  }

  /** Adds a new key's entry, making room first when the cap is reached. */
  add(t: T, key: string, e: E, nowMs: number): void {
    if (this.count >= this.maxKeys) {
      this.makeRoom(nowMs);
      // The sweep drops empty tables; this one is about to hold a key again.
      if (!this.tables.has(t.id)) this.tables.set(t.id, t);
    }
    t.keys.set(key, e);
    this.count++;
  }

  /** Sweeps idle keys at most every 10 s (call once per hit). */
  tick(nowMs: number): void {
    if (nowMs - this.lastSweepMs > 10_000) this.sweep(nowMs);
  }

  /** Drops keys with no request in their ring. */
  sweep(nowMs: number): void {
    this.lastSweepMs = nowMs;
    for (const [id, t] of this.tables) {
      const b = Math.floor(nowMs / t.bucketMs);
      for (const [k, e] of t.keys) {
        if (b - e.head > SPAN) {
          t.keys.delete(k);
          this.count--;
        }
      }
      if (t.keys.size === 0) this.tables.delete(id);
    }
  }

  private makeRoom(nowMs: number): void {
    this.sweep(nowMs);
    for (const t of this.tables.values()) {
      for (const k of t.keys.keys()) {
        if (this.count < this.maxKeys) return;
        t.keys.delete(k);
        this.count--;
      }
    }
  }
}

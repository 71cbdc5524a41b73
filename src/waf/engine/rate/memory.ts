/**
 * MemoryRateCounter: the in-process RateCounter. Each (rule, window, key) has a ring of W/60-wide
 * buckets (1 s buckets for a 60 s window, 10 s for 600 s). The count for a request is the sum of
 * the last 61 buckets, which covers the whole window plus at most one bucket: it never counts fewer
 * requests than the exact sliding window holds (so a key is never admitted more than Limit times
 * in any window), and at most the requests of one extra bucket (a limited key may stay limited up
 * to W/60 longer than an exact sliding log). Memory is bounded: idle keys are swept, and past
 * `maxKeys` the oldest keys are evicted.
 */
import type { RateCounter } from '../types.js';
import { RateTables, SPAN, type RingTable } from './tables.js';

interface Entry {
  readonly buckets: Uint32Array;
  /** Absolute index of the newest bucket. */
  head: number;
  total: number;
}

type Table = RingTable<Entry>;

export interface MemoryRateCounterOptions {
  /** Most keys kept across all rules (default 1,000,000); beyond it the oldest keys are evicted. */
  maxKeys?: number;
}

export class MemoryRateCounter implements RateCounter {
  private readonly rt: RateTables<Entry, Table>;

  constructor(opts: MemoryRateCounterOptions = {}) {
    this.rt = new RateTables<Entry, Table>(opts.maxKeys ?? 1_000_000, (_rule, _window, base) => base);
  }

  /** Number of keys held (for tests and metrics). */
  get keyCount(): number {
    return this.rt.size;
  }

  hit(ruleId: string, key: string, windowSec: number, nowMs: number): number {
    const t = this.rt.table(ruleId, windowSec);
    const b = Math.floor(nowMs / t.bucketMs);
    let e = t.keys.get(key);
    if (e === undefined) {
      e = { buckets: new Uint32Array(SPAN + 1), head: b, total: 0 };
      this.rt.add(t, key, e, nowMs);
    } else advance(e, b);
    // A timestamp older than the newest bucket (clock skew between callers) counts in its bucket
    // while it is still inside the ring.
    if (b > e.head - (SPAN + 1)) {
      e.buckets[((b % (SPAN + 1)) + SPAN + 1) % (SPAN + 1)]!++;
      e.total++;
    }
    this.rt.tick(nowMs);
    return e.total;
  }

  keysOver(ruleId: string, limit: number, windowSec: number, nowMs: number): string[] {
    const t = this.rt.find(ruleId, windowSec);
    if (!t) return [];
    const b = Math.floor(nowMs / t.bucketMs);
    const out: string[] = [];
    for (const [k, e] of t.keys) {
      advance(e, b);
      if (e.total > limit) out.push(k);
    }
    return out;
  }
}

/** Moves the ring forward to bucket `b`, zeroing the buckets that left the window. */
function advance(e: Entry, b: number): void {
  const steps = b - e.head;
  if (steps <= 0) return;
  const n = SPAN + 1;
  if (steps >= n) {
    e.buckets.fill(0);
    e.total = 0;
  } else {
    for (let i = 1; i <= steps; i++) {
      const idx = (((e.head + i) % n) + n) % n;
      e.total -= e.buckets[idx]!;
      e.buckets[idx] = 0;
    }
  }
  e.head = b;
}

/**
 * The per-key count ring of rate counters shared between processes (RedisRateCounter across nodes,
 * the data plane's WorkerRateCounter across workers): own increments per bucket, the part of them
 * already pushed to the shared side, and the others' counts per bucket as of the last sync, in a
 * ring of SPAN + 1 buckets.
 */
import { SPAN, type RateTables, type RingTable } from './tables.js';

/** Buckets in a ring: the window's SPAN plus the bucket being filled. */
export const RING = SPAN + 1;

/** The ring slot of absolute bucket number `abs`. */
export function ringSlot(abs: number): number {
  return ((abs % RING) + RING) % RING;
}

/** One key's counts (the counters extend it with their own fields). */
export interface SharedRing {
  /** Own increments per slot. */
  readonly own: Uint32Array;
  /** Own increments already pushed to the shared side, per slot. */
  readonly pushed: Uint32Array;
  /** The others' counts per slot, as of the last sync. */
  readonly others: Uint32Array;
  /** The newest absolute bucket the ring holds. */
  head: number;
  ownTotal: number;
  othersTotal: number;
}

/** Moves the ring forward to bucket `b`, zeroing the buckets that left the window. */
export function advanceRing(e: SharedRing, b: number): void {
  const steps = b - e.head;
  if (steps <= 0) return;
  if (steps >= RING) {
    e.own.fill(0);
    e.pushed.fill(0);
    e.others.fill(0);
    e.ownTotal = 0;
    e.othersTotal = 0;
  } else {
    for (let i = 1; i <= steps; i++) {
      const s = ringSlot(e.head + i);
      e.ownTotal -= e.own[s] as number;
      e.othersTotal -= e.others[s] as number;
      e.own[s] = 0;
      e.pushed[s] = 0;
      e.others[s] = 0;
    }
  }
  e.head = b;
}

/** The empty count arrays and totals of a new key whose newest bucket is `head`. */
export function emptyRing(head: number): SharedRing {
  return { own: new Uint32Array(RING), pushed: new Uint32Array(RING), others: new Uint32Array(RING), head, ownTotal: 0, othersTotal: 0 };
}

/** Counts one own request in bucket `b` (the ring has been advanced to at least `b`); returns the key's total. */
export function countOwn(e: SharedRing, b: number): number {
  if (b > e.head - RING) {
    e.own[ringSlot(b)]!++;
    e.ownTotal++;
  }
  return e.ownTotal + e.othersTotal;
}

/** The keys whose total (own + others) in the window ending at bucket `b` is over `limit`. */
export function ringKeysOver(keys: ReadonlyMap<string, SharedRing>, b: number, limit: number): string[] {
  const out: string[] = [];
  for (const [k, e] of keys) {
    advanceRing(e, b);
    if (e.ownTotal + e.othersTotal > limit) out.push(k);
  }
  return out;
}

/** An entry of a shared counter: a ring and the time of its key's last hit. */
export interface SharedEntry extends SharedRing {
  lastHitMs: number;
}

/**
 * One request of `key` under a rule and window in a shared counter's tables: the key's ring (made
 * by `make` for a new key, from an empty ring at bucket `b`) moves to now and counts the hit; returns
 * the count of the key's own requests in the window (what both shared counters answer at once).
 */
export function hitSharedRing<E extends SharedEntry, T extends RingTable<E>>(
  rt: RateTables<E, T>,
  ruleId: string,
  key: string,
  windowSec: number,
  nowMs: number,
  make: (t: T, ring: SharedRing) => E,
): number {
  const t = rt.table(ruleId, windowSec);
  const b = Math.floor(nowMs / t.bucketMs);
  let e = t.keys.get(key);
  if (e === undefined) {
    e = make(t, emptyRing(b));
    rt.add(t, key, e, nowMs);
  } else advanceRing(e, b);
  const total = countOwn(e, b);
  e.lastHitMs = nowMs;
  rt.tick(nowMs);
  return total;
}

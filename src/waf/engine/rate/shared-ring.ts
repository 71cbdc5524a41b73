/**
 * The per-key count ring of rate counters shared between processes (RedisRateCounter across nodes,
 * the data plane's WorkerRateCounter across workers): own increments per bucket, the part of them
 * already pushed to the shared side, and the others' counts per bucket as of the last sync, in a
 * ring of SPAN + 1 buckets.
 */
import { SPAN } from './tables.js';

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

/**
 * Per-site traffic statistics for attack detection: a ring of one-second slots (request count,
 * connection rejections and, per composition dimension, bounded key counts) and an adapting
 * baseline (EWMA of the request rate, of the per-source rate and of each dimension's distribution)
 * learnt only from calm periods. Memory is bounded by the slot count and the per-slot key caps,
 * whatever the number of distinct attacker addresses.
 */
import type { ConnectionRejectKind } from './types.js';

/** The composition dimensions tracked per request. */
export const DIMENSIONS = ['ip', 'prefix24', 'country', 'userAgent', 'url', 'referrer', 'method'] as const;
/** One composition dimension. */
export type Dimension = (typeof DIMENSIONS)[number];

/** One request as the statistics see it. */
export interface TrafficSample {
  readonly time: number;
  readonly clientIp: string;
  readonly country?: string | undefined;
  readonly userAgent?: string | undefined;
  readonly uri: string;
  readonly referer?: string | undefined;
  readonly method: string;
}

/** Size limits of the statistics. */
export interface TrafficLimits {
  /** Slots kept (seconds of history for windows). */
  readonly slots: number;
  /** Distinct source addresses counted per one-second slot; more are counted as overflow. */
  readonly ipKeysPerSlot: number;
  /** Distinct keys counted per slot for the other dimensions. */
  readonly keysPerSlot: number;
  /** Keys kept per dimension in the baseline distribution. */
  readonly baselineKeys: number;
}

/** Defaults: 30 s of slots, 4096 addresses and 256 other keys per slot, 1024 baseline keys. */
export const DEFAULT_TRAFFIC_LIMITS: TrafficLimits = { slots: 30, ipKeysPerSlot: 4096, keysPerSlot: 256, baselineKeys: 1024 };

const NONE = '-';
const DIM_COUNT = DIMENSIONS.length;
const IP_DIM = 0;

/** The /24 of an IPv4 address (the /48 of an IPv6 one), as a CIDR. */
export function prefixOf(ip: string): string {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  const dot = v4.lastIndexOf('.');
  if (dot > 0 && v4.indexOf(':') < 0) return `${v4.slice(0, dot)}.0/24`;
  const parts = ip.split(':');
  return `${parts.slice(0, 3).join(':')}::/48`;
}

/** A plain IPv4 address (IPv4-mapped IPv6 unwrapped). */
export function plainIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

class Slot {
  second = -1;
  total = 0;
  readonly counts: Map<string, number>[] = [];
  readonly overflow = new Array<number>(DIM_COUNT).fill(0);
  readonly connections = new Map<ConnectionRejectKind, number>();
  constructor() {
    for (let i = 0; i < DIM_COUNT; i++) this.counts.push(new Map());
  }
  reset(second: number): void {
    this.second = second;
    this.total = 0;
    for (let i = 0; i < DIM_COUNT; i++) {
      (this.counts[i] as Map<string, number>).clear();
      this.overflow[i] = 0;
    }
    this.connections.clear();
  }
}

/** Merged counts over a window of slots. */
export interface WindowStats {
  readonly seconds: number;
  readonly total: number;
  /** Requests per second over the window. */
  readonly rps: number;
  /** Per dimension: key → count (keys beyond the per-slot caps are not listed). */
  readonly counts: readonly Map<string, number>[];
  /** Connection rejections by kind. */
  readonly connections: ReadonlyMap<ConnectionRejectKind, number>;
}

/** The ring of one-second slots of one site. */
export class TrafficWindow {
  private readonly ring: Slot[] = [];

  constructor(private readonly limits: TrafficLimits = DEFAULT_TRAFFIC_LIMITS) {
    for (let i = 0; i < limits.slots; i++) this.ring.push(new Slot());
  }

  private slotFor(timeMs: number): Slot {
    const sec = Math.floor(timeMs / 1000);
    const s = this.ring[sec % this.ring.length] as Slot;
    if (s.second !== sec) s.reset(sec);
    return s;
  }

  /** Counts one request; returns its second's count so far. */
  add(r: TrafficSample): number {
    const s = this.slotFor(r.time);
    s.total++;
    const ip = plainIp(r.clientIp);
    this.bump(s, IP_DIM, ip, this.limits.ipKeysPerSlot);
    this.bump(s, 1, prefixOf(ip), this.limits.keysPerSlot);
    this.bump(s, 2, r.country || NONE, this.limits.keysPerSlot);
    this.bump(s, 3, r.userAgent || NONE, this.limits.keysPerSlot);
    this.bump(s, 4, r.uri, this.limits.keysPerSlot);
    this.bump(s, 5, r.referer || NONE, this.limits.keysPerSlot);
    this.bump(s, 6, r.method, this.limits.keysPerSlot);
    return s.total;
  }

  /** Counts one connection rejection. */
  addConnection(timeMs: number, kind: ConnectionRejectKind): void {
    const s = this.slotFor(timeMs);
    s.connections.set(kind, (s.connections.get(kind) ?? 0) + 1);
  }

  private bump(s: Slot, dim: number, key: string, cap: number): void {
    const m = s.counts[dim] as Map<string, number>;
    const c = m.get(key);
    if (c !== undefined) m.set(key, c + 1);
    else if (m.size < cap) m.set(key, 1);
    else s.overflow[dim] = (s.overflow[dim] as number) + 1;
  }

  /**
   * The `seconds` complete seconds before `nowMs` (the current second is still filling); with
   * `current`, also the part of the current second elapsed so far (the window is that much longer).
   */
  window(nowMs: number, seconds: number, current = false): WindowStats {
    const end = Math.floor(nowMs / 1000);
    const n = Math.min(seconds, this.ring.length - 1);
    const elapsed = current ? (nowMs - end * 1000) / 1000 : 0;
    const last = elapsed > 0 ? end : end - 1;
    const counts: Map<string, number>[] = [];
    for (let i = 0; i < DIM_COUNT; i++) counts.push(new Map());
    const connections = new Map<ConnectionRejectKind, number>();
    let total = 0;
    for (let sec = end - n; sec <= last; sec++) {
      const s = this.ring[((sec % this.ring.length) + this.ring.length) % this.ring.length] as Slot;
      if (s.second !== sec) continue;
      total += s.total;
      for (let d = 0; d < DIM_COUNT; d++) {
        const into = counts[d] as Map<string, number>;
        for (const [k, v] of s.counts[d] as Map<string, number>) into.set(k, (into.get(k) ?? 0) + v);
      }
      for (const [k, v] of s.connections) connections.set(k, (connections.get(k) ?? 0) + v);
    }
    const len = n + elapsed;
    return { seconds: len, total, rps: len > 0 ? total / len : 0, counts, connections };
  }

  /**
   * The request count and the connection rejections other than IDLE of the same span as
   * {@link window}, without merging the per-key counts (a cheap first look).
   */
  totals(nowMs: number, seconds: number, current = false): { seconds: number; total: number; connections: number } {
    const end = Math.floor(nowMs / 1000);
    const n = Math.min(seconds, this.ring.length - 1);
    const elapsed = current ? (nowMs - end * 1000) / 1000 : 0;
    const last = elapsed > 0 ? end : end - 1;
    let total = 0;
    let connections = 0;
    for (let sec = end - n; sec <= last; sec++) {
      const s = this.ring[((sec % this.ring.length) + this.ring.length) % this.ring.length] as Slot;
      if (s.second !== sec) continue;
      total += s.total;
      for (const [k, v] of s.connections) if (k !== 'IDLE') connections += v;
    }
    return { seconds: n + elapsed, total, connections };
  }
}

/** Shares of each key in a count map (sum of counts as the denominator, including unlisted overflow). */
export function shares(counts: ReadonlyMap<string, number>, total: number): Map<string, number> {
  const out = new Map<string, number>();
  if (total <= 0) return out;
  for (const [k, v] of counts) out.set(k, v / total);
  return out;
}

/** Total variation distance between two distributions (0 = same, 1 = disjoint). */
export function totalVariation(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): number {
  let d = 0;
  let seenB = 0;
  for (const [k, pa] of a) {
    const pb = b.get(k) ?? 0;
    d += Math.abs(pa - pb);
    seenB += pb;
  }
  let restB = 0;
  for (const pb of b.values()) restB += pb;
  d += Math.max(0, restB - seenB);
  return Math.min(1, d / 2);
}

/** The adapting baseline of one site. */
export class Baseline {
  /** EWMA of requests per second. */
  rate = 0;
  /** EWMA of the busiest source's requests per second. */
  perSourceHigh = 0;
  /** Seconds of calm traffic learnt so far. */
  seconds = 0;
  /** Composition updates learnt so far. */
  compositionUpdates = 0;
  /** Per dimension: key → EWMA share. */
  readonly dist: Map<string, number>[] = [];

  constructor(
    /** Adaptation time constant in seconds (e.g. 3600: a level shift is mostly learnt within an hour). */
    private readonly tauSeconds: number,
    private readonly maxKeys: number,
  ) {
    for (let i = 0; i < DIM_COUNT; i++) this.dist.push(new Map());
  }

  /** Learns one calm second of traffic at `rps`. */
  learnRate(rps: number): void {
    this.seconds++;
    const a = Math.max(1 / this.tauSeconds, 1 / this.seconds);
    this.rate += a * (rps - this.rate);
  }

  /** Learns the composition of a calm window covering `seconds` seconds. */
  learnComposition(w: WindowStats): void {
    if (w.total === 0 || w.seconds === 0) return;
    this.compositionUpdates++;
    const a = Math.max(w.seconds / this.tauSeconds, 1 / this.compositionUpdates);
    let top = 0;
    for (const v of (w.counts[IP_DIM] as Map<string, number>).values()) if (v > top) top = v;
    this.perSourceHigh += a * (top / w.seconds - this.perSourceHigh);
    for (let d = 0; d < DIM_COUNT; d++) {
      const cur = shares(w.counts[d] as Map<string, number>, w.total);
      const base = this.dist[d] as Map<string, number>;
      for (const [k, p] of base) base.set(k, p * (1 - a) + a * (cur.get(k) ?? 0));
      for (const [k, p] of cur) if (!base.has(k)) base.set(k, a * p);
      if (base.size > this.maxKeys) prune(base, this.maxKeys);
    }
  }

  /** The baseline share of `key` in dimension `d` (0 when never seen). */
  share(d: Dimension, key: string): number {
    return (this.dist[DIMENSIONS.indexOf(d)] as Map<string, number>).get(key) ?? 0;
  }
}

/** Keeps the `keep` largest entries. */
function prune(m: Map<string, number>, keep: number): void {
  const sorted = [...m.entries()].sort((x, y) => y[1] - x[1]);
  m.clear();
  for (let i = 0; i < keep && i < sorted.length; i++) m.set(sorted[i]![0], sorted[i]![1]);
}

/** The `n` largest entries of a count map, largest first (ties by key). */
export function topN(m: ReadonlyMap<string, number>, n: number): [string, number][] {
  return [...m.entries()].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).slice(0, n);
}

/** Index of a dimension. */
export function dimIndex(d: Dimension): number {
  return DIMENSIONS.indexOf(d);
}

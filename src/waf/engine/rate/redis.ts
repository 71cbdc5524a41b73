/**
 * RedisRateCounter: a RateCounter shared by several Bulwark nodes through Redis, so nodes in front
 * of the same site enforce one rate-based limit together.
 *
 * The engine's interface is synchronous and the request path must never wait for Redis, so each
 * node counts locally exactly as MemoryRateCounter does (a ring of W/60-wide buckets per rule,
 * window and key) and a background sync (every 250 ms by default) pushes the local increments and
 * pulls the cluster totals: one Redis hash per (rule, window, key) whose fields are absolute bucket
 * numbers, updated with HINCRBY + PEXPIRE and read back with HGETALL in one pipeline. The count
 * for a request is this node's own buckets plus the other nodes' buckets as of the last sync, so it
 * is never lower than the exact sliding window of this node's own requests (the memory counter's
 * accuracy property, per node) and reflects the other nodes within one sync interval.
 *
 * When Redis is unreachable the counter keeps counting locally (logged once), keeps the unpushed
 * increments, and pushes them when Redis is back (logged once).
 *
 * Rule ids contain the web ACL's (or rule group's) ARN, whose last segment is a random id that
 * differs between nodes that each created "the same" web ACL; the shared key drops that id, so
 * rules are shared by scope, account, region, ACL name and rule name.
 */
import { Redis } from 'ioredis';
import type { RateCounter } from '../types.js';
import { RING, advanceRing as advance, hitSharedRing, ringKeysOver, ringSlot as slot, type SharedRing } from './shared-ring.js';
import { RateTables, type RingTable } from './tables.js';


/** What the counter logs (a pino logger fits). */
export interface RateCounterLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** Options of {@link RedisRateCounter}. */
export interface RedisRateCounterOptions {
  /** `redis://host:port[/db]` (or rediss://). */
  readonly url: string;
  /** Key prefix in Redis (default `bulwark:rate`); tests use a unique one. */
  readonly prefix?: string;
  /** Background sync interval (default 250 ms). */
  readonly syncIntervalMs?: number;
  /** Most keys kept across all rules (default 1,000,000). */
  readonly maxKeys?: number;
  /** Most keys synced per round (default 20,000; the most recently hit first are not guaranteed). */
  readonly maxSyncKeys?: number;
  readonly logger?: RateCounterLogger;
}

interface Entry extends SharedRing {
  lastHitMs: number;
  readonly redisKey: string;
  /** Old bucket fields to delete at the next sync. */
  stale: string[] | undefined;
}

interface Table extends RingTable<Entry> {
  readonly redisBase: string;
}

/** The cluster-wide name of a rule id: the wafv2 ARN without its random id segment. */
export function sharedRuleId(ruleId: string): string {
  return ruleId.replace(/^(arn:aws:wafv2:[^:]*:[^:]*:(?:regional|global)\/(?:webacl|rulegroup)\/[^/#]+)\/[^/#]+(?=#)/, '$1');
}

/** Counts locally, shares counts through Redis in the background (see the module comment). */
export class RedisRateCounter implements RateCounter {
  private readonly rt: RateTables<Entry, Table>;
  private readonly client: Redis;
  private readonly prefix: string;
  private readonly maxSyncKeys: number;
  private readonly timer: NodeJS.Timeout;
  private syncing = false;
  private degraded = false;
  private notReadySince = 0;
  private closed = false;
  private syncs = 0;

  constructor(private readonly o: RedisRateCounterOptions) {
    this.prefix = o.prefix ?? 'bulwark:rate';
    this.rt = new RateTables<Entry, Table>(o.maxKeys ?? 1_000_000, (ruleId, windowSec, base) => ({
      ...base,
      redisBase: `${this.prefix}:${sharedRuleId(ruleId)}:${windowSec}:`,
    }));
    this.maxSyncKeys = o.maxSyncKeys ?? 20_000;
    this.client = new Redis(o.url, {
      // Never queue commands while disconnected: the sync fails fast and counting stays local.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      retryStrategy: (n: number) => Math.min(100 * n, 2000),
    });
    this.client.on('error', (e: Error) => this.degrade(e));
    this.timer = setInterval(() => void this.sync(), o.syncIntervalMs ?? 250);
    this.timer.unref();
  }

  /** Number of keys held. */
  get keyCount(): number {
    return this.rt.size;
  }

  /** True while Redis is unreachable and counts are local only. */
  get isDegraded(): boolean {
    return this.degraded;
  }

  /** Completed syncs (for tests). */
  get syncCount(): number {
    return this.syncs;
  }

  hit(ruleId: string, key: string, windowSec: number, nowMs: number): number {
    return hitSharedRing(this.rt, ruleId, key, windowSec, nowMs, (t, ring) => ({ ...ring, lastHitMs: nowMs, redisKey: t.redisBase + key, stale: undefined }));
  }

  keysOver(ruleId: string, limit: number, windowSec: number, nowMs: number): string[] {
    const t = this.rt.find(ruleId, windowSec);
    if (!t) return [];
    return ringKeysOver(t.keys, Math.floor(nowMs / t.bucketMs), limit);
  }

  /** One push/pull round (runs on the timer; exported for tests). Never throws. */
  async sync(): Promise<void> {
    if (this.syncing || this.closed) return;
    const now = Date.now();
    if (this.client.status !== 'ready') {
      if (this.notReadySince === 0) this.notReadySince = now;
      else if (now - this.notReadySince > 1000) this.degrade(new Error(`redis connection is ${this.client.status}`));
      return;
    }
    this.notReadySince = 0;
    interface Push {
      readonly e: Entry;
      readonly b: number;
      readonly n: number;
    }
    const pushes: Push[] = [];
    const pulls: { e: Entry; t: Table }[] = [];
    const p = this.client.pipeline();
    let n = 0;
    outer: for (const t of this.rt.tables.values()) {
      const b = Math.floor(now / t.bucketMs);
      const ttl = t.windowMs + 2 * t.bucketMs;
      for (const e of t.keys.values()) {
        if (n >= this.maxSyncKeys) break outer;
        if (now - e.lastHitMs > t.windowMs + t.bucketMs) continue;
        advance(e, b);
        n++;
        if (e.stale !== undefined) {
          p.hdel(e.redisKey, ...e.stale);
          e.stale = undefined;
        }
        for (let i = 0; i < RING; i++) {
          const abs = e.head - i;
          const s = slot(abs);
          const d = (e.own[s] as number) - (e.pushed[s] as number);
          if (d > 0) {
            p.hincrby(e.redisKey, String(abs), d);
            e.pushed[s] = (e.pushed[s] as number) + d;
            pushes.push({ e, b: abs, n: d });
          }
        }
        p.pexpire(e.redisKey, ttl);
        p.hgetall(e.redisKey);
        pulls.push({ e, t });
      }
    }
    if (pulls.length === 0) return;
    this.syncing = true;
    let results: [Error | null, unknown][] | null;
    try {
      results = await p.exec();
    } catch (err) {
      results = null;
      this.degrade(err as Error);
    } finally {
      this.syncing = false;
    }
    const failed = results === null || results.some((r) => r[0] !== null);
    if (failed) {
      // Not counted in Redis (as far as we know): push again next round.
      for (const x of pushes) if (x.b > x.e.head - RING) x.e.pushed[slot(x.b)] = Math.max(0, (x.e.pushed[slot(x.b)] as number) - x.n);
      if (results !== null) this.degrade((results.find((r) => r[0] !== null)?.[0] as Error) ?? new Error('redis pipeline failed'));
      return;
    }
    if (this.degraded) {
      this.degraded = false;
      this.o.logger?.info({ url: redactUrl(this.o.url) }, 'redis reachable again: rate-based counts are shared across nodes');
    }
    const res = results as [Error | null, unknown][];
    let ri = 0;
    for (const { e } of pulls) {
      // Skip this entry's HDEL / HINCRBYs / PEXPIRE: its HGETALL is the first object-valued reply.
      while (ri < res.length && !isHash(res[ri]![1])) ri++;
      const hash = (res[ri]?.[1] ?? {}) as Record<string, string>;
      ri++;
      e.others.fill(0);
      e.othersTotal = 0;
      for (const f in hash) {
        const abs = Number(f);
        if (!Number.isInteger(abs)) continue;
        if (abs <= e.head - RING) {
          (e.stale ??= []).push(f);
          continue;
        }
        if (abs > e.head) continue;
        const s = slot(abs);
        const other = Math.max(0, Number(hash[f]) - (e.pushed[s] as number));
        e.others[s] = other;
        e.othersTotal += other;
      }
    }
    this.syncs++;
  }

  /** Stops syncing and closes the Redis connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  private degrade(err: Error): void {
    if (this.degraded || this.closed) return;
    this.degraded = true;
    this.o.logger?.warn({ err: { message: err.message }, url: redactUrl(this.o.url) }, 'redis unreachable: rate-based rules count locally on this node until it is back');
  }


}

function isHash(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}


function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}


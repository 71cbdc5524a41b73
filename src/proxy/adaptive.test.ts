import { describe, expect, it } from 'vitest';
import { ADAPTIVE_MIN_BUCKET_MS, SourceHistory, UpstreamGate, siteLimitsSchema, upstreamGate, type GateWaiter } from './limits.js';
import { mulberry32 } from './testing.js';


interface W extends GateWaiter {
  cancelled: boolean;
  id: number;
  settled: number;
}

/**
 * Drives a gate on a fake millisecond clock: `arrivals(t)` requests arrive at `t`, a request holds
 * its slot for `rtt(t)` ms from its grant (an upstream whose response time is set by the test), the
 * gate's queue is expired every second. Records the limit each ms and the log of outcomes.
 */
function drive(
  g: UpstreamGate,
  ms: number,
  arrivals: (t: number) => number,
  rtt: (t: number, inFlight: number) => number,
  opts: { start?: number; leaveAfterMs?: number; rnd?: () => number; ip?: () => string | undefined } = {},
): { limits: number[]; log: string[]; violations: string[]; settleAll: () => void; end: number } {
  /** Due time → the sources of the requests that end then (each succeeds). */
  const releases = new Map<number, (string | undefined)[]>();
  const limits: number[] = [];
  const log: string[] = [];
  const violations: string[] = [];
  const waiting = new Set<W>();
  let id = 0;
  let t = opts.start ?? 0;
  const hold = (at: number, ip: string | undefined): void => {
    const due = at + Math.max(1, Math.round(rtt(at, g.active)));
    const list = releases.get(due);
    if (list === undefined) releases.set(due, [ip]);
    else list.push(ip);
  };
  const checkGrant = (): void => {
    if (g.active > g.limit) violations.push(`t=${t}: ${g.active} in flight over the limit ${g.limit}`);
  };
  const make = (): W => {
    const w: W = {
      clientIp: opts.ip?.(),
      id: id++,
      cancelled: false,
      settled: 0,
      grant: () => {
        if (w.settled++ > 0 || !waiting.has(w)) violations.push(`t=${t}: grant of ${w.id} settled ${w.settled}`);
        w.cancelled = true;
        waiting.delete(w);
        log.push(`${t} grant ${w.id}`);
        checkGrant();
        hold(t, w.clientIp);
      },
      timeout: () => {
        if (w.settled++ > 0 || !waiting.has(w)) violations.push(`t=${t}: timeout of ${w.id} settled ${w.settled}`);
        w.cancelled = true;
        waiting.delete(w);
        log.push(`${t} timeout ${w.id}`);
      },
    };
    return w;
  };
  const leave = new Map<number, W[]>();
  const end = t + ms;
  for (; t < end; t++) {
    for (const ip of releases.get(t) ?? []) g.release(t, ip);
    releases.delete(t);
    for (const w of leave.get(t) ?? []) {
      if (w.cancelled) continue;
      w.cancelled = true;
      waiting.delete(w);
      w.settled++;
      log.push(`${t} leave ${w.id}`);
      g.withdraw();
    }
    leave.delete(t);
    for (let k = arrivals(t); k > 0; k--) {
      const w = make();
      const r = g.acquire(w, t);
      log.push(`${t} ${r} ${w.id}`);
      if (r === 'go') {
        w.settled++;
        checkGrant();
        hold(t, w.clientIp);
      } else if (r === 'queued') {
        waiting.add(w);
        if (opts.leaveAfterMs !== undefined && opts.rnd !== undefined && opts.rnd() < 0.3) {
          const at = t + 1 + Math.floor(opts.rnd() * opts.leaveAfterMs);
          leave.set(at, [...(leave.get(at) ?? []), w]);
        }
      } else w.settled++;
    }
    if (t % 1000 === 0) g.expire(t);
    limits.push(g.limit);
    if (g.limit < 1 || g.limit > g.capacity) violations.push(`t=${t}: limit ${g.limit} outside [1, ${g.capacity}]`);
  }
  const settleAll = (): void => {
    // Every held slot comes back; the queue drains or times out.
    for (let guard = 0; guard < 1_000_000 && (releases.size > 0 || g.queued > 0); guard++, t++) {
      for (const ip of releases.get(t) ?? []) g.release(t, ip);
      releases.delete(t);
      if (t % 1000 === 0) g.expire(t);
    }
  };
  return { limits, log, violations, settleAll, end };
}

const adaptiveGate = (max = 64, minInFlight = 8, queue = 4096, timeoutMs = 60_000): UpstreamGate =>
  new UpstreamGate(max, queue, timeoutMs, undefined, undefined, { minInFlight });

describe('adaptive upstream limit', () => {
  it('is on by default with a floor of 8, and off without a cap, without a queue or when disabled', () => {
    const d = siteLimitsSchema.parse({});
    expect(d.adaptiveConcurrency).toBe(true);
    expect(d.minInFlight).toBe(8);
    const on = upstreamGate('a', d, undefined, 128);
    expect(on.limit).toBe(128);
    // A limit that went down shows the gate is adaptive; the disabled ones never move.
    for (const limits of [d, siteLimitsSchema.parse({ adaptiveConcurrency: false }), siteLimitsSchema.parse({ upstreamQueueSize: 0 })]) {
      const g = upstreamGate('a', limits, undefined, 128);
      const r = drive(g, 3000, () => 4, (t) => (t < 1000 ? 5 : 100));
      if (limits === d) expect(Math.min(...r.limits)).toBe(8);
      else expect(new Set(r.limits)).toEqual(new Set([128]));
    }
    expect(upstreamGate('a', siteLimitsSchema.parse({ maxUpstreamRequests: 0 }), undefined, 128).limit).toBe(0);
    expect(() => siteLimitsSchema.parse({ minInFlight: 0 })).toThrow();
  });

  it('falls when the upstream response time rises, never below the floor, and recovers to the cap when it falls', () => {
    const g = adaptiveGate(64, 8);
    // 4 requests/ms: 5 ms upstream → ~20 in flight; 50 ms → would need 200, over the cap.
    const r = drive(g, 30_000, (t) => (t < 10_000 ? 4 : 1), (t) => (t >= 2000 && t < 6000 ? 50 : 5));
    expect(r.violations).toEqual([]);
    const at = (t: number): number => r.limits[t] as number;
    expect(at(1999)).toBe(64);
    // Little's law over short windows: within a few tenths of the true 5 ms, never above.
    expect(g.minRttMs).toBeGreaterThan(4);
    expect(g.minRttMs).toBeLessThanOrEqual(5);
    // Down within half a second of the rise, to the floor and not below.
    expect(at(2500)).toBeLessThan(32);
    expect(Math.min(...r.limits.slice(2000, 6000))).toBe(8);
    expect(Math.min(...r.limits)).toBe(8);
    expect(Math.max(...r.limits)).toBe(64);
    // Back to the cap after the response time fell (one slot per sampling window), and stays there.
    expect(at(29_999)).toBe(64);
    const back = r.limits.findIndex((l, t) => t > 6000 && l === 64);
    expect(back).toBeGreaterThan(6000);
    expect(r.limits.slice(back).every((l) => l === 64)).toBe(true);
    r.settleAll();
    expect(g.active).toBe(0);
    expect(g.queued).toBe(0);
  });

  it('converges when latency grows with the requests in flight (one-core upstream): the limit stays low and bounded', () => {
    const g = adaptiveGate(128, 8);
    // Each request in flight adds 2 ms (a one-core upstream serving 2 ms each); after 3 s of light
    // traffic (the no-load time is learnt from it), 1 request/ms offered (twice the capacity).
    const r = drive(g, 10_000, (t) => (t < 3000 ? (t % 10 === 0 ? 1 : 0) : 1), (_t, n) => 2 * (n + 1));
    expect(r.violations).toEqual([]);
    const late = r.limits.slice(5000);
    expect(Math.max(...late)).toBeLessThanOrEqual(16);
    expect(Math.min(...late)).toBeGreaterThanOrEqual(8);
  });

  it('changes nothing while the latency is flat, even when requests queue (same outcomes as a fixed gate)', () => {
    for (const seed of [1, 2, 3]) {
      const rnd = mulberry32(seed);
      const rate = Array.from({ length: 20_000 }, () => (rnd() < 0.5 ? 0 : Math.floor(rnd() * 8)));
      const fixed = new UpstreamGate(32, 256, 2000);
      const adaptive = adaptiveGate(32, 8, 256, 2000);
      const a = drive(fixed, 20_000, (t) => rate[t] as number, () => 10);
      const b = drive(adaptive, 20_000, (t) => rate[t] as number, () => 10);
      expect(b.log).toEqual(a.log);
      expect(a.log.some((l) => l.includes(' queued '))).toBe(true);
      expect(new Set(b.limits)).toEqual(new Set([32]));
      expect(adaptive.minRttMs).toBeGreaterThan(7);
      expect(adaptive.minRttMs).toBeLessThanOrEqual(10);
    }
  });

  it('leaves the limit alone when few requests are in flight, however slow (slow endpoints are not load)', () => {
    const g = adaptiveGate(64, 8);
    // 0.2 requests/ms: first 5 ms each, then 500 ms each (~100 in flight at the end would be load,
    // so only for 20 ms of arrivals: at most 4 slow ones in flight).
    const r = drive(g, 6000, (t) => (t % 5 === 0 ? 1 : 0), (t) => (t >= 3000 && t < 3020 ? 500 : 5));
    expect(g.minRttMs).toBeLessThanOrEqual(5);
    expect(g.recentRttMs).toBeGreaterThan(0);
    expect(new Set(r.limits)).toEqual(new Set([64]));
  });

  it('forgets an old no-load time after one to two buckets (a slower upstream becomes the new normal)', () => {
    const g = adaptiveGate(64, 8);
    const r = drive(g, 3 * ADAPTIVE_MIN_BUCKET_MS, () => 1, (t) => (t < 5000 ? 2 : 8));
    expect(r.violations).toEqual([]);
    expect(g.minRttMs).toBeGreaterThan(6);
    expect(g.minRttMs).toBeLessThanOrEqual(8);
    expect(r.limits[r.limits.length - 1]).toBe(64);
  });

  it('keeps its invariants under a seeded random workload: in flight within the limit, limit within [floor, cap], each waiter settled once, counters back to zero', () => {
    for (let trial = 0; trial < 40; trial++) {
      const rnd = mulberry32(500 + trial);
      const max = 2 + Math.floor(rnd() * 60);
      const floor = 1 + Math.floor(rnd() * 10);
      const history = rnd() < 0.5 ? new SourceHistory({ maxSources: 16, afterMs: 1000, idleMs: 10_000, rate: 2, burst: 4 }) : undefined;
      const g = new UpstreamGate(max, 1 + Math.floor(rnd() * 200), 200 + Math.floor(rnd() * 3000), undefined, history, { minInFlight: floor, newcomerShare: [1, 0.5, 0.1][trial % 3] as number });
      // Phases of random load and response time (flat, rising with load, spikes).
      const phases = Array.from({ length: 8 }, () => ({ rate: rnd() * 3, base: 1 + Math.floor(rnd() * 40), perReq: rnd() < 0.5 ? rnd() * 3 : 0 }));
      const r = drive(
        g,
        8000,
        (t) => {
          const p = phases[Math.min(7, Math.floor(t / 1000))] as (typeof phases)[number];
          return Math.floor(p.rate + rnd());
        },
        (t, n) => {
          const p = phases[Math.min(7, Math.floor(t / 1000))] as (typeof phases)[number];
          return p.base + p.perReq * n + (rnd() < 0.05 ? 200 : 0);
        },
        { rnd, leaveAfterMs: 3000, ip: () => (rnd() < 0.9 ? `10.0.${Math.floor(rnd() * 2)}.${Math.floor(rnd() * 8)}` : undefined) },
      );
      expect(r.violations, `trial ${trial}`).toEqual([]);
      const lo = Math.min(floor, max);
      expect(Math.min(...r.limits), `trial ${trial}`).toBeGreaterThanOrEqual(lo);
      expect(Math.max(...r.limits), `trial ${trial}`).toBeLessThanOrEqual(max);
      r.settleAll();
      expect(g.active, `trial ${trial}`).toBe(0);
      expect(g.queued, `trial ${trial}`).toBe(0);
      // Every request ended exactly once: go/grant, timeout, full or left.
      const ends = new Map<string, number>();
      for (const line of r.log) {
        const [, what, id] = line.split(' ');
        if (what === 'queued') continue;
        ends.set(id as string, (ends.get(id as string) ?? 0) + 1);
      }
      expect([...ends.values()].every((n) => n === 1), `trial ${trial}`).toBe(true);
      expect(ends.size, `trial ${trial}`).toBe(r.log.filter((l) => / (go|queued|full) /.test(l)).length);
    }
  });
});

/** One request of {@link floodOnOneCore}. */
interface Req extends GateWaiter {
  cancelled: boolean;
  readonly legit: boolean;
  readonly t0: number;
  settled: number;
  /** Requests granted before it and not yet served when it was granted (what it waits behind in the upstream). */
  ahead: number;
  /** Of those, flood requests. */
  newcomersAhead: number;
  done: number;
}

/**
 * A flood in front of a one-core upstream (2 ms per request, served in grant order), on a fake
 * millisecond clock: 40 clients (established after their first second) send one request every
 * ~25 ms in all (seeded; none when `clients` is false), and from t = 5 s for 3 s 1,000 newcomer
 * addresses send one request per ms (twice what the upstream serves), then everything drains.
 * Checks at each step that the upstream never idles while requests wait, and returns every
 * request with what it waited behind in the upstream.
 */
function floodOnOneCore(newcomerShare: number | undefined, seed: number, clients = true): { reqs: Req[]; violations: string[]; gate: UpstreamGate } {
  const rnd = mulberry32(seed);
  const history = new SourceHistory({ maxSources: 10_000, afterMs: 1000, idleMs: 3_600_000, rate: 20, burst: 20 });
  const legitIps = Array.from({ length: 40 }, (_, i) => `10.0.0.${i}`);
  const g = new UpstreamGate(64, 1024, 10_000, undefined, history, { minInFlight: 8, ...(newcomerShare !== undefined ? { newcomerShare } : {}) });
  const reqs: Req[] = [];
  const violations: string[] = [];
  // The upstream: granted requests in order, one at a time.
  const upstream: Req[] = [];
  let busyUntil = 0;
  let t = 0;
  const start = (r: Req): void => {
    r.ahead = upstream.length;
    r.newcomersAhead = upstream.filter((x) => !x.legit).length;
    upstream.push(r);
    if (g.active > g.limit) violations.push(`t=${t}: ${g.active} in flight over the limit ${g.limit}`);
  };
  const make = (ip: string, legit: boolean): Req => {
    const r: Req = {
      cancelled: false, legit, t0: t, settled: 0, ahead: -1, newcomersAhead: -1, done: -1, clientIp: ip,
      grant: () => {
        if (r.settled++ > 0) violations.push(`t=${t}: settled twice`);
        r.cancelled = true;
        start(r);
      },
      timeout: () => {
        if (r.settled++ > 0) violations.push(`t=${t}: settled twice`);
        r.cancelled = true;
      },
    };
    reqs.push(r);
    return r;
  };
  const send = (ip: string, legit: boolean): void => {
    const r = make(ip, legit);
    const res = g.acquire(r, t);
    if (res === 'go') {
      r.settled++;
      start(r);
    } else if (res === 'full') r.settled++;
  };
  let bot = 0;
  for (t = 0; t < 30_000; t++) {
    // The upstream finishes its current request: the slot returns (the source succeeded).
    if (upstream.length > 0 && t >= busyUntil) {
      const r = upstream.shift() as Req;
      r.done = t;
      g.release(t, r.clientIp);
      busyUntil = t + 2;
    } else if (upstream.length === 0) busyUntil = t + 2;
    if (rnd() < 0.04 && clients) send(legitIps[Math.floor(rnd() * legitIps.length)] as string, true);
    if (t >= 5000 && t < 8000) send(`10.200.${bot % 4}.${(bot = (bot + 1) % 1000) >> 2}`, false);
    if (t % 1000 === 0) g.expire(t);
    if (g.queued > 0 && g.active === 0) violations.push(`t=${t}: ${g.queued} queued with the upstream idle`);
  }
  return { reqs, violations, gate: g };
}

describe('adaptive upstream limit with established sources (newcomer share)', () => {
  it('is half the lowered limit by default, configurable, and validated', () => {
    expect(siteLimitsSchema.parse({}).newcomerShare).toBe(0.5);
    expect(siteLimitsSchema.parse({ newcomerShare: 1 }).newcomerShare).toBe(1);
    expect(() => siteLimitsSchema.parse({ newcomerShare: 0 })).toThrow();
    expect(() => siteLimitsSchema.parse({ newcomerShare: 1.5 })).toThrow();
  });

  it('during a flood keeps slots for established clients: they wait behind at most half the limit of flood requests in the upstream, and behind more without', () => {
    for (const seed of [1, 2, 3]) {
      const withShare = floodOnOneCore(0.5, seed);
      const without = floodOnOneCore(1, seed);
      for (const run of [withShare, without]) {
        expect(run.violations.slice(0, 3), `seed ${seed}`).toEqual([]);
        // Everyone was answered once; nothing is left in flight or queued.
        expect(run.reqs.every((r) => r.settled === 1)).toBe(true);
        expect(run.gate.active).toBe(0);
        expect(run.gate.queued).toBe(0);
      }
      // Once the limit is down (half a second into the flood), until the flood's backlog is gone.
      const during = (run: typeof withShare): Req[] => run.reqs.filter((r) => r.legit && r.t0 >= 5500 && r.t0 < 8000);
      const worst = (rs: Req[]): number => Math.max(...rs.map((r) => r.newcomersAhead));
      // The limit sits at its floor (8): newcomers hold at most 4 slots, so at most 4 flood requests are ahead.
      expect(worst(during(withShare)), `seed ${seed}`).toBeLessThanOrEqual(4);
      expect(worst(during(without)), `seed ${seed}`).toBeGreaterThanOrEqual(7);
      // Every legitimate request was served (none timed out or was refused).
      expect(withShare.reqs.filter((r) => r.legit).every((r) => r.done >= 0)).toBe(true);
    }
  });

  it('from the first request of a flood, established clients wait behind a few flood requests (surge bound), and behind dozens without', () => {
    // A one-core upstream (2 ms per request, in grant order); established clients send one request
    // every 10 ms; from t = 3000 a flood of new addresses sends one per ms. Returns the most flood
    // requests an established request found ahead of it in the upstream in the flood's first 300 ms.
    const onset = (newcomerShare: number): number => {
      const h = new SourceHistory({ maxSources: 10_000, afterMs: 1000, idleMs: 3_600_000, rate: 20, burst: 20 });
      const g = new UpstreamGate(128, 1024, 10_000, undefined, h, { minInFlight: 8, newcomerShare });
      const upstream: { ip: string; legit: boolean }[] = [];
      let busyUntil = 0;
      let worst = 0;
      const enter = (ip: string, legit: boolean, t: number): void => {
        if (legit && t >= 3000 && t < 3300) worst = Math.max(worst, upstream.filter((x) => !x.legit).length);
        upstream.push({ ip, legit });
      };
      const send = (ip: string, legit: boolean, t: number): void => {
        const w: GateWaiter = { cancelled: false, clientIp: ip, grant: () => enter(ip, legit, now), timeout: () => undefined };
        if (g.acquire(w, t) === 'go') enter(ip, legit, t);
      };
      let now = 0;
      for (; now < 3600; now++) {
        if (upstream.length > 0 && now >= busyUntil) {
          g.release(now, (upstream.shift() as { ip: string }).ip);
          busyUntil = now + 2;
        } else if (upstream.length === 0) busyUntil = now + 2;
        if (now % 10 === 0) send(`10.0.0.${(now / 10) % 50}`, true, now);
        if (now >= 3000) send(`10.200.${now % 4}.${(now >> 2) % 250}`, false, now);
      }
      return worst;
    };
    // Twice the quiet use, at least the floor (8), doubled at most once by a window that ends in the surge.
    expect(onset(0.5)).toBeLessThanOrEqual(16);
    expect(onset(1)).toBeGreaterThan(24);
  });

  it('holds a burst of newcomers to twice the recent use while established clients come, doubling each window while the upstream keeps up', () => {
    const h = new SourceHistory({ maxSources: 100, afterMs: 1000, idleMs: 3_600_000, rate: 2, burst: 20 });
    const g = new UpstreamGate(128, 1024, 10_000, undefined, h, { minInFlight: 8, newcomerShare: 0.5 });
    const granted: number[] = [];
    const w = (ip: string): GateWaiter => ({ cancelled: false, clientIp: ip, grant: () => granted.push(1), timeout: () => undefined });
    // A quiet second: one established client, one request at a time, 2 ms each.
    h.record('10.0.0.1', 0, true);
    for (let t = 2000; t < 3000; t += 5) {
      expect(g.acquire(w('10.0.0.1'), t)).toBe('go');
      g.release(t + 2, '10.0.0.1');
    }
    // 40 new visitors at once: 8 (the floor, over twice the quiet use) get a slot, the rest queue.
    const res = Array.from({ length: 40 }, (_, i) => g.acquire(w(`10.9.0.${i}`), 3000));
    expect(res.filter((r) => r === 'go').length).toBe(8);
    // The established client still gets a slot at once.
    expect(g.acquire(w('10.0.0.1'), 3000)).toBe('go');
    // An upstream that keeps up (each request takes 2 ms, however many are in flight): the bound
    // doubles every window until the whole burst is in.
    const due: number[] = Array.from({ length: 9 }, () => 3002);
    let t = 3000;
    for (; t < 3400 && (g.queued > 0 || due.length > 0); t++) {
      for (let k = due.length - 1; k >= 0; k--) {
        if (due[k] === t) {
          due.splice(k, 1);
          g.release(t);
        }
      }
      while (granted.length > 0) {
        granted.pop();
        due.push(t + 2);
      }
    }
    expect(g.queued).toBe(0);
    expect(t).toBeLessThan(3300);
    // Without an established client around, the same burst gets every slot at once.
    const g2 = new UpstreamGate(128, 1024, 10_000, undefined, new SourceHistory({ maxSources: 100, afterMs: 1000, idleMs: 3_600_000, rate: 2, burst: 20 }), { minInFlight: 8, newcomerShare: 0.5 });
    for (let t2 = 2000; t2 < 3000; t2 += 5) {
      g2.acquire(w('10.0.0.2'), t2);
      g2.release(t2 + 2, '10.0.0.2');
    }
    expect(Array.from({ length: 40 }, (_, i) => g2.acquire(w(`10.9.0.${i}`), 3000)).every((r) => r === 'go')).toBe(true);
  });

  it('changes nothing with a share of 1, nor while the limit is at the slot count', () => {
    // Share 1: the same gate as before the option (identical outcomes for the same flood).
    const a = floodOnOneCore(1, 4);
    const b = floodOnOneCore(undefined, 4);
    expect(a.reqs.map((r) => `${r.t0} ${r.ahead} ${r.done}`)).toEqual(b.reqs.map((r) => `${r.t0} ${r.ahead} ${r.done}`));
    // No established client comes: no reserve (the flood alone uses every slot of the limit).
    const c = floodOnOneCore(0.5, 4, false);
    const d = floodOnOneCore(1, 4, false);
    expect(c.violations).toEqual([]);
    expect(c.reqs.map((r) => `${r.t0} ${r.ahead} ${r.done}`)).toEqual(d.reqs.map((r) => `${r.t0} ${r.ahead} ${r.done}`));
    expect(Math.max(...c.reqs.map((r) => r.ahead))).toBeGreaterThanOrEqual(7);
    // Flat response time: the limit stays at the slot count, and newcomers get every slot.
    const h = new SourceHistory({ maxSources: 100, afterMs: 1000, idleMs: 3_600_000, rate: 2, burst: 20 });
    h.record('10.0.0.1', 0, true);
    const g = new UpstreamGate(4, 64, 10_000, undefined, h, { minInFlight: 2, newcomerShare: 0.5 });
    const held: number[] = [];
    const w = (ip: string): GateWaiter => ({ cancelled: false, clientIp: ip, grant: () => held.push(1), timeout: () => undefined });
    for (let i = 0; i < 4; i++) expect(g.acquire(w(`10.1.0.${i}`), 5000)).toBe('go');
    expect(g.acquire(w('10.1.0.9'), 5000)).toBe('queued');
    g.release(5001);
    expect(held.length).toBe(1);
    expect(g.limit).toBe(4);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { MirroredRateCounter, RateHub, WorkerRateCounter, type RateSyncItem } from './worker-rate.js';

const RULE = 'arn:aws:wafv2:us-east-1:000000000000:regional/webacl/shop/1#rate';
const open: WorkerRateCounter[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

/** A worker counter wired straight to a hub (no IPC); the test drives sync(). */
function worker(hub: RateHub, fail = { now: false }): WorkerRateCounter {
  const c = new WorkerRateCounter({
    syncIntervalMs: 3_600_000,
    exchange: async (items: RateSyncItem[]) => {
      if (fail.now) throw new Error('primary unreachable');
      return hub.apply(JSON.parse(JSON.stringify(items)) as RateSyncItem[]);
    },
  });
  open.push(c);
  return c;
}

describe('WorkerRateCounter + RateHub', () => {
  it('counts locally exactly, and sees the other workers after one sync', async () => {
    const hub = new RateHub();
    const a = worker(hub);
    const b = worker(hub);
    const now = Date.now();
    for (let i = 1; i <= 30; i++) expect(a.hit(RULE, '192.0.2.7', 60, now)).toBe(i);
    for (let i = 1; i <= 20; i++) expect(b.hit(RULE, '192.0.2.7', 60, now)).toBe(i);
    await a.sync();
    await b.sync();
    await a.sync();
    // Each worker: its own hits plus the other's, not its own twice.
    expect(a.hit(RULE, '192.0.2.7', 60, now)).toBe(51);
    expect(b.hit(RULE, '192.0.2.7', 60, now)).toBe(51);
    await a.sync();
    await b.sync();
    // The hub (the primary's counter for GetRateBasedStatementManagedKeys) has the node total.
    expect(hub.keysOver(RULE, 51, 60, now)).toEqual(['192.0.2.7']);
    expect(hub.keysOver(RULE, 52, 60, now)).toEqual([]);
    // Other keys and windows are separate.
    expect(a.hit(RULE, '192.0.2.8', 60, now)).toBe(1);
    expect(a.hit(RULE, '192.0.2.7', 120, now)).toBe(1);
  });

  it('holds one limit across workers: alternating hits, syncing every 4 hits, admit at most limit + 4', async () => {
    const hub = new RateHub();
    const ws = [worker(hub), worker(hub)];
    const limit = 20;
    const now = Date.now();
    let admitted = 0;
    for (let i = 0; i < 100; i++) {
      const w = ws[i % 2] as WorkerRateCounter;
      if (w.hit(RULE, 'k', 60, now) <= limit) admitted++;
      if (i % 4 === 3) for (const x of ws) await x.sync();
    }
    expect(admitted).toBeGreaterThanOrEqual(limit);
    expect(admitted).toBeLessThanOrEqual(limit + 4);
    // Per-worker counting would have admitted 2 × limit.
    expect(admitted).toBeLessThan(2 * limit);
  });

  it('pushes the increments again after a failed sync, so nothing is lost or counted twice', async () => {
    const hub = new RateHub();
    const fail = { now: true };
    const a = worker(hub, fail);
    const b = worker(hub);
    const now = Date.now();
    for (let i = 0; i < 7; i++) a.hit(RULE, 'x', 60, now);
    await a.sync();
    expect(a.syncs).toBe(0);
    fail.now = false;
    await a.sync();
    await a.sync();
    b.hit(RULE, 'x', 60, now);
    await b.sync();
    expect(b.hit(RULE, 'x', 60, now)).toBe(9);
    expect(hub.hit(RULE, 'x', 60, now)).toBe(9);
  });

  it('forgets counts after the window', () => {
    const hub = new RateHub();
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 12; i++) hub.hit(RULE, 'k', 60, t0 + i);
    expect(hub.keysOver(RULE, 10, 60, t0 + 1000)).toEqual(['k']);
    expect(hub.keysOver(RULE, 10, 60, t0 + 62_000)).toEqual([]);
    const c = worker(hub);
    for (let i = 0; i < 12; i++) c.hit(RULE, 'k', 60, t0 + i);
    expect(c.hit(RULE, 'k', 60, t0 + 62_000)).toBe(1);
  });

  it('bounds memory: maxKeys evicts', () => {
    const c = new WorkerRateCounter({ exchange: async () => [], maxKeys: 50, syncIntervalMs: 3_600_000 });
    open.push(c);
    const hub = new RateHub(50);
    const now = Date.now();
    for (let i = 0; i < 500; i++) {
      c.hit(RULE, `k${i}`, 60, now);
      hub.hit(RULE, `k${i}`, 60, now);
    }
    expect(c.keysOver(RULE, 0, 60, now).length).toBeLessThanOrEqual(50);
    expect(hub.keyCount).toBeLessThanOrEqual(50);
  });
});

describe('MirroredRateCounter (--redis with workers)', () => {
  it('answers from the counting side and mirrors every hit to the hub', async () => {
    const hub = new RateHub();
    const counting = new RateHub();
    let closed = 0;
    const c = new MirroredRateCounter(Object.assign(counting, { close: () => void closed++ }), worker(hub));
    const now = Date.now();
    counting.hit(RULE, 'k', 60, now); // another node's hit, known to the counting side only
    expect(c.hit(RULE, 'k', 60, now)).toBe(2);
    expect(c.keysOver(RULE, 1, 60, now)).toEqual(['k']);
    await (open.at(-1) as WorkerRateCounter).sync();
    expect(hub.keysOver(RULE, 0, 60, now)).toEqual(['k']);
    expect(hub.hit(RULE, 'k', 60, now)).toBe(2);
    await c.close();
    expect(closed).toBe(1);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryRateCounter } from './memory.js';

/** Replays hits; a request is admitted when the count (including itself) is <= limit. */
function replay(times: number[], limit: number, windowSec: number): { t: number; count: number; admitted: boolean }[] {
  const c = new MemoryRateCounter();
  return times.map((t) => {
    const count = c.hit('r', 'k', windowSec, t);
    return { t, count, admitted: count <= limit };
  });
}

describe('MemoryRateCounter', () => {
  it('never admits more than Limit in any window, and never counts fewer than the exact window', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(60, 120, 300, 600),
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.integer({ min: 0, max: 2_000_000 }), { minLength: 1, maxLength: 400 }),
        (windowSec, limit, raw) => {
          const times = [...raw].sort((a, b) => a - b);
          const res = replay(times, limit, windowSec);
          const w = windowSec * 1000;
          const bucket = Math.max(1000, Math.ceil(w / 60));
          for (let i = 0; i < res.length; i++) {
            const t = res[i]!.t;
            // exact count of all hits in (t - W, t] vs the counter's count, vs (t - W - bucket, t]
            let exact = 0;
            let loose = 0;
            for (let j = 0; j <= i; j++) {
              if (res[j]!.t > t - w) exact++;
              if (res[j]!.t > t - w - bucket) loose++;
            }
            expect(res[i]!.count).toBeGreaterThanOrEqual(exact);
            expect(res[i]!.count).toBeLessThanOrEqual(loose);
            // admitted requests in the window ending at t never exceed limit
            let admitted = 0;
            for (let j = 0; j <= i; j++) if (res[j]!.admitted && res[j]!.t > t - w) admitted++;
            expect(admitted).toBeLessThanOrEqual(limit);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('admits exactly Limit of a burst, and again after the window', () => {
    const res = replay([...Array(15).fill(0).map((_, i) => 5000 + i), 5000 + 61_000], 10, 60);
    expect(res.filter((r) => r.admitted)).toHaveLength(11);
    expect(res.at(-1)!.admitted).toBe(true);
  });

  it('keysOver reflects the current window; idle keys are swept; maxKeys bounds memory', () => {
    const c = new MemoryRateCounter({ maxKeys: 100 });
    for (let i = 0; i < 12; i++) c.hit('r', 'hot', 60, 1000 + i);
    c.hit('r', 'cold', 60, 1000);
    expect(c.keysOver('r', 10, 60, 2000)).toEqual(['hot']);
    expect(c.keysOver('r', 10, 60, 1000 + 62_000)).toEqual([]);
    c.hit('r2', 'x', 60, 200_000); // triggers a sweep
    expect(c.keyCount).toBe(1);
    for (let i = 0; i < 1000; i++) c.hit('r3', `k${i}`, 60, 200_001);
    expect(c.keyCount).toBeLessThanOrEqual(100);
  });

  it('a key added when the cap forces a sweep that empties its table is still counted and listed', () => {
    const c = new MemoryRateCounter({ maxKeys: 1 });
    c.hit('r', 'a', 60, 0);
    // 'a' is idle by now: making room sweeps it and drops the then-empty table 'r'.
    expect(c.hit('r', 'b', 60, 200_000)).toBe(1);
    expect(c.hit('r', 'b', 60, 200_001)).toBe(2);
    expect(c.keysOver('r', 1, 60, 200_001)).toEqual(['b']);
    expect(c.keyCount).toBe(1);
  });

  it('windows are separate per rule and window length', () => {
    const c = new MemoryRateCounter();
    c.hit('a', 'k', 60, 0);
    c.hit('a', 'k', 300, 0);
    expect(c.hit('b', 'k', 60, 0)).toBe(1);
    expect(c.hit('a', 'k', 60, 1)).toBe(2);
  });
});

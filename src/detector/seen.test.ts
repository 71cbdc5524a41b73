import { describe, expect, it } from 'vitest';
import { SEEN_SEED, SeenSet } from './seen.js';

describe('SeenSet', () => {
  it('remembers keys per kind and answers repeats', () => {
    const s = new SeenSet(1000);
    expect(s.checkAndAdd('e-1', SEEN_SEED.cloudtrail)).toBe(false);
    expect(s.checkAndAdd('e-1', SEEN_SEED.cloudtrail)).toBe(true);
    expect(s.checkAndAdd('e-1', SEEN_SEED.dns)).toBe(false);
    expect(s.checkAndAdd('e-2', SEEN_SEED.cloudtrail)).toBe(false);
  });

  it('stays bounded: remembers at least the last cap/2, forgets the oldest generation', () => {
    const s = new SeenSet(1000);
    for (let i = 0; i < 5000; i++) expect(s.checkAndAdd(`k${i}`, 1)).toBe(false);
    for (let i = 4500; i < 5000; i++) expect(s.checkAndAdd(`k${i}`, 1)).toBe(true);
    expect(s.checkAndAdd('k0', 1)).toBe(false);
  });

  it('round-trips through its persisted form without collisions on 200,000 keys', () => {
    const a = new SeenSet(1_000_000);
    for (let i = 0; i < 200_000; i++) expect(a.checkAndAdd(`evt-${i}-0000`, 1)).toBe(false);
    const pending = a.takePending() as Int32Array;
    expect(pending.length).toBe(400_000);
    expect(a.takePending()).toBeUndefined();
    const b = new SeenSet(1_000_000);
    b.restore(pending);
    expect(b.checkAndAdd('evt-199999-0000', 1)).toBe(true);
    expect(b.checkAndAdd('evt-200000-0000', 1)).toBe(false);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventIdAt, eventIdMs } from './event-id.js';

describe('event ids', () => {
  it('are RFC 9562 version-7 UUIDs carrying the millisecond', () => {
    const ms = Date.UTC(2026, 11, 7, 6, 0, 0, 123);
    const id = eventIdAt(ms);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(eventIdMs(id)).toBe(ms);
    // The first 48 bits are the big-endian millisecond.
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(ms);
  });

  it('are unique and sort by time', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5000; i++) ids.add(eventIdAt(1_700_000_000_000));
    expect(ids.size).toBe(5000);
    expect(eventIdAt(1_700_000_000_001) > eventIdAt(1_700_000_000_000)).toBe(true);
  });

  it('round-trip any millisecond; other ids carry none', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (ms) => eventIdMs(eventIdAt(ms)) === ms));
    expect(eventIdMs('6f1b3c2e-8d4a-4f5b-9c3d-2e1f0a9b8c7d')).toBeUndefined(); // version 4
    expect(eventIdMs('not-a-uuid')).toBeUndefined();
    expect(() => eventIdAt(-1)).toThrow(RangeError);
  });
});

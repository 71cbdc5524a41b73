import { describe, expect, it } from 'vitest';
import { CountWindow, DistinctWindow, isPublicIp, LruMap, pathValues, timeMs } from './util.js';

describe('detection utilities', () => {
  it('LruMap evicts the least recently used beyond its cap', () => {
    const m = new LruMap<string, number>(4);
    m.set('a', 1); m.set('b', 2); m.set('c', 3);
    m.get('a');
    m.set('d', 4);
    m.set('e', 5);
    expect(m.size).toBeLessThanOrEqual(4);
    expect(m.peek('b')).toBeUndefined();
    expect(m.peek('a')).toBe(1);
    for (let i = 0; i < 1000; i++) m.set(`k${i}`, i);
    expect(m.size).toBeLessThanOrEqual(4);
  });

  it('windows count within their span and stay bounded', () => {
    const d = new DistinctWindow(1000, 5);
    expect(d.add('x', 0)).toBe(1);
    expect(d.add('x', 10)).toBe(1);
    expect(d.add('y', 20)).toBe(2);
    expect(d.add('z', 2000)).toBe(1);
    for (let i = 0; i < 100; i++) d.add(`v${i}`, 3000);
    expect(d.size).toBeLessThanOrEqual(10);
    const c = new CountWindow(1000, 4);
    expect([c.add(0), c.add(100), c.add(200), c.add(1500), c.add(1600)]).toEqual([1, 2, 3, 1, 2]);
  });

  it('classifies IPs and parses times', () => {
    expect(['8.8.8.8', '2001:4860::1'].map(isPublicIp)).toEqual([true, true]);
    expect(['10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '127.0.0.1', '100.64.0.1', 'AWS Internal', 'ec2.amazonaws.com', undefined].map(isPublicIp)).toEqual(Array(9).fill(false));
    expect(timeMs('2026-01-05T10:00:00Z')).toBe(Date.UTC(2026, 0, 5, 10));
    expect(timeMs('2025-01-21 17:39:10.000000000')).toBe(Date.UTC(2025, 0, 21, 17, 39, 10));
    expect(timeMs(undefined)).toBe(0);
  });

  it('reads paths through arrays', () => {
    expect(pathValues({ a: [{ b: 1 }, { b: [2, 3] }, { c: 4 }] }, ['a', 'b'])).toEqual([1, 2, 3]);
    expect(pathValues({ a: { x: 1, y: 2 } }, ['a', '*'])).toEqual([1, 2]);
    expect(pathValues(null, ['a'])).toEqual([]);
  });
});

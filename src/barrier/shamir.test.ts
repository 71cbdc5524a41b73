import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { combine, gf256, split } from './shamir.js';

/** Picks `k` distinct elements of `arr` using the given permutation seed list. */
function pick<T>(arr: readonly T[], order: readonly number[], k: number): T[] {
  const idx = arr.map((_, i) => i).sort((a, b) => (order[a] ?? 0) - (order[b] ?? 0) || a - b);
  return idx.slice(0, k).map((i) => arr[i] as T);
}

describe('GF(2^8)', () => {
  it('matches the AES field: 0x57 * 0x83 = 0xc1 (FIPS-197 §4.2), and inverses multiply to 1', () => {
    expect(gf256.mul(0x57, 0x83)).toBe(0xc1);
    expect(gf256.mul(0x57, 0x13)).toBe(0xfe);
    for (let a = 1; a < 256; a++) expect(gf256.mul(a, gf256.inv(a))).toBe(1);
    for (let a = 0; a < 256; a++) expect(gf256.mul(a, 1)).toBe(a);
  });

  it('is commutative and distributive', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), (a, b, c) => {
        expect(gf256.mul(a, b)).toBe(gf256.mul(b, a));
        expect(gf256.mul(a, b ^ c)).toBe(gf256.mul(a, b) ^ gf256.mul(a, c));
      }),
    );
  });
});

describe('shamir', () => {
  it('any t of n shares recover the secret', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.integer({ min: 2, max: 12 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 2, max: n }))),
        fc.array(fc.integer(), { minLength: 12, maxLength: 12 }),
        (secret, [n, t], order) => {
          const shares = split(secret, n, t);
          expect(shares).toHaveLength(n);
          for (const s of shares) expect(s.length).toBe(secret.length + 1);
          expect(new Set(shares.map((s) => s[secret.length])).size).toBe(n);
          expect(combine(pick(shares, order, t)).equals(Buffer.from(secret))).toBe(true);
          // More than t consistent shares also work.
          expect(combine(shares).equals(Buffer.from(secret))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('t-1 shares do not give the secret', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 48 }),
        fc.integer({ min: 2, max: 12 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 2, max: n }))),
        fc.array(fc.integer(), { minLength: 12, maxLength: 12 }),
        (secret, [n, t], order) => {
          const shares = split(secret, n, t);
          const fewer = pick(shares, order, t - 1);
          if (fewer.length < 2) expect(() => combine(fewer)).toThrow(RangeError);
          else expect(combine(fewer).equals(Buffer.from(secret))).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('works at the limits: 255 shares, threshold 255', () => {
    const secret = Buffer.from('0123456789abcdef0123456789abcdef');
    const shares = split(secret, 255, 255);
    expect(combine(shares)).toEqual(secret);
    expect(combine(shares.slice(1)).equals(secret)).toBe(false);
  });

  it('changes a share and the result is wrong, not an error', () => {
    const secret = Buffer.alloc(32, 7);
    const shares = split(secret, 3, 2);
    const bad = Buffer.from(shares[0] as Buffer);
    bad[0] = (bad[0] as number) ^ 1;
    expect(combine([bad, shares[1] as Buffer]).equals(secret)).toBe(false);
  });

  it('rejects bad parameters and malformed shares', () => {
    const s = Buffer.alloc(32, 1);
    expect(() => split(s, 1, 1)).toThrow(RangeError);
    expect(() => split(s, 3, 1)).toThrow(RangeError);
    expect(() => split(s, 3, 4)).toThrow(RangeError);
    expect(() => split(s, 256, 2)).toThrow(RangeError);
    expect(() => split(s, 2.5, 2)).toThrow(RangeError);
    expect(() => split(Buffer.alloc(0), 3, 2)).toThrow(RangeError);
    const shares = split(s, 3, 2);
    const [a, b] = shares as [Buffer, Buffer];
    expect(() => combine([a])).toThrow(RangeError);
    expect(() => combine([a, a])).toThrow(/duplicate/);
    expect(() => combine([a, b.subarray(1)])).toThrow(/length/);
    const zeroX = Buffer.from(b);
    zeroX[32] = 0;
    expect(() => combine([a, zeroX])).toThrow(/x = 0/);
  });
});

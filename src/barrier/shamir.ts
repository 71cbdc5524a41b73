/**
 * Shamir's secret sharing over GF(2^8), byte by byte. Written here rather than taken from npm: the
 * algorithm is small and fully specified (Shamir 1979), and no package is both maintained and
 * audited. Field: GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1 (0x11b).
 *
 * A share is the secret's length in y bytes followed by one x byte (1..255, distinct per share).
 * Arithmetic avoids lookup tables and data-dependent branches, so timing does not depend on the
 * secret (as far as a JIT allows); speed is irrelevant at 32 bytes times at most 255 shares.
 */
import { randomBytes, randomInt } from 'node:crypto';

/** Multiplies in GF(2^8) (shift-and-add with masks instead of branches). */
function mul(a: number, b: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) {
    r ^= -(b & 1) & a;
    const carry = -((a >> 7) & 1);
    a = ((a << 1) ^ (carry & 0x1b)) & 0xff;
    b >>= 1;
  }
  return r & 0xff;
}

/** The multiplicative inverse: a^254 (a^255 = 1 for a != 0). inv(0) = 0, never used. */
function inv(a: number): number {
  let result = 1;
  let base = a;
  let e = 254;
  for (let i = 0; i < 8; i++) {
    const m = -(e & 1);
    result = (mul(result, base) & m) | (result & ~m);
    base = mul(base, base);
    e >>= 1;
  }
  return result & 0xff;
}

/** Splits `secret` into `n` shares, any `t` of which recover it. 2 <= t <= n <= 255. */
export function split(secret: Uint8Array, n: number, t: number): Buffer[] {
  if (!Number.isInteger(n) || !Number.isInteger(t) || t < 2 || n < t || n > 255) {
    throw new RangeError('shamir: need integers 2 <= threshold <= shares <= 255');
  }
  if (secret.length === 0) throw new RangeError('shamir: empty secret');
  // Distinct random non-zero x coordinates: a shuffled 1..255, first n.
  const xs = Array.from({ length: 255 }, (_, i) => i + 1);
  for (let i = xs.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    const tmp = xs[i] as number;
    xs[i] = xs[j] as number;
    xs[j] = tmp;
  }
  const len = secret.length;
  const shares = Array.from({ length: n }, (_, i) => {
    const s = Buffer.alloc(len + 1);
    s[len] = xs[i] as number;
    return s;
  });
  // coeffs[0] is the secret byte; coeffs[1..t-1] are uniformly random field elements.
  const coeffs = Buffer.alloc(t);
  const rnd = randomBytes(len * (t - 1));
  for (let b = 0; b < len; b++) {
    coeffs[0] = secret[b] as number;
    for (let k = 1; k < t; k++) coeffs[k] = rnd[b * (t - 1) + k - 1] as number;
    for (let i = 0; i < n; i++) {
      const share = shares[i] as Buffer;
      const x = share[len] as number;
      // Horner's rule from the highest coefficient.
      let y = 0;
      for (let k = t - 1; k >= 0; k--) y = mul(y, x) ^ (coeffs[k] as number);
      share[b] = y;
    }
  }
  coeffs.fill(0);
  rnd.fill(0);
  return shares;
}

/**
 * Recombines shares by Lagrange interpolation at x = 0. Any `t` (or more, consistent) shares of a
 * split give the secret; fewer give an unrelated value, which callers detect by using the result
 * as a key (AES-GCM authentication fails).
 */
export function combine(shares: readonly Uint8Array[]): Buffer {
  if (shares.length < 2 || shares.length > 255) throw new RangeError('shamir: need 2 to 255 shares');
  const first = shares[0] as Uint8Array;
  const len = first.length - 1;
  if (len < 1) throw new RangeError('shamir: share too short');
  const xs: number[] = [];
  for (const s of shares) {
    if (s.length !== len + 1) throw new RangeError('shamir: shares differ in length');
    const x = s[len] as number;
    if (x === 0) throw new RangeError('shamir: share has x = 0');
    if (xs.includes(x)) throw new RangeError('shamir: duplicate share x coordinate');
    xs.push(x);
  }
  // Lagrange basis at 0: l_i = prod_{j != i} x_j / (x_j - x_i); subtraction is XOR in GF(2^8).
  const basis = xs.map((xi, i) => {
    let num = 1;
    let den = 1;
    for (let j = 0; j < xs.length; j++) {
      if (j === i) continue;
      const xj = xs[j] as number;
      num = mul(num, xj);
      den = mul(den, xj ^ xi);
    }
    return mul(num, inv(den));
  });
  const out = Buffer.alloc(len);
  for (let b = 0; b < len; b++) {
    let acc = 0;
    for (let i = 0; i < shares.length; i++) acc ^= mul((shares[i] as Uint8Array)[b] as number, basis[i] as number);
    out[b] = acc;
  }
  return out;
}

/** Exposed for tests: field multiplication and inversion. */
export const gf256 = { mul, inv };

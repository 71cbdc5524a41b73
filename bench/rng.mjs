// The benchmarks' small deterministic PRNG (mulberry32): the same seed gives the same corpus,
// traffic and simulation in every run. No imports, so tests can load the corpora that use it.

/** A generator of floats in [0, 1) from a 32-bit seed. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

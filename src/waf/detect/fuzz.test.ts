/**
 * Robustness: random byte strings never throw, and time grows linearly with input length
 * (compared as a per-byte ratio between a 1 KB and a 64 KB input measured in the same run, so
 * the machine's speed does not matter).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { detectSqli, detectXss } from './index.js';

const byteString = (max: number): fc.Arbitrary<string> =>
  fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a).toString('latin1'));
/** Byte strings drawn from the characters the tokenizers branch on. */
const sqlish = (max: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...'\'"`\\/*-#;()=<>!|&@0x1e. aAnNdDoORrUuSsEeLlCcTt{}$:?,\n'.split('')), { maxLength: max }).map((a) => a.join(''));
const htmlish = (max: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...'<>/"\'`= \tonaljscript:&#x;[]!+(){}$-'.split(''), 'on', '<a ', 'href=', 'javascript:', '{{', '${', '&#'), { maxLength: max }).map((a) => a.join(''));

describe('never throws', () => {
  it('on random bytes', () => {
    fc.assert(fc.property(byteString(4096), (s) => {
      detectSqli(s, 'LOW'); detectSqli(s, 'HIGH'); detectXss(s);
    }), { numRuns: 300 });
  });
  it('on SQL-ish and HTML-ish strings', () => {
    fc.assert(fc.property(sqlish(2048), htmlish(2048), (a, b) => {
      detectSqli(a, 'HIGH'); detectXss(a); detectSqli(b, 'HIGH'); detectXss(b);
    }), { numRuns: 300 });
  });
  it('on 64 KB random inputs', () => {
    fc.assert(fc.property(byteString(65536), (s) => { detectSqli(s, 'HIGH'); detectXss(s); }), { numRuns: 10 });
  });
});

/** Median nanoseconds per byte of `f` over `runs` runs. */
function perByte(f: (s: string) => unknown, s: string, runs: number): number {
  const t: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = process.hrtime.bigint();
    f(s);
    t.push(Number(process.hrtime.bigint() - start) / s.length);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)] ?? 0;
}

/** Adversarial patterns: unterminated constructs, long runs of what triggers lookahead. */
const ADVERSARIAL: readonly string[] = [
  "'", '"', '/*', '<a ', '<a href="', '{{', '{{{', '&#', '&#x', '<', ' on', "'+", '[]', '![]', '-', '--', '(', 'a(',
  '`', '${', '<svg ', 'x ', '\\\'', 'select ', 'union ', '0x', '1e', '@@', ';', '&lt;',
  // Serialised values (segments.ts): form pieces, JSON strings, XML attributes without a closing `>`.
  'a=', "a=' &", '{"', '{"a":"\\', '<a x="', "<a x='1'", '>t<', '=""',
];

describe('linear time', () => {
  it.each(ADVERSARIAL)('repeated %j: 64 KB costs at most 20x per byte what 1 KB does', (unit) => {
    const small = unit.repeat(Math.ceil(1024 / unit.length)).slice(0, 1024);
    const large = unit.repeat(Math.ceil(65536 / unit.length)).slice(0, 65536);
    const both = (s: string): void => { detectSqli(s, 'HIGH'); detectXss(s); };
    for (let w = 0; w < 5; w++) { both(small); both(large); } // warm up the JIT
    const a = perByte(both, small, 41);
    const b = perByte(both, large, 7);
    expect(b / Math.max(a, 1e-3)).toBeLessThan(20);
  });
});

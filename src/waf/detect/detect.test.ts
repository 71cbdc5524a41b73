import { describe, expect, it } from 'vitest';
import { detectors, detectSqli, detectXss, foldSql, sqliFingerprint, tokenizeSql } from './index.js';
import { SQL_TOKEN_VECTORS, SQLI_VECTORS, XSS_VECTORS } from './vectors.js';
import { BENIGN_CORPUS } from './benign-corpus.js';

const bytes = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

describe('SQL tokenizer', () => {
  it.each(SQL_TOKEN_VECTORS)('%s → %s (%s)', (input, types) => {
    expect(foldSql(tokenizeSql(input)).map((t) => t.type).join('')).toBe(types);
  });

  it('starts inside a string in the quote contexts', () => {
    expect(tokenizeSql("abc' OR 1", '\'').map((t) => t.type).join('')).toBe('sbn');
    expect(tokenizeSql('abc" x', '"')[0]).toEqual({ type: 's', value: 'abc' });
    // Without backslash escapes (ANSI) the quote after \ closes the string.
    expect(tokenizeSql("a\\' or", '\'', false).map((t) => t.type).join('')).toBe('sb');
    expect(tokenizeSql("a\\' or", '\'', true).map((t) => t.type).join('')).toBe('s');
  });
});

describe('detectSqli', () => {
  it.each(SQLI_VECTORS)('%s → LOW %s, HIGH %s (%s)', (input, low, high) => {
    expect(detectSqli(input, 'LOW')).toBe(low);
    expect(detectSqli(input, 'HIGH')).toBe(high);
  });

  it('HIGH flags everything LOW flags', () => {
    for (const [input] of SQLI_VECTORS) if (detectSqli(input, 'LOW')) expect(detectSqli(input, 'HIGH')).toBe(true);
  });

  it('reports a fingerprint for logs', () => {
    expect(sqliFingerprint('pay=AND 7639=(')).toBe('as-is:b=&n=(:logic-compare');
    expect(sqliFingerprint("' OR 1=1--")).toBe('single-quote:s&n=nc:quote-tautology');
    expect(sqliFingerprint('hello world')).toBeUndefined();
  });

  it('is exposed through the engine contract', () => {
    expect(detectors.sqli('1 UNION SELECT 1', 'LOW')).toBe(true);
    expect(detectors.sqli('union station', 'HIGH')).toBe(false);
  });
});

describe('detectXss', () => {
  it.each(XSS_VECTORS)('%s → %s (%s)', (input, expected) => {
    expect(detectXss(bytes(input))).toBe(expected);
  });

  it('is exposed through the engine contract', () => {
    expect(detectors.xss('<script>')).toBe(true);
    expect(detectors.xss('a < b')).toBe(false);
  });
});

describe('benign corpus', () => {
  it('has at least 450 strings', () => {
    expect(BENIGN_CORPUS.length).toBeGreaterThanOrEqual(450);
  });

  // Measured: SQLi LOW 0, SQLi HIGH 8 of 455, XSS 0 (see docs/waf-detection.md). HIGH flags, by design
  // (AWS: "more false positives"), three code snippets and five sentences of the technical prose added
  // in the 2026-12-07 revision ("Don't drop the table; truncate it…", "'or' … 'and' …").
  it('stays quiet', () => {
    const flagged = (f: (s: string) => boolean): string[] => BENIGN_CORPUS.filter((s) => f(bytes(s)));
    expect(flagged((s) => detectSqli(s, 'LOW'))).toEqual([]);
    expect(flagged((s) => detectSqli(s, 'HIGH')).length).toBeLessThanOrEqual(8);
    expect(flagged(detectXss)).toEqual([]);
  });
});

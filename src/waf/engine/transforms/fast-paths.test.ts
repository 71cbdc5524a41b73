/**
 * CMD_LINE, URL_DECODE_UNI and HTML_ENTITY_DECODE decode byte strings in a reused buffer or by
 * slices, with an early return when nothing changes. Each must give exactly what the plain
 * char-by-char versions below give (the implementations they replaced), on random and biased
 * strings, strings that are not byte strings, long values, and every CRS regression stage's and
 * benign corpus text, raw and URL-decoded (as the managed rules chain them).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BENIGN_CORPUS } from '../../detect/benign-corpus.js';
import { CRS_ROOT } from '../../detect/test-helpers.js';
import { getTransformation } from './index.js';

const fromCodes = (codes: number[]): string => {
  let s = '';
  for (let i = 0; i < codes.length; i += 8192) s += String.fromCharCode(...codes.slice(i, i + 8192));
  return s;
};
const hexValue = (c: number): number => {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
};
const isHex = (c: number): boolean => hexValue(c) >= 0;

function plainCmdLine(input: string): string {
  const out: number[] = [];
  let space = false;
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    switch (c) {
      case 0x22: case 0x27: case 0x5c: case 0x5e:
        break;
      case 0x20: case 0x2c: case 0x3b: case 0x09: case 0x0d: case 0x0a:
        if (!space) { out.push(0x20); space = true; }
        break;
      case 0x2f: case 0x28:
        if (space) out.pop();
        space = false;
        out.push(c);
        break;
      default:
        out.push(c >= 0x41 && c <= 0x5a ? c | 0x20 : c);
        space = false;
    }
  }
  return fromCodes(out);
}

function plainUrlDecodeUni(input: string): string {
  const n = input.length;
  const out: number[] = [];
  let i = 0;
  while (i < n) {
    const c = input.charCodeAt(i);
    if (c !== 0x25) {
      out.push(c === 0x2b ? 0x20 : c);
      i++;
      continue;
    }
    const u = i + 1 < n ? input.charCodeAt(i + 1) : -1;
    if (u === 0x75 || u === 0x55) {
      if (i + 5 < n && isHex(input.charCodeAt(i + 2)) && isHex(input.charCodeAt(i + 3)) && isHex(input.charCodeAt(i + 4)) && isHex(input.charCodeAt(i + 5))) {
        let b = (hexValue(input.charCodeAt(i + 4)) << 4) | hexValue(input.charCodeAt(i + 5));
        if (b > 0x00 && b < 0x5f && (input.charCodeAt(i + 2) | 0x20) === 0x66 && (input.charCodeAt(i + 3) | 0x20) === 0x66) b += 0x20;
        out.push(b);
        i += 6;
      } else {
        out.push(c, u);
        i += 2;
      }
    } else if (i + 2 < n && isHex(u) && isHex(input.charCodeAt(i + 2))) {
      out.push((hexValue(u) << 4) | hexValue(input.charCodeAt(i + 2)));
      i += 3;
    } else {
      out.push(c);
      i++;
    }
  }
  return fromCodes(out);
}

const isAlnum = (c: number): boolean => (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);
const NAMED: Record<string, number> = { quot: 0x22, amp: 0x26, lt: 0x3c, gt: 0x3e, nbsp: 0xa0 };

function plainHtmlEntityDecode(input: string): string {
  const n = input.length;
  const out: number[] = [];
  let i = 0;
  while (i < n) {
    const c = input.charCodeAt(i);
    if (c !== 0x26 || i + 1 >= n) {
      out.push(c);
      i++;
      continue;
    }
    let j = i + 1;
    let value = -1;
    if (input.charCodeAt(j) === 0x23) {
      j++;
      const x = j < n ? input.charCodeAt(j) | 0x20 : -1;
      const hex = x === 0x78;
      if (hex) j++;
      const k = j;
      let v = 0;
      while (j < n) {
        const d = hex ? hexValue(input.charCodeAt(j)) : input.charCodeAt(j) - 0x30;
        if (d < 0 || (!hex && d > 9)) break;
        v = (hex ? (v << 4) | d : v * 10 + d) & 0xff;
        j++;
      }
      if (j > k) value = v;
    } else {
      const k = j;
      while (j < n && isAlnum(input.charCodeAt(j))) j++;
      if (j > k && j - k <= 4) value = NAMED[input.slice(k, j).toLowerCase()] ?? -1;
    }
    if (value < 0) {
      out.push(c);
      i++;
      continue;
    }
    out.push(value);
    i = j < n && input.charCodeAt(j) === 0x3b ? j + 1 : j;
  }
  return fromCodes(out);
}

const CASES: [string, (s: string) => string][] = [
  ['CMD_LINE', plainCmdLine],
  ['URL_DECODE_UNI', plainUrlDecodeUni],
  ['HTML_ENTITY_DECODE', plainHtmlEntityDecode],
];

const byteString = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a).toString('latin1'));
const trickyString = fc
  .array(fc.constantFrom(...'%uU+&#xX;\\/.0123456789abcdefABCDEFzZ \t\r\n*"\'^,(lLtTqQ=~mMpPoOsSbBnN\x00\xa0\xc3\xa9\xff'.split('')), { maxLength: 48 })
  .map((a) => a.join(''));
const wideString = fc
  .array(fc.constantFrom('%', 'u', 'F', 'f', '4', '1', '+', '&', '#', ';', 'amp', ' ', '(', 'A', '"', '\xc0', '\u0100', '\u2603', '\ud83d'), { maxLength: 24 })
  .map((a) => a.join(''));

const bs = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

/** Every URI, header value and body of the CRS regression stages (930–944), as byte strings. */
function crsTexts(): string[] {
  if (!existsSync(CRS_ROOT)) return [];
  const out: string[] = [];
  for (const dir of readdirSync(CRS_ROOT).filter((d) => /^REQUEST-9(3\d|4[0-4])-/.test(d)).sort()) {
    for (const f of readdirSync(join(CRS_ROOT, dir)).filter((x) => x.endsWith('.yaml')).sort()) {
      const doc = parse(readFileSync(join(CRS_ROOT, dir, f), 'utf8')) as { tests: { stages: { input: { uri?: string; headers?: Record<string, unknown>; data?: string | string[] } }[] }[] };
      for (const t of doc.tests) {
        for (const { input } of t.stages) {
          if (input.uri !== undefined) out.push(bs(input.uri));
          for (const v of Object.values(input.headers ?? {})) out.push(bs(String(v)));
          if (input.data !== undefined) out.push(bs(Array.isArray(input.data) ? input.data.join('\r\n') : input.data));
        }
      }
    }
  }
  return out;
}

describe('transformation fast paths agree with the plain loops', () => {
  it('on random and biased strings, byte strings or not', () => {
    for (const [type, plain] of CASES) {
      const t = getTransformation(type);
      fc.assert(fc.property(fc.oneof(byteString, trickyString, wideString), (s) => {
        expect(t.apply(s), `${type} ${JSON.stringify(s)}`).toBe(plain(s));
      }), { numRuns: 3000 });
    }
  });

  it('on long values (the reused buffer grows; very long values get their own; no result leaks into the next)', () => {
    for (const n of [5000, 200_000]) {
      const s = 'Ab%41+%u0041%uFF01 ,;"\'^ (x) &amp;&#x41;&#66&lt'.repeat(Math.ceil(n / 47)).slice(0, n);
      for (const [type, plain] of CASES) {
        const t = getTransformation(type);
        expect(t.apply(s)).toBe(plain(s));
        expect(t.apply('A+B &amp; C')).toBe(plain('A+B &amp; C'));
      }
    }
  });

  it('return the input itself when nothing changes', () => {
    for (const s of ['', 'abc', 'shop.example.com', 'a b/c', 'caf\xe9 \xc0', '\u2603x']) expect(getTransformation('CMD_LINE').apply(s)).toBe(s);
    for (const s of ['', 'abc', '%zz%u12', '100%']) expect(getTransformation('URL_DECODE_UNI').apply(s)).toBe(s);
    for (const s of ['', 'a&b=c', '&', '&#;', '&foo;']) expect(getTransformation('HTML_ENTITY_DECODE').apply(s)).toBe(s);
  });

  it.skipIf(!existsSync(CRS_ROOT))('on every CRS regression stage text and the benign corpus, raw and URL-decoded', () => {
    const texts = [...crsTexts(), ...BENIGN_CORPUS.map(bs), ...BENIGN_CORPUS.map((t) => encodeURIComponent(t))];
    expect(texts.length).toBeGreaterThan(3000);
    let changed = 0;
    for (const raw of texts) {
      for (const s of [raw, plainUrlDecodeUni(raw)]) {
        for (const [type, plain] of CASES) {
          const want = plain(s);
          expect(getTransformation(type).apply(s), `${type} ${JSON.stringify(s.slice(0, 200))}`).toBe(want);
          if (want !== s) changed++;
        }
      }
    }
    expect(changed).toBeGreaterThan(1000);
  });
});

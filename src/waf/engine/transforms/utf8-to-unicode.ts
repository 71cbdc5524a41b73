/**
 * UTF8_TO_UNICODE: every well-formed multi-byte UTF-8 sequence (RFC 3629: no overlong forms, no
 * surrogates, at most U+10FFFF) becomes %uHHHH: lowercase hex of the code point, zero-padded to at
 * least 4 digits (U+1F600 is %u1f600). ASCII bytes and bytes that do not start a well-formed
 * sequence are copied unchanged.
 */
import type { Transformation } from './types.js';

function cont(s: string, i: number): number {
  const c = i < s.length ? s.charCodeAt(i) : -1;
  return (c & 0xc0) === 0x80 && c <= 0xff ? c & 0x3f : -1;
}

/** Decodes the sequence at `i`: returns [codePoint, length] or null. */
function decodeAt(s: string, i: number): [number, number] | null {
  const c = s.charCodeAt(i);
  if (c >= 0xc2 && c <= 0xdf) {
    const c1 = cont(s, i + 1);
    return c1 < 0 ? null : [((c & 0x1f) << 6) | c1, 2];
  }
  if (c >= 0xe0 && c <= 0xef) {
    const c1 = cont(s, i + 1); const c2 = cont(s, i + 2);
    if (c1 < 0 || c2 < 0) return null;
    const cp = ((c & 0x0f) << 12) | (c1 << 6) | c2;
    if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) return null;
    return [cp, 3];
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const c1 = cont(s, i + 1); const c2 = cont(s, i + 2); const c3 = cont(s, i + 3);
    if (c1 < 0 || c2 < 0 || c3 < 0) return null;
    const cp = ((c & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3;
    if (cp < 0x10000 || cp > 0x10ffff) return null;
    return [cp, 4];
  }
  return null;
}

function apply(input: string): string {
  const n = input.length;
  let out = '';
  let start = 0;
  let i = 0;
  while (i < n) {
    if (input.charCodeAt(i) < 0xc2) { i++; continue; }
    const d = decodeAt(input, i);
    if (d === null) { i++; continue; }
    out += input.slice(start, i) + '%u' + d[0].toString(16).padStart(4, '0');
    i += d[1];
    start = i;
  }
  if (start === 0) return input;
  return out + input.slice(start);
}

/** UTF8_TO_UNICODE: UTF-8 sequences to %uHHHH. */
export const utf8ToUnicode: Transformation = { type: 'UTF8_TO_UNICODE', apply };

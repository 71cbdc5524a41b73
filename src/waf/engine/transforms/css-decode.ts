/**
 * CSS_DECODE: CSS 2.x escapes. A backslash followed by 1-6 hex digits yields one byte: the value
 * of a single digit, otherwise the last two digits; for full-width ASCII (U+FF01..U+FF5E written
 * with 4 digits, or with 5-6 digits padded by leading zeros) 0x20 is added, so \FF41 is 'a'. One
 * whitespace byte right after a hex escape is consumed. A backslash before a newline (\n) removes
 * both; before any other byte it is dropped and the byte kept (\; is ;); at the very end it is
 * dropped.
 */
import { fromCodes, hexPair, hexValue, isCSpace } from './bytes.js';
import type { Transformation } from './types.js';

function isF(c: number): boolean {
  return (c | 0x20) === 0x66;
}

function apply(input: string): string {
  const first = input.indexOf('\\');
  if (first < 0) return input;
  const n = input.length;
  const out: number[] = [];
  let i = first;
  while (i < n) {
    const c = input.charCodeAt(i);
    if (c !== 0x5c) {
      out.push(c);
      i++;
      continue;
    }
    i++; // the backslash is never copied
    if (i >= n) break;
    let j = 0;
    while (j < 6 && i + j < n && hexValue(input.charCodeAt(i + j)) >= 0) j++;
    if (j > 0) {
      let b = j === 1 ? hexValue(input.charCodeAt(i)) : hexPair(input, i + j - 2);
      // Full-width ASCII check: the two digits before the last two are "ff", and any digits before
      // them are zeros (U+00FF41 written out).
      let fullWidth = false;
      if (j === 4) fullWidth = true;
      else if (j === 5) fullWidth = input.charCodeAt(i) === 0x30;
      else if (j === 6) fullWidth = input.charCodeAt(i) === 0x30 && input.charCodeAt(i + 1) === 0x30;
      if (fullWidth && b > 0x00 && b < 0x5f && isF(input.charCodeAt(i + j - 3)) && isF(input.charCodeAt(i + j - 4))) {
        b += 0x20;
      }
      out.push(b);
      if (i + j < n && isCSpace(input.charCodeAt(i + j))) j++;
      i += j;
    } else if (input.charCodeAt(i) === 0x0a) {
      i++; // line continuation
    } else {
      out.push(input.charCodeAt(i));
      i++;
    }
  }
  const r = input.slice(0, first) + fromCodes(out);
  return r === input ? input : r;
}

/** CSS_DECODE: decodes CSS 2.x escapes. */
export const cssDecode: Transformation = { type: 'CSS_DECODE', apply };

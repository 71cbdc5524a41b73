/**
 * JS_DECODE: JavaScript escapes. \uHHHH yields one byte, the low byte of HHHH, plus 0x20 for
 * full-width ASCII (high byte FF, low byte 0x01..0x5E: \uFF41 is 'a'); \xHH a byte; \O..\OOO octal
 * (at most 3 digits, and only 2 when the first is 4-7, so the value fits a byte); \a \b \f \n \r \t
 * \v their control byte; any other escaped byte loses its backslash (\' is ', \u12 is u12). A
 * backslash at the very end is kept.
 */
import { fromCodes, hexPair, isHex, isOctal } from './bytes.js';
import type { Transformation } from './types.js';

function simpleEscape(c: number): number {
  switch (c) {
    case 0x61: return 0x07;
    case 0x62: return 0x08;
    case 0x66: return 0x0c;
    case 0x6e: return 0x0a;
    case 0x72: return 0x0d;
    case 0x74: return 0x09;
    case 0x76: return 0x0b;
    default: return c;
  }
}

function apply(input: string): string {
  const first = input.indexOf('\\');
  if (first < 0 || first === input.length - 1) return input;
  const n = input.length;
  const out: number[] = [];
  let i = first;
  while (i < n) {
    const c = input.charCodeAt(i);
    if (c !== 0x5c || i + 1 >= n) {
      out.push(c);
      i++;
      continue;
    }
    const e = input.charCodeAt(i + 1);
    if (e === 0x75 && i + 5 < n && isHex(input.charCodeAt(i + 2)) && isHex(input.charCodeAt(i + 3))
      && isHex(input.charCodeAt(i + 4)) && isHex(input.charCodeAt(i + 5))) {
      let b = hexPair(input, i + 4);
      if (b > 0x00 && b < 0x5f && (input.charCodeAt(i + 2) | 0x20) === 0x66 && (input.charCodeAt(i + 3) | 0x20) === 0x66) {
        b += 0x20;
      }
      out.push(b);
      i += 6;
    } else if (e === 0x78 && i + 3 < n && isHex(input.charCodeAt(i + 2)) && isHex(input.charCodeAt(i + 3))) {
      out.push(hexPair(input, i + 2));
      i += 4;
    } else if (isOctal(e)) {
      const max = e > 0x33 ? 2 : 3;
      let j = i + 1;
      let v = 0;
      while (j < n && j < i + 1 + max && isOctal(input.charCodeAt(j))) {
        v = v * 8 + (input.charCodeAt(j) - 0x30);
        j++;
      }
      out.push(v);
      i = j;
    } else {
      out.push(simpleEscape(e));
      i += 2;
    }
  }
  const r = input.slice(0, first) + fromCodes(out);
  return r === input ? input : r;
}

/** JS_DECODE: decodes JavaScript escape sequences. */
export const jsDecode: Transformation = { type: 'JS_DECODE', apply };

/**
 * ESCAPE_SEQ_DECODE: ANSI C escapes. \a \b \f \n \r \t \v \\ \? \' \" become their byte;
 * \xHH or \XHH (exactly two hex digits) a byte; \O, \OO, \OOO (1-3 octal digits) the low 8 bits of
 * the value (\777 is 0xFF). Any other escaped byte loses its backslash (\z is z, \x4 is x4); a
 * backslash at the very end is kept.
 */
import { fromCodes, hexPair, isHex, isOctal } from './bytes.js';
import type { Transformation } from './types.js';

function simpleEscape(c: number): number {
  switch (c) {
    case 0x61: return 0x07; // a
    case 0x62: return 0x08; // b
    case 0x66: return 0x0c; // f
    case 0x6e: return 0x0a; // n
    case 0x72: return 0x0d; // r
    case 0x74: return 0x09; // t
    case 0x76: return 0x0b; // v
    case 0x5c: case 0x3f: case 0x27: case 0x22: return c; // \ ? ' "
    default: return -1;
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
    const simple = simpleEscape(e);
    if (simple >= 0) {
      out.push(simple);
      i += 2;
    } else if ((e | 0x20) === 0x78 && i + 3 < n && isHex(input.charCodeAt(i + 2)) && isHex(input.charCodeAt(i + 3))) {
      out.push(hexPair(input, i + 2));
      i += 4;
    } else if (isOctal(e)) {
      let j = i + 1;
      let v = 0;
      while (j < n && j < i + 4 && isOctal(input.charCodeAt(j))) {
        v = v * 8 + (input.charCodeAt(j) - 0x30);
        j++;
      }
      out.push(v & 0xff);
      i = j;
    } else {
      out.push(e); // unrecognised escape: drop the backslash
      i += 2;
    }
  }
  const r = input.slice(0, first) + fromCodes(out);
  return r === input ? input : r;
}

/** ESCAPE_SEQ_DECODE: decodes ANSI C escape sequences. */
export const escapeSeqDecode: Transformation = { type: 'ESCAPE_SEQ_DECODE', apply };

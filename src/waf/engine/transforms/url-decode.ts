/**
 * URL_DECODE: %HH (two hex digits, either case) becomes that byte and '+' becomes a space. A '%'
 * not followed by two hex digits (%zz, a truncated %4) is kept as is and decoding goes on after it.
 * One pass: %2541 becomes %41, not A.
 */
import { firstPercentOrPlus, fromCodes, hexPair, isHex } from './bytes.js';
import type { Transformation } from './types.js';

function apply(input: string): string {
  const first = firstPercentOrPlus(input);
  if (first < 0) return input;
  const n = input.length;
  const out: number[] = [];
  let i = first;
  while (i < n) {
    const c = input.charCodeAt(i);
    if (c === 0x25 && i + 2 < n && isHex(input.charCodeAt(i + 1)) && isHex(input.charCodeAt(i + 2))) {
      out.push(hexPair(input, i + 1));
      i += 3;
    } else {
      out.push(c === 0x2b ? 0x20 : c);
      i++;
    }
  }
  const r = input.slice(0, first) + fromCodes(out);
  return r === input ? input : r;
}

/** URL_DECODE: non-strict percent-decoding with '+' as space. */
export const urlDecode: Transformation = { type: 'URL_DECODE', apply };

/**
 * SQL_HEX_DECODE: a SQL hex literal 0xHHHH.. (the '0x' or '0X' followed by at least one pair of hex
 * digits) is replaced by the bytes its digit pairs encode; an odd last digit is kept as is.
 * "0x414243" is "ABC", "0x4142F" is "ABF", "0x" and "0x4" are unchanged.
 */
import { fromCodes, hexPair, isHex } from './bytes.js';
import type { Transformation } from './types.js';

function apply(input: string): string {
  const n = input.length;
  let first = -1;
  for (let i = 0; i + 3 < n; i++) {
    if (input.charCodeAt(i) === 0x30 && (input.charCodeAt(i + 1) | 0x20) === 0x78
      && isHex(input.charCodeAt(i + 2)) && isHex(input.charCodeAt(i + 3))) { first = i; break; }
  }
  if (first < 0) return input;
  const out: number[] = [];
  let i = first;
  while (i < n) {
    const c = input.charCodeAt(i);
    if (c === 0x30 && i + 3 < n && (input.charCodeAt(i + 1) | 0x20) === 0x78
      && isHex(input.charCodeAt(i + 2)) && isHex(input.charCodeAt(i + 3))) {
      i += 2;
      while (i + 1 < n && isHex(input.charCodeAt(i)) && isHex(input.charCodeAt(i + 1))) {
        out.push(hexPair(input, i));
        i += 2;
      }
    } else {
      out.push(c);
      i++;
    }
  }
  return input.slice(0, first) + fromCodes(out);
}

/** SQL_HEX_DECODE: decodes 0x-prefixed SQL hex literals. */
export const sqlHexDecode: Transformation = { type: 'SQL_HEX_DECODE', apply };

/**
 * HEX_DECODE: decodes each pair of hex digits (either case) into one byte. Bytes that are not hex
 * digits, and a hex digit left without a partner (before a non-hex byte or at the end), are copied
 * unchanged. "414243" is "ABC", "41 42" is "A B", "414" is "A4".
 */
import { fromCodes, hexPair, isHex } from './bytes.js';
import type { Transformation } from './types.js';

function apply(input: string): string {
  const n = input.length;
  if (n === 0) return input;
  const out: number[] = [];
  let i = 0;
  while (i < n) {
    const c = input.charCodeAt(i);
    if (i + 1 < n && isHex(c) && isHex(input.charCodeAt(i + 1))) {
      out.push(hexPair(input, i));
      i += 2;
    } else {
      out.push(c);
      i++;
    }
  }
  const r = fromCodes(out);
  return r === input ? input : r;
}

/** HEX_DECODE: hex digit pairs to bytes. */
export const hexDecode: Transformation = { type: 'HEX_DECODE', apply };

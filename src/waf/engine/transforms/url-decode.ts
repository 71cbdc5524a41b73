/**
 * URL_DECODE: %HH (two hex digits, either case) becomes that byte and '+' becomes a space. A '%'
 * not followed by two hex digits (%zz, a truncated %4) is kept as is and decoding goes on after it.
 * One pass: %2541 becomes %41, not A.
 */
import { firstPercentOrPlus, fromCodes, hexPair, hexValue, isHex, latin1Scratch } from './bytes.js';
import type { Transformation } from './types.js';

// eslint-disable-next-line no-control-regex
const NOT_BYTES = /[^\x00-\xff]/;

/**
 * Hot path (form bodies, query strings): the byte string is copied into a reused buffer and
 * decoded there in place (reading bytes from a typed array is several times cheaper than
 * charCodeAt, and the result is one flat string that the next transformation scans quickly).
 */
function apply(input: string): string {
  const first = firstPercentOrPlus(input);
  if (first === -1) return input;
  if (NOT_BYTES.test(input)) return decodeWide(input, first);
  const n = input.length;
  const b = latin1Scratch(input);
  // Decoding only shortens: the write index never passes the read index.
  let r = first;
  let w = r;
  while (r < n) {
    const c = b[r] as number;
    if (c === 0x25 && r + 2 < n) {
      const hi = hexValue(b[r + 1] as number);
      const lo = hexValue(b[r + 2] as number);
      if (hi >= 0 && lo >= 0) {
        b[w++] = (hi << 4) | lo;
        r += 3;
        continue;
      }
    }
    b[w++] = c === 0x2b ? 0x20 : c;
    r++;
  }
  const out = b.toString('latin1', 0, w);
  return out === input ? input : out;
}

/** The general version, for a string with char codes above 0xff (not a byte string). */
function decodeWide(input: string, first: number): string {
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

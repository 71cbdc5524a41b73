/**
 * URL_DECODE_UNI: URL_DECODE plus the Microsoft %uHHHH form ('u' or 'U'). A %uHHHH escape yields
 * one byte, the low byte of HHHH; for full-width ASCII (U+FF01..U+FF5E, i.e. the high byte is FF and
 * the low byte is 0x01..0x5E) 0x20 is added, so %uFF41 is 'a' and %uFF01 is '!'. A %u not followed
 * by four hex digits keeps '%' and 'u' as is and decoding resumes after them.
 */
import { firstPercentOrPlus, fromCodes, hexPair, hexValue, isHex, latin1Scratch } from './bytes.js';
import type { Transformation } from './types.js';

// eslint-disable-next-line no-control-regex
const NOT_BYTES = /[^\x00-\xff]/;

/**
 * As URL_DECODE: a byte string is decoded in place in a reused buffer (decoding only shortens),
 * which is several times cheaper than collecting char codes in a number[] (every header and the
 * body go through URL_DECODE_UNI in the managed rule groups).
 */
function apply(input: string): string {
  const first = firstPercentOrPlus(input);
  if (first === -1) return input;
  if (NOT_BYTES.test(input)) return decodeWide(input, first);
  const n = input.length;
  const b = latin1Scratch(input);
  let r = first;
  let w = r;
  while (r < n) {
    const c = b[r] as number;
    if (c !== 0x25) {
      b[w++] = c === 0x2b ? 0x20 : c;
      r++;
      continue;
    }
    const u = r + 1 < n ? (b[r + 1] as number) : -1;
    if (u === 0x75 || u === 0x55) {
      if (r + 5 < n && isHex(b[r + 2] as number) && isHex(b[r + 3] as number) && isHex(b[r + 4] as number) && isHex(b[r + 5] as number)) {
        let v = (hexValue(b[r + 4] as number) << 4) | hexValue(b[r + 5] as number);
        if (v > 0x00 && v < 0x5f && ((b[r + 2] as number) | 0x20) === 0x66 && ((b[r + 3] as number) | 0x20) === 0x66) v += 0x20;
        b[w++] = v;
        r += 6;
      } else {
        b[w++] = c; // invalid or truncated %u: keep both, continue after them
        b[w++] = u;
        r += 2;
      }
    } else if (r + 2 < n && isHex(u) && isHex(b[r + 2] as number)) {
      b[w++] = (hexValue(u) << 4) | hexValue(b[r + 2] as number);
      r += 3;
    } else {
      b[w++] = c;
      r++;
    }
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
    if (c !== 0x25) {
      out.push(c === 0x2b ? 0x20 : c);
      i++;
      continue;
    }
    const u = i + 1 < n ? input.charCodeAt(i + 1) : -1;
    if (u === 0x75 || u === 0x55) {
      if (i + 5 < n && isHex(input.charCodeAt(i + 2)) && isHex(input.charCodeAt(i + 3))
        && isHex(input.charCodeAt(i + 4)) && isHex(input.charCodeAt(i + 5))) {
        let b = hexPair(input, i + 4);
        if (b > 0x00 && b < 0x5f && (input.charCodeAt(i + 2) | 0x20) === 0x66 && (input.charCodeAt(i + 3) | 0x20) === 0x66) {
          b += 0x20;
        }
        out.push(b);
        i += 6;
      } else {
        out.push(c, u); // invalid or truncated %u: keep both, continue after them
        i += 2;
      }
    } else if (i + 2 < n && isHex(u) && isHex(input.charCodeAt(i + 2))) {
      out.push(hexPair(input, i + 1));
      i += 3;
    } else {
      out.push(c);
      i++;
    }
  }
  const r = input.slice(0, first) + fromCodes(out);
  return r === input ? input : r;
}

/** URL_DECODE_UNI: percent-decoding with %uHHHH support. */
export const urlDecodeUni: Transformation = { type: 'URL_DECODE_UNI', apply };

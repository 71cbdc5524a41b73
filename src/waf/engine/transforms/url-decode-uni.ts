/**
 * URL_DECODE_UNI: URL_DECODE plus the Microsoft %uHHHH form ('u' or 'U'). A %uHHHH escape yields
 * one byte, the low byte of HHHH; for full-width ASCII (U+FF01..U+FF5E, i.e. the high byte is FF and
 * the low byte is 0x01..0x5E) 0x20 is added, so %uFF41 is 'a' and %uFF01 is '!'. A %u not followed
 * by four hex digits keeps '%' and 'u' as is and decoding resumes after them.
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

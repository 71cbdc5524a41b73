/**
 * HTML_ENTITY_DECODE: &quot; &amp; &lt; &gt; &nbsp; (names case-insensitive; the ';' is optional),
 * &#xHH..; (hex, 'x' or 'X') and &#DD..; (decimal), the ';' optional. A numeric entity yields one
 * byte: the low 8 bits of its value (so &#160; and &nbsp; are the byte 0xA0, as AWS documents for
 * &nbsp;). Anything else (unknown names, &#xZZ;, a lone '&') is left as is.
 */
import { byteChar, hexValue } from './bytes.js';
import type { Transformation } from './types.js';

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);
}

/** The byte for a named entity (`s[k..j)`, compared case-insensitively), or -1. */
function namedEntity(s: string, k: number, j: number): number {
  const name = s.slice(k, j).toLowerCase();
  switch (name) {
    case 'quot': return 0x22;
    case 'amp': return 0x26;
    case 'lt': return 0x3c;
    case 'gt': return 0x3e;
    case 'nbsp': return 0xa0;
    default: return -1;
  }
}

/**
 * Copies the text between decoded entities as slices and finds each next '&' with indexOf: bodies
 * and headers have few '&' (form separators) and mostly no entity at all, and then the input
 * itself is returned without building anything.
 */
function apply(input: string): string {
  let i = input.indexOf('&');
  if (i < 0) return input;
  const n = input.length;
  let out = '';
  let start = 0; // input[start..i) is copied as is
  while (i >= 0 && i + 1 < n) {
    let j = i + 1;
    let value = -1;
    if (input.charCodeAt(j) === 0x23) { // '#'
      j++;
      const x = j < n ? input.charCodeAt(j) | 0x20 : -1;
      if (x === 0x78) { // hex
        j++;
        const k = j;
        let v = 0;
        while (j < n) {
          const h = hexValue(input.charCodeAt(j));
          if (h < 0) break;
          v = ((v << 4) | h) & 0xff;
          j++;
        }
        if (j > k) value = v;
      } else {
        const k = j;
        let v = 0;
        while (j < n) {
          const d = input.charCodeAt(j) - 0x30;
          if (d < 0 || d > 9) break;
          v = (v * 10 + d) & 0xff;
          j++;
        }
        if (j > k) value = v;
      }
    } else {
      const k = j;
      while (j < n && isAlnum(input.charCodeAt(j))) j++;
      if (j > k && j - k <= 4) value = namedEntity(input, k, j);
    }
    if (value < 0) {
      i = input.indexOf('&', i + 1);
      continue;
    }
    out += input.slice(start, i) + byteChar(value);
    start = j < n && input.charCodeAt(j) === 0x3b ? j + 1 : j;
    i = input.indexOf('&', start);
  }
  return start === 0 ? input : out + input.slice(start);
}

/** HTML_ENTITY_DECODE: decodes the documented HTML entities. */
export const htmlEntityDecode: Transformation = { type: 'HTML_ENTITY_DECODE', apply };

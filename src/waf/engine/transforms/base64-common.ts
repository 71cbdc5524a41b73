/** The Base64 alphabet decoding shared by BASE64_DECODE and BASE64_DECODE_EXT (internal). */
import { fromCodes } from './bytes.js';

/** Sextet value of each byte in the standard alphabet (A-Z a-z 0-9 + /), -1 otherwise. */
const SEXTET: Int8Array = (() => {
  const t = new Int8Array(256).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < 64; i++) t[alphabet.charCodeAt(i)] = i;
  return t;
})();

/**
 * Decodes `input`. Strict (`skipInvalid` false): stops at the first byte outside the alphabet
 * (including '='). Forgiving: skips every byte outside the alphabet. A final group of 2 or 3
 * sextets yields 1 or 2 bytes; a lone final sextet yields nothing.
 */
export function decodeBase64(input: string, skipInvalid: boolean): string {
  const n = input.length;
  const out: number[] = [];
  let acc = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = SEXTET[input.charCodeAt(i) & 0xff] as number;
    if (v < 0 || input.charCodeAt(i) > 0xff) {
      if (skipInvalid) continue;
      break;
    }
    acc = (acc << 6) | v;
    if (++count === 4) {
      out.push((acc >> 16) & 0xff, (acc >> 8) & 0xff, acc & 0xff);
      acc = 0;
      count = 0;
    }
  }
  if (count === 2) out.push((acc >> 4) & 0xff);
  else if (count === 3) out.push((acc >> 10) & 0xff, (acc >> 2) & 0xff);
  const r = fromCodes(out);
  return r === input ? input : r;
}

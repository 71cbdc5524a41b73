/** LOWERCASE: A-Z to a-z; every other byte (including bytes >= 0x80) is left alone. */
import type { Transformation } from './types.js';

const UPPER = /[A-Z]/;
// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * The regex scans run in native code (a one-byte string is scanned several times faster than a
 * charCodeAt loop), and for an all-ASCII string String.prototype.toLowerCase changes exactly A-Z.
 * Bytes 0x80-0xff (which toLowerCase would map, e.g. 0xc0 to 0xe0) take the byte loop.
 */
function apply(input: string): string {
  if (!UPPER.test(input)) return input;
  if (!NON_ASCII.test(input)) return input.toLowerCase();
  return lowerBytes(input);
}

function lowerBytes(input: string): string {
  const n = input.length;
  let i = 0;
  for (; i < n; i++) {
    const c = input.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) break;
  }
  if (i === n) return input;
  let out = input.slice(0, i);
  let start = i;
  for (; i < n; i++) {
    const c = input.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) {
      if (start < i) out += input.slice(start, i);
      out += String.fromCharCode(c | 0x20);
      start = i + 1;
    }
  }
  return start < n ? out + input.slice(start) : out;
}

/** LOWERCASE: converts ASCII A-Z to a-z only. */
export const lowercase: Transformation = { type: 'LOWERCASE', apply };

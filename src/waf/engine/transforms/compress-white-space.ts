/**
 * COMPRESS_WHITE_SPACE: \f \t \n \r \v and the non-breaking space (0xA0) become a space, then every
 * run of spaces becomes one space.
 */
import type { Transformation } from './types.js';

function isWs(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0;
}

function apply(input: string): string {
  const n = input.length;
  // Fast path: find the first place where something changes.
  let i = 0;
  for (; i < n; i++) {
    const c = input.charCodeAt(i);
    if (c === 0x20) {
      if (i + 1 < n && isWs(input.charCodeAt(i + 1))) break;
    } else if (isWs(c)) break;
  }
  if (i === n) return input;
  let out = input.slice(0, i);
  let start = i;
  while (i < n) {
    const c = input.charCodeAt(i);
    if (!isWs(c)) { i++; continue; }
    let j = i + 1;
    while (j < n && isWs(input.charCodeAt(j))) j++;
    if (c === 0x20 && j === i + 1) { i = j; continue; } // a single plain space: unchanged
    out += input.slice(start, i) + ' ';
    start = j;
    i = j;
  }
  return start < n ? out + input.slice(start) : out;
}

/** COMPRESS_WHITE_SPACE: whitespace to space, runs of spaces to one. */
export const compressWhiteSpace: Transformation = { type: 'COMPRESS_WHITE_SPACE', apply };

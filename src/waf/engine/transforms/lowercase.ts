/** LOWERCASE: A-Z to a-z; every other byte (including bytes >= 0x80) is left alone. */
import type { Transformation } from './types.js';

function apply(input: string): string {
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

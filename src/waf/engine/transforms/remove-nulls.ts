/** REMOVE_NULLS: deletes every NUL (0x00) byte. */
import type { Transformation } from './types.js';

function apply(input: string): string {
  let i = input.indexOf('\0');
  if (i < 0) return input;
  let out = '';
  let start = 0;
  while (i >= 0) {
    out += input.slice(start, i);
    start = i + 1;
    i = input.indexOf('\0', start);
  }
  return out + input.slice(start);
}

/** REMOVE_NULLS: removes all NUL bytes. */
export const removeNulls: Transformation = { type: 'REMOVE_NULLS', apply };

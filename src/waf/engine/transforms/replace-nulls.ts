/** REPLACE_NULLS: replaces every NUL (0x00) byte with a space (0x20). */
import type { Transformation } from './types.js';

function apply(input: string): string {
  return input.indexOf('\0') < 0 ? input : input.replaceAll('\0', ' ');
}

/** REPLACE_NULLS: NUL bytes become spaces. */
export const replaceNulls: Transformation = { type: 'REPLACE_NULLS', apply };

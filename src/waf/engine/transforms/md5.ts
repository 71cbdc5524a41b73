/** MD5: the 16-byte binary MD5 digest of the input bytes, as a byte string. */
import { createHash } from 'node:crypto';
import type { Transformation } from './types.js';

function apply(input: string): string {
  return createHash('md5').update(input, 'latin1').digest().toString('latin1');
}

/** MD5: always 16 bytes (the digest of '' for empty input). */
export const md5: Transformation = { type: 'MD5', apply };

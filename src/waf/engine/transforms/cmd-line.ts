/**
 * CMD_LINE: deletes \ " ' ^; turns , ; space \t \r \n into a space, one per run; deletes the space
 * before / and (; lowercases A-Z. One pass, as ModSecurity's cmdLine (whose behaviour the AWS list
 * of steps describes).
 */
import { fromCodes, latin1Scratch } from './bytes.js';
import type { Transformation } from './types.js';

// eslint-disable-next-line no-control-regex
const NOT_BYTES = /[^\x00-\xff]/;
/**
 * Something the transformation changes: a deleted byte, a separator other than a space, a space
 * after a space or before / or (, an upper-case letter. Without one the output is the input.
 */
const CHANGES = /["'\\^,;\t\r\n]| [ /(]|[A-Z]/;

/**
 * The output is never longer than the input (bytes are only deleted, merged or lowercased), so a
 * byte string is rewritten in place in a reused buffer: reading a typed array and writing one flat
 * result is several times cheaper than a number[] of codes per value (a 1 KB form body goes
 * through CMD_LINE under several fields and chains per request).
 */
function apply(input: string): string {
  const n = input.length;
  if (n === 0 || !CHANGES.test(input)) return input;
  if (NOT_BYTES.test(input)) return applyWide(input);
  const b = latin1Scratch(input);
  let w = 0;
  let space = false;
  for (let r = 0; r < n; r++) {
    const c = b[r] as number;
    switch (c) {
      case 0x22: case 0x27: case 0x5c: case 0x5e:
        break;
      case 0x20: case 0x2c: case 0x3b: case 0x09: case 0x0d: case 0x0a:
        if (!space) { b[w++] = 0x20; space = true; }
        break;
      case 0x2f: case 0x28:
        if (space) w--;
        space = false;
        b[w++] = c;
        break;
      default:
        b[w++] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
        space = false;
    }
  }
  const out = b.toString('latin1', 0, w);
  return out === input ? input : out;
}

/** The general version, for a string with char codes above 0xff (not a byte string). */
function applyWide(input: string): string {
  const n = input.length;
  const out: number[] = [];
  let space = false;
  for (let i = 0; i < n; i++) {
    const c = input.charCodeAt(i);
    switch (c) {
      case 0x22: case 0x27: case 0x5c: case 0x5e: // " ' \ ^ : deleted (spacing state kept)
        break;
      case 0x20: case 0x2c: case 0x3b: case 0x09: case 0x0d: case 0x0a: // space , ; \t \r \n
        if (!space) { out.push(0x20); space = true; }
        break;
      case 0x2f: case 0x28: // / ( : drop the space before
        if (space) out.pop();
        space = false;
        out.push(c);
        break;
      default:
        out.push(c >= 0x41 && c <= 0x5a ? c | 0x20 : c);
        space = false;
    }
  }
  const r = fromCodes(out);
  return r === input ? input : r;
}

/** CMD_LINE: command-line normalization. */
export const cmdLine: Transformation = { type: 'CMD_LINE', apply };

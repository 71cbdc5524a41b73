/**
 * CMD_LINE: deletes \ " ' ^; turns , ; space \t \r \n into a space, one per run; deletes the space
 * before / and (; lowercases A-Z. One pass, as ModSecurity's cmdLine (whose behaviour the AWS list
 * of steps describes).
 */
import { fromCodes } from './bytes.js';
import type { Transformation } from './types.js';

function apply(input: string): string {
  const n = input.length;
  if (n === 0) return input;
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

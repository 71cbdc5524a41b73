/**
 * REPLACE_COMMENTS: each C-style comment "/* ... *\/" becomes one space; an unterminated comment
 * running to the end becomes one space; a lone "*\/" is left as is. Consecutive comments each
 * become a space ("/**\/\/**\/" is two spaces).
 */
import type { Transformation } from './types.js';

function apply(input: string): string {
  let open = input.indexOf('/*');
  if (open < 0) return input;
  let out = '';
  let start = 0;
  while (open >= 0) {
    out += input.slice(start, open) + ' ';
    const close = input.indexOf('*/', open + 2);
    if (close < 0) return out;
    start = close + 2;
    open = input.indexOf('/*', start);
  }
  return out + input.slice(start);
}

/** REPLACE_COMMENTS: C-style comments to a single space. */
export const replaceComments: Transformation = { type: 'REPLACE_COMMENTS', apply };

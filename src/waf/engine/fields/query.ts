/** Query string parsing for the query argument fields (internal to fields/). */
import { getTransformation } from '../transforms/index.js';
import { asciiLower } from './config.js';

const urlDecode = getTransformation('URL_DECODE');

/**
 * Splits a raw query string into arguments on '&' (not ';'). Empty pieces are skipped; a piece
 * without '=' is an argument with an empty value; the name ends at the first '='. Names and values
 * stay raw (percent-escapes and '+' untouched): transformations decode them.
 */
export function forEachQueryArg(query: string, fn: (nameStart: number, nameEnd: number, valueStart: number, valueEnd: number) => void): void {
  const n = query.length;
  let i = 0;
  while (i < n) {
    let end = query.indexOf('&', i);
    if (end < 0) end = n;
    if (end > i) {
      const eq = query.indexOf('=', i);
      if (eq < 0 || eq > end) fn(i, end, end, end);
      else fn(i, eq, eq + 1, end);
    }
    i = end + 1;
  }
}

/** The name an argument is matched under: URL-decoded and ASCII-lowercased. */
export function argMatchName(rawName: string): string {
  return asciiLower(urlDecode.apply(rawName));
}

/**
 * The inspection limits AWS WAF applies to headers and cookies, and cookie parsing (internal to
 * fields/). AWS inspects at most the first 200 headers and 8 KB of header contents, and at most the
 * first 200 cookies and 8 KB of cookie contents, "up to the first limit reached".
 */
import type { InspectedRequest } from '../types.js';

/** At most this many headers or cookies are inspected. */
export const MAX_ITEMS = 200;
/** At most this many bytes of header or cookie contents are inspected. */
export const MAX_BYTES = 8192;

/**
 * How many leading headers fit the limits, and whether some did not. A header's size is its wire
 * size "name: value\r\n" (name + value + 4 bytes); only whole headers are inspected.
 */
export function inspectableHeaderCount(req: InspectedRequest): { count: number; oversize: boolean } {
  const headers = req.headers;
  const n = headers.length;
  let size = 0;
  for (let i = 0; i < n; i++) {
    if (i >= MAX_ITEMS) return { count: i, oversize: true };
    const h = headers[i] as readonly [string, string];
    size += h[0].length + h[1].length + 4;
    if (size > MAX_BYTES) return { count: i, oversize: true };
  }
  return { count: n, oversize: false };
}

/** One cookie of a Cookie header: the name and value as the application sees them. */
export interface Cookie {
  readonly name: string;
  readonly value: string;
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/**
 * Parses every Cookie header (name matched case-insensitively; several Cookie headers, as HTTP/2
 * sends, are read in order). Pairs are separated by ';'; spaces and tabs around names and values are
 * trimmed; the name ends at the first '='; a pair without '=' is a cookie with that name and an
 * empty value; empty pairs are skipped; one pair of surrounding double quotes is removed from the
 * value. Stops after MAX_ITEMS cookies or MAX_BYTES of cookie contents (each pair's trimmed length
 * plus 2 for the "; " separator); `oversize` tells whether anything was left.
 */
export function parseCookies(req: InspectedRequest): { cookies: Cookie[]; oversize: boolean } {
  const cookies: Cookie[] = [];
  let size = 0;
  const headers = req.headers;
  for (let h = 0; h < headers.length; h++) {
    const header = headers[h] as readonly [string, string];
    if (header[0].length !== 6 || header[0].toLowerCase() !== 'cookie') continue;
    const s = header[1];
    const n = s.length;
    let i = 0;
    while (i < n) {
      let end = s.indexOf(';', i);
      if (end < 0) end = n;
      let a = i;
      let b = end;
      while (a < b && isOws(s.charCodeAt(a))) a++;
      while (b > a && isOws(s.charCodeAt(b - 1))) b--;
      i = end + 1;
      if (a === b) continue;
      if (cookies.length >= MAX_ITEMS) return { cookies, oversize: true };
      size += b - a + 2;
      if (size > MAX_BYTES) return { cookies, oversize: true };
      const eq = s.indexOf('=', a);
      if (eq < 0 || eq >= b) {
        cookies.push({ name: s.slice(a, b), value: '' });
        continue;
      }
      let ne = eq;
      while (ne > a && isOws(s.charCodeAt(ne - 1))) ne--;
      let vs = eq + 1;
      while (vs < b && isOws(s.charCodeAt(vs))) vs++;
      let ve = b;
      if (ve - vs >= 2 && s.charCodeAt(vs) === 0x22 && s.charCodeAt(ve - 1) === 0x22) { vs++; ve--; }
      cookies.push({ name: s.slice(a, ne), value: s.slice(vs, ve) });
    }
  }
  return { cookies, oversize: false };
}

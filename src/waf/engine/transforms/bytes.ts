/** Small char-code helpers shared by the decoding transformations (internal to transforms/). */

/** The value of hex digit `c` (a char code), or -1 when it is not one. */
export function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** True for 0-9, A-F, a-f. */
export function isHex(c: number): boolean {
  return hexValue(c) >= 0;
}

/** True for 0-7. */
export function isOctal(c: number): boolean {
  return c >= 0x30 && c <= 0x37;
}

/** The byte two hex digits at `s[i]`, `s[i+1]` encode (both must be hex digits). */
export function hexPair(s: string, i: number): number {
  return (hexValue(s.charCodeAt(i)) << 4) | hexValue(s.charCodeAt(i + 1));
}

/** C isspace() in the "C" locale: space, \t, \n, \v, \f, \r. */
export function isCSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** String.fromCharCode for one byte, from a small table (no allocation for the common case). */
const BYTE_CHARS: readonly string[] = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i));

/** The one-char string for byte `b` (0..255). */
export function byteChar(b: number): string {
  return BYTE_CHARS[b & 0xff] as string;
}

/** Appends the UTF-8 encoding of code point `cp` (0..0x10FFFF, surrogates encoded as such) as bytes. */
export function utf8Bytes(cp: number): string {
  if (cp < 0x80) return byteChar(cp);
  if (cp < 0x800) return byteChar(0xc0 | (cp >> 6)) + byteChar(0x80 | (cp & 0x3f));
  if (cp < 0x10000) {
    return byteChar(0xe0 | (cp >> 12)) + byteChar(0x80 | ((cp >> 6) & 0x3f)) + byteChar(0x80 | (cp & 0x3f));
  }
  return byteChar(0xf0 | (cp >> 18)) + byteChar(0x80 | ((cp >> 12) & 0x3f))
    + byteChar(0x80 | ((cp >> 6) & 0x3f)) + byteChar(0x80 | (cp & 0x3f));
}

/** The byte string of `codes` (each 0..255), built in chunks to stay under argument limits. */
export function fromCodes(codes: readonly number[]): string {
  const n = codes.length;
  if (n <= 8192) return String.fromCharCode.apply(null, codes as number[]);
  let s = '';
  for (let i = 0; i < n; i += 8192) s += String.fromCharCode.apply(null, codes.slice(i, i + 8192) as number[]);
  return s;
}

/** Index of the first '%' or '+' (where URL decoding has work to do), or -1. */
export function firstPercentOrPlus(input: string): number {
  const n = input.length;
  for (let i = 0; i < n; i++) {
    const c = input.charCodeAt(i);
    if (c === 0x25 || c === 0x2b) return i;
  }
  return -1;
}

/** Small char-code helpers shared by the decoding transformations (internal to transforms/). */

/** The shared working buffer of {@link latin1Scratch}. */
let scratch = Buffer.allocUnsafe(4096);
/** Largest reused buffer: longer values (rare: big headers or bodies) get a buffer of their own. */
const SCRATCH_MAX = 128 * 1024;

/**
 * A buffer holding the byte string `input` (every char ≤ 0xFF) as bytes, for transformations that
 * rewrite it in place because their output is never longer (URL_DECODE, URL_DECODE_UNI, CMD_LINE):
 * reading a typed array and writing one flat result is several times cheaper than charCodeAt and a
 * number[] of codes. One buffer serves them all: each uses it synchronously and returns a copy, so
 * the next call may overwrite it.
 */
export function latin1Scratch(input: string): Buffer {
  const n = input.length;
  if (scratch.length < n && n <= SCRATCH_MAX) scratch = Buffer.allocUnsafe(Math.min(SCRATCH_MAX, Math.max(n, scratch.length * 2)));
  const b = n <= scratch.length ? scratch : Buffer.allocUnsafe(n);
  b.write(input, 0, n, 'latin1');
  return b;
}

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
  // Two native scans are cheaper than one charCodeAt loop over the value.
  const pct = input.indexOf('%');
  const plus = input.indexOf('+');
  return pct === -1 ? plus : plus === -1 ? pct : Math.min(pct, plus);
}

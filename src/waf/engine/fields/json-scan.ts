/**
 * A forgiving, iterative JSON scanner for JsonBody (internal to fields/). Like AWS WAF it accepts a
 * missing comma between members or elements, a missing colon, repeated colons, and a trailing comma;
 * it fails on a root that is not an object or array, invalid tokens or escapes, unescaped control
 * characters in strings, duplicate keys in an object, truncation, and non-whitespace after the root.
 * It works on byte strings: string contents keep their raw bytes, \uXXXX escapes become UTF-8 bytes.
 * No recursion, so deep nesting cannot overflow the stack.
 */
import { byteChar, hexValue, utf8Bytes } from '../transforms/bytes.js';

/** Receives the tokens in document order; `included` tells whether the token's path is included. */
export interface JsonSink {
  key(key: string, included: boolean): void;
  value(value: string, included: boolean): void;
}

/**
 * Included paths as decoded JSON Pointer segment lists; [] (the root) includes everything. `null`
 * means no filter (MatchPattern All).
 */
export type IncludedPaths = readonly (readonly string[])[] | null;

interface Frame {
  readonly array: boolean;
  readonly keys: Set<string> | null;
  index: number;
  needSep: boolean;
  readonly included: boolean;
  /** Indices of included paths that this container's path is a proper prefix of. */
  readonly candidates: readonly number[];
  readonly depth: number;
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Scans `s`, feeding `sink`; returns true when the whole text parsed. */
export function scanJson(s: string, paths: IncludedPaths, sink: JsonSink): boolean {
  const n = s.length;
  let pos = 0;
  while (pos < n && isWs(s.charCodeAt(pos))) pos++;
  const c0 = pos < n ? s.charCodeAt(pos) : -1;
  if (c0 !== 0x7b && c0 !== 0x5b) return false;

  const allPaths = paths === null || paths.some((p) => p.length === 0);
  const rootCandidates = allPaths || paths === null ? [] : paths.map((_, i) => i);
  const stack: Frame[] = [];
  const open = (array: boolean, included: boolean, candidates: readonly number[], depth: number): void => {
    stack.push({ array, keys: array ? null : new Set(), index: 0, needSep: false, included, candidates, depth });
  };
  open(c0 === 0x5b, allPaths, rootCandidates, 0);
  pos++;

  // Resolves a child segment of `f`: [included, candidates for a container child].
  const child = (f: Frame, seg: string): [boolean, readonly number[]] => {
    if (f.included || paths === null) return [true, []];
    let inc = false;
    let next: number[] | null = null;
    for (const i of f.candidates) {
      const p = paths[i] as readonly string[];
      if (p[f.depth] !== seg) continue;
      if (p.length === f.depth + 1) inc = true;
      else (next ??= []).push(i);
    }
    return [inc, next ?? []];
  };

  let str = ''; // the last string read by readString
  const readString = (): boolean => {
    // s[pos] is '"'
    let i = pos + 1;
    let out = '';
    let start = i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        str = out + s.slice(start, i);
        pos = i + 1;
        return true;
      }
      if (c < 0x20) return false;
      if (c !== 0x5c) { i++; continue; }
      out += s.slice(start, i);
      if (i + 1 >= n) return false;
      const e = s.charCodeAt(i + 1);
      switch (e) {
        case 0x22: case 0x5c: case 0x2f: out += byteChar(e); i += 2; break;
        case 0x62: out += '\b'; i += 2; break;
        case 0x66: out += '\f'; i += 2; break;
        case 0x6e: out += '\n'; i += 2; break;
        case 0x72: out += '\r'; i += 2; break;
        case 0x74: out += '\t'; i += 2; break;
        case 0x75: {
          let cp = hex4(s, i + 2);
          if (cp < 0) return false;
          i += 6;
          if (cp >= 0xd800 && cp <= 0xdbff && s.charCodeAt(i) === 0x5c && s.charCodeAt(i + 1) === 0x75) {
            const lo = hex4(s, i + 2);
            if (lo >= 0xdc00 && lo <= 0xdfff) {
              cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
              i += 6;
            }
          }
          out += utf8Bytes(cp);
          break;
        }
        default: return false;
      }
      start = i;
    }
    return false;
  };

  // Reads a scalar (not a string) at pos: literal or number. Returns its text or null.
  const readScalar = (): string | null => {
    const c = s.charCodeAt(pos);
    for (const lit of ['true', 'false', 'null']) {
      if (c === lit.charCodeAt(0)) {
        if (s.startsWith(lit, pos)) { pos += lit.length; return lit; }
        return null;
      }
    }
    const start = pos;
    let i = pos;
    if (s.charCodeAt(i) === 0x2d) i++;
    const intStart = i;
    while (i < n && isDigit(s.charCodeAt(i))) i++;
    if (i === intStart || (s.charCodeAt(intStart) === 0x30 && i - intStart > 1)) return null;
    if (s.charCodeAt(i) === 0x2e) {
      const f = ++i;
      while (i < n && isDigit(s.charCodeAt(i))) i++;
      if (i === f) return null;
    }
    if ((s.charCodeAt(i) | 0x20) === 0x65) {
      i++;
      if (s.charCodeAt(i) === 0x2b || s.charCodeAt(i) === 0x2d) i++;
      const e = i;
      while (i < n && isDigit(s.charCodeAt(i))) i++;
      if (i === e) return null;
    }
    if (i >= n) return null; // a number running into the end may be truncated
    pos = i;
    return s.slice(start, i);
  };

  while (stack.length > 0) {
    const f = stack[stack.length - 1] as Frame;
    while (pos < n && isWs(s.charCodeAt(pos))) pos++;
    if (pos >= n) return false;
    const c = s.charCodeAt(pos);
    if (c === (f.array ? 0x5d : 0x7d)) { // ] or }
      pos++;
      stack.pop();
      continue;
    }
    if (c === 0x2c) { // ,
      if (!f.needSep) return false;
      f.needSep = false;
      pos++;
      continue;
    }
    let seg: string;
    if (f.array) {
      seg = String(f.index++);
    } else {
      if (c !== 0x22 || !readString()) return false;
      seg = str;
      if ((f.keys as Set<string>).has(seg)) return false; // duplicate key
      (f.keys as Set<string>).add(seg);
      const [inc] = child(f, seg);
      sink.key(seg, inc);
      while (pos < n) { // any number of ':' (or none), with whitespace
        const d = s.charCodeAt(pos);
        if (d === 0x3a || isWs(d)) pos++;
        else break;
      }
      if (pos >= n) return false;
    }
    f.needSep = true;
    const v = s.charCodeAt(pos);
    const [inc, cands] = child(f, seg);
    if (v === 0x7b || v === 0x5b) {
      pos++;
      open(v === 0x5b, inc, cands, f.depth + 1);
    } else if (v === 0x22) {
      if (!readString()) return false;
      sink.value(str, inc);
    } else {
      const t = readScalar();
      if (t === null) return false;
      sink.value(t, inc);
    }
  }
  while (pos < n && isWs(s.charCodeAt(pos))) pos++;
  return pos === n;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function hex4(s: string, i: number): number {
  if (i + 4 > s.length) return -1;
  let v = 0;
  for (let k = 0; k < 4; k++) {
    const h = hexValue(s.charCodeAt(i + k));
    if (h < 0) return -1;
    v = (v << 4) | h;
  }
  return v;
}

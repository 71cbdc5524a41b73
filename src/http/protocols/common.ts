/** Small helpers shared by the protocol walkers. */
import { AwsError } from '../../errors/index.js';

/** Nesting bound for every walker; deeper input is a SerializationException (or ValidationError). */
export const MAX_DEPTH = 64;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict standard base64 (padding optional, but if present it must be right). */
export function decodeBase64(s: string): Buffer | undefined {
  if (!BASE64.test(s)) return undefined;
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  if (pad > 0 && s.length % 4 !== 0) return undefined;
  if (pad === 0 && s.length % 4 === 1) return undefined;
  return Buffer.from(s, 'base64');
}

/** True for own enumerable-or-not properties, never the prototype chain. */
export function hasOwn(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

/** A plain object or a Map, i.e. something a handler may return for a map shape. */
export function mapEntries(v: unknown): [string, unknown][] | undefined {
  if (v instanceof Map) return [...(v as Map<unknown, unknown>)].map(([k, x]) => [String(k), x]);
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v) && !(v instanceof Date)) {
    return Object.entries(v);
  }
  return undefined;
}

/** A fresh object for map values: no prototype, so keys like `__proto__` are plain data. */
export function newMap(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>;
}

/** Throws the JSON protocols' decoding error. */
export function serialization(message: string): AwsError {
  return new AwsError('SerializationException', message);
}

/** Handler output that does not fit the model: a programming error, reported as a TypeError. */
export function badOutput(path: string, expected: string): TypeError {
  return new TypeError(`output member ${path || '<root>'}: expected ${expected}`);
}

/** Coerces handler output to a Date (Date or ISO-8601 string). */
export function outputDate(v: unknown, path: string): Date {
  if (v instanceof Date && !Number.isNaN(v.getTime())) return v;
  if (typeof v === 'string') {
    const d = new Date(v);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw badOutput(path, 'a Date');
}

/** Coerces handler output to bytes. */
export function outputBytes(v: unknown, path: string): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  throw badOutput(path, 'a Buffer');
}

/** Coerces handler output to a number of the given kind. */
export function outputNumber(v: unknown, kind: 'integer' | 'long' | 'float' | 'double', path: string): number {
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number') throw badOutput(path, `a number (${kind})`);
  if ((kind === 'integer' || kind === 'long') && !Number.isInteger(n)) throw badOutput(path, `an integer (${kind})`);
  return n;
}

/** Text for a double/float that the JSON and XML wires can both carry. */
export function nonFiniteName(n: number): string {
  return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
}

/** Truncates text quoted back to the caller in error messages. */
export function clip(s: string, max = 256): string {
  return s.length <= max ? s : s.slice(0, max) + '...';
}

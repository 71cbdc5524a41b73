/** Validation helpers shared by statement factories: typed reads of the stored JSON with AWS-style errors. */
import { WafConfigError } from '../errors.js';
import type { Json } from './types.js';

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v) && !(v instanceof Uint8Array);
}

export function obj(spec: Json, key: string, field: string, path: string): Json {
  const v = spec[key];
  if (!isObject(v)) throw new WafConfigError(field, `${path}.${key}`, `${key} is required and must be an object`);
  return v;
}

export function optObj(spec: Json, key: string, field: string, path: string): Json | undefined {
  const v = spec[key];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new WafConfigError(field, `${path}.${key}`, `${key} must be an object`);
  return v;
}

export function str(spec: Json, key: string, field: string, path: string): string {
  const v = spec[key];
  if (typeof v !== 'string' || v.length === 0) throw new WafConfigError(field, `${path}.${key}`, `${key} is required and must be a non-empty string`);
  return v;
}

export function optStr(spec: Json, key: string, field: string, path: string): string | undefined {
  const v = spec[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new WafConfigError(field, `${path}.${key}`, `${key} must be a string`);
  return v;
}

export function num(spec: Json, key: string, field: string, path: string): number {
  const v = spec[key];
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new WafConfigError(field, `${path}.${key}`, `${key} is required and must be a number`);
  return n;
}

export function arr(spec: Json, key: string, field: string, path: string): unknown[] {
  const v = spec[key];
  if (!Array.isArray(v)) throw new WafConfigError(field, `${path}.${key}`, `${key} is required and must be a list`);
  return v;
}

export function oneOf<T extends string>(spec: Json, key: string, allowed: readonly T[], field: string, path: string, dflt?: T): T {
  const v = spec[key];
  if ((v === undefined || v === null) && dflt !== undefined) return dflt;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new WafConfigError(field, `${path}.${key}`, `${key} must be one of ${allowed.join(', ')}`);
  }
  return v as T;
}

/** A blob (Buffer/Uint8Array, or an already-decoded string) as a byte string (latin1, one char per byte). */
export function blobToByteString(v: unknown): string | undefined {
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1');
  // A string is the decoded text (the SDK's view of SearchString): its UTF-8 bytes are searched.
  if (typeof v === 'string') return Buffer.from(v, 'utf8').toString('latin1');
  return undefined;
}

/** A text string (regex, header name) as the byte string of its UTF-8 encoding. */
export function utf8ToByteString(s: string): string {
  // ASCII fast path: most patterns are ASCII and need no conversion.
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.from(s, 'utf8').toString('latin1');
  return s;
}

/**
 * The results of a pure compile step by its input text (a pattern, a pattern list, a literal list),
 * shared by every web ACL compiled in the thread: web ACLs are compiled again after any change to
 * the WAF's entities, and the same inputs recur. Cleared when `max` entries are reached (inputs come
 * from configuration). A `make` that throws stores nothing.
 */
export class CompileMemo<V> {
  private readonly byKey = new Map<string, V>();

  constructor(private readonly max: number) {}

  get(key: string, make: () => V): V {
    let v = this.byKey.get(key);
    if (v === undefined && !this.byKey.has(key)) {
      v = make();
      if (this.byKey.size >= this.max) this.byKey.clear();
      this.byKey.set(key, v);
    }
    return v as V;
  }
}

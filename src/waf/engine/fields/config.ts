/** Validation helpers for FieldToMatch JSON (internal to fields/). Errors name the exact setting. */
import { lowercase } from '../transforms/lowercase.js';

/** The options that FieldToMatch settings share. */
export type OversizeHandling = 'CONTINUE' | 'MATCH' | 'NO_MATCH';
export type MatchScope = 'ALL' | 'KEY' | 'VALUE';
export type FallbackBehavior = 'MATCH' | 'NO_MATCH';

const OVERSIZE = ['CONTINUE', 'MATCH', 'NO_MATCH'] as const;
const SCOPES = ['ALL', 'KEY', 'VALUE'] as const;
const FALLBACKS = ['MATCH', 'NO_MATCH'] as const;

/** Throws the configuration error for `path`. */
export function invalid(path: string, message: string): never {
  throw new Error(`Invalid FieldToMatch: ${path} ${message}`);
}

/** `value` as a plain object with only `allowed` members; throws otherwise. */
export function objectWith(value: unknown, path: string, allowed: readonly string[]): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) invalid(path, 'must be an object');
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) invalid(`${path}.${k}`, `is not a valid setting (valid: ${allowed.length ? allowed.join(', ') : 'none'})`);
  }
  return obj;
}

/** One of `values`, required. */
export function enumOf<T extends string>(value: unknown, path: string, values: readonly T[]): T {
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
    invalid(path, `must be one of ${values.join(', ')}${value === undefined ? ' (it is required)' : ''}`);
  }
  return value as T;
}

export function oversizeHandling(obj: Record<string, unknown>, path: string, required: boolean): OversizeHandling {
  const v = obj['OversizeHandling'];
  if (v === undefined && !required) return 'CONTINUE';
  return enumOf(v, `${path}.OversizeHandling`, OVERSIZE);
}

export function matchScope(obj: Record<string, unknown>, path: string): MatchScope {
  return enumOf(obj['MatchScope'], `${path}.MatchScope`, SCOPES);
}

export function fallbackBehavior(obj: Record<string, unknown>, path: string, required: boolean): FallbackBehavior | undefined {
  const v = obj['FallbackBehavior'];
  if (v === undefined && !required) return undefined;
  return enumOf(v, `${path}.FallbackBehavior`, FALLBACKS);
}

/** A string of `min`..`max` chars containing a non-whitespace char (FieldToMatchData and friends). */
export function nameString(value: unknown, path: string, max: number): string {
  if (typeof value !== 'string' || value.length < 1 || value.length > max || !/\S/.test(value)) {
    invalid(path, `must be a string of 1 to ${max} characters that is not all whitespace`);
  }
  return value;
}

/** A non-empty list of at most `maxItems` name strings. */
export function nameList(value: unknown, path: string, maxItems: number, maxLen: number): string[] {
  if (!Array.isArray(value) || value.length < 1 || value.length > maxItems) {
    invalid(path, `must be a list of 1 to ${maxItems} names`);
  }
  return value.map((v, i) => nameString(v, `${path}[${i}]`, maxLen));
}

/** An "All": {} marker. */
export function allMarker(value: unknown, path: string): void {
  objectWith(value, path, []);
}

/** A JS string as the byte string of its UTF-8 encoding (config names vs request bytes). */
export function toByteString(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(s) ? s : Buffer.from(s, 'utf8').toString('latin1');
}

/** ASCII-lowercases a byte string (A-Z only), returning the same string when nothing changes. */
export function asciiLower(s: string): string {
  return lowercase.apply(s);
}

/**
 * The MatchPattern of Headers/Cookies: All, Included or Excluded names (exactly one). Returns the
 * mode and the names (lowercased when `caseInsensitive`).
 */
export function mapMatchPattern(
  value: unknown, path: string, includedKey: string, excludedKey: string, maxLen: number, caseInsensitive: boolean,
): { mode: 'ALL' | 'INCLUDED' | 'EXCLUDED'; names: ReadonlySet<string>; sorted: string[] } {
  const mp = objectWith(value, path, ['All', includedKey, excludedKey]);
  const set = ['All', includedKey, excludedKey].filter((k) => mp[k] !== undefined && mp[k] !== null);
  if (set.length !== 1) invalid(path, `must specify exactly one of All, ${includedKey}, ${excludedKey}`);
  if (set[0] === 'All') {
    allMarker(mp['All'], `${path}.All`);
    return { mode: 'ALL', names: new Set(), sorted: [] };
  }
  const key = set[0] as string;
  const names = nameList(mp[key], `${path}.${key}`, 199, maxLen).map((n) => {
    const b = toByteString(n);
    return caseInsensitive ? asciiLower(b) : b;
  });
  const sorted = [...new Set(names)].sort();
  return { mode: key === includedKey ? 'INCLUDED' : 'EXCLUDED', names: new Set(sorted), sorted };
}

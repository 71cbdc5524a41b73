/**
 * Regex compilation for RegexMatch and RegexPatternSetReference: RE2 (linear time, no catastrophic
 * backtracking). Patterns are matched against byte strings; a pattern is converted to the byte
 * string of its UTF-8 encoding so non-ASCII literals match the request's bytes.
 */
import RE2 from 're2';
import { WafConfigError } from '../errors.js';
import { utf8ToByteString } from './util.js';

/** A compiled pattern: test(input) on a byte string (or on its UTF-8 encoding, as RE2 matches it). */
export interface ByteRegex {
  test(input: string | Buffer): boolean;
}

/**
 * Compiled patterns by pattern text. A web ACL is compiled again after any change to the WAF's
 * entities (an IP set updated by Shield's mitigation or GuardDuty's response, say), and the managed
 * rule groups alone bring hundreds of patterns: building each RE2 program again was a fifth of such
 * a recompile. An RE2 without the global flag keeps no state between test() calls, so one compiled
 * pattern serves every web ACL. Cleared when full (patterns come from configuration).
 */
const COMPILED = new Map<string, ByteRegex>();
const COMPILED_MAX = 8192;

export function compileRegex(pattern: string, field: string, path: string): ByteRegex {
  if (pattern.length === 0 || pattern.length > 512) throw new WafConfigError(field, path, 'RegexString must be 1 to 512 characters');
  let re = COMPILED.get(pattern);
  if (re !== undefined) return re;
  try {
    re = new RE2(utf8ToByteString(pattern)) as unknown as ByteRegex;
  } catch (e) {
    throw new WafConfigError(field, path, `invalid or unsupported regular expression: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (COMPILED.size >= COMPILED_MAX) COMPILED.clear();
  COMPILED.set(pattern, re);
  return re;
}

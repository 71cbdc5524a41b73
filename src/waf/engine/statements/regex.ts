/**
 * Regex compilation for RegexMatch and RegexPatternSetReference: RE2 (linear time, no catastrophic
 * backtracking). Patterns are matched against byte strings; a pattern is converted to the byte
 * string of its UTF-8 encoding so non-ASCII literals match the request's bytes.
 */
import RE2 from 're2';
import { WafConfigError } from '../errors.js';
import { CompileMemo, utf8ToByteString } from './util.js';

/** A compiled pattern: test(input) on a byte string (or on its UTF-8 encoding, as RE2 matches it). */
export interface ByteRegex {
  test(input: string | Buffer): boolean;
}

/**
 * Compiled patterns by pattern text: the managed rule groups alone bring hundreds of patterns, and
 * building each RE2 program again was a fifth of a web ACL's recompile. An RE2 without the global
 * flag keeps no state between test() calls, so one compiled pattern serves every web ACL.
 */
const COMPILED = new CompileMemo<ByteRegex>(8192);

export function compileRegex(pattern: string, field: string, path: string): ByteRegex {
  if (pattern.length === 0 || pattern.length > 512) throw new WafConfigError(field, path, 'RegexString must be 1 to 512 characters');
  return COMPILED.get(pattern, () => {
    try {
      return new RE2(utf8ToByteString(pattern)) as unknown as ByteRegex;
    } catch (e) {
      throw new WafConfigError(field, path, `invalid or unsupported regular expression: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
}

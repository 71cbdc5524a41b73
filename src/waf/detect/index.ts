/**
 * SQL injection and XSS detection of our own (tokenizer + fingerprint rules), the detectors behind
 * SqliMatchStatement and XssMatchStatement. Inputs are byte strings, after the rule's text
 * transformations. See docs/waf-detection.md.
 */
import type { InjectionDetectors } from '../engine/types.js';
import { analyzeSqli } from './sqli.js';
import { analyzeXssDecoded } from './xss.js';

export { analyzeSqli, tokenizeSql, foldSql, SQLI_RULES, MAX_SQLI_BYTES } from './sqli.js';
export type { SqliMatch, SqliRule, SqlToken, SqlTokenType, SqlContext } from './sqli.js';
export { analyzeXss, analyzeXssDecoded, decodeEntities, MAX_XSS_BYTES, MAX_XSS_ATTR_BYTES } from './xss.js';
export type { XssMatch, XssContext } from './xss.js';

/** True when `input` looks like SQL injection at the given SensitivityLevel (LOW: high-confidence rules only). */
export function detectSqli(input: string, sensitivity: 'LOW' | 'HIGH' = 'LOW'): boolean {
  return analyzeSqli(input, sensitivity) !== undefined;
}

/** True when `input` looks like cross-site scripting. */
export function detectXss(input: string): boolean {
  return analyzeXssDecoded(input) !== undefined;
}

/** For logs: `context:fingerprint:rule` of the SQLi match at HIGH sensitivity, or undefined. */
export function sqliFingerprint(input: string, sensitivity: 'LOW' | 'HIGH' = 'HIGH'): string | undefined {
  const m = analyzeSqli(input, sensitivity);
  return m === undefined ? undefined : `${m.context}:${m.fingerprint}:${m.rule}`;
}

/** The detectors the WAF engine uses. */
export const detectors: InjectionDetectors = {
  sqli: (input, sensitivity) => detectSqli(input, sensitivity),
  xss: (input) => detectXss(input),
};

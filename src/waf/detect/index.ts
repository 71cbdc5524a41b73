/**
 * SQL injection and XSS detection of our own (tokenizer + fingerprint rules), the detectors behind
 * SqliMatchStatement and XssMatchStatement. Inputs are byte strings, after the rule's text
 * transformations. See docs/waf-detection.md.
 */
import type { InjectionDetectors } from '../engine/types.js';
import { analyzeSqli } from './sqli.js';
import { analyzeXss, analyzeXssDecoded, analyzeXssRaw, decodableHead, decodeEntities } from './xss.js';
import { valueSegments } from './segments.js';

export { analyzeSqli, tokenizeSql, foldSql, SQLI_RULES, MAX_SQLI_BYTES } from './sqli.js';
export type { SqliMatch, SqliRule, SqlToken, SqlTokenType, SqlContext } from './sqli.js';
export { analyzeXss, analyzeXssDecoded, decodeEntities, MAX_XSS_BYTES, MAX_XSS_ATTR_BYTES } from './xss.js';
export type { XssMatch, XssContext } from './xss.js';
export { valueSegments, MAX_SEGMENTS } from './segments.js';

/**
 * True when `input` looks like SQL injection at the given SensitivityLevel (LOW: high-confidence
 * rules only): the input as a whole, or one of the values it serialises (form, JSON, XML; see
 * segments.ts).
 */
export function detectSqli(input: string, sensitivity: 'LOW' | 'HIGH' = 'LOW'): boolean {
  // The whole as well as the values: a `&` inside a payload (`x=&&(a!=`) splits a form field.
  if (analyzeSqli(input, sensitivity) !== undefined) return true;
  const segs = valueSegments(input);
  for (let i = 0; i < segs.length; i++) if (analyzeSqli(segs[i]!, sensitivity) !== undefined) return true;
  return false;
}

/**
 * True when `input`, or one of the values it serialises, looks like cross-site scripting. Values
 * are also taken after decoding character references, whose `&` would otherwise split a form field
 * (`v=java&Tab;script:…&x=1`).
 */
export function detectXss(input: string): boolean {
  // analyzeXssDecoded(input) in two steps, so the decoded text is made once for both of its uses.
  if (analyzeXssRaw(input) !== undefined) return true;
  const head = decodableHead(input);
  const dec = decodeEntities(head); // `head` itself when nothing decodes
  if (dec !== head && analyzeXss(dec) !== undefined) return true;
  const segs = valueSegments(input);
  for (let i = 0; i < segs.length; i++) if (analyzeXssDecoded(segs[i]!) !== undefined) return true;
  if (dec !== head) {
    const ds = valueSegments(dec);
    for (let i = 0; i < ds.length; i++) if (analyzeXss(ds[i]!) !== undefined) return true;
  }
  return false;
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

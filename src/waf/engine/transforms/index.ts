/**
 * The AWS WAF text transformations: one file per TextTransformationType, this registry, and the
 * chain compiler that rule statements use (compiled once per configuration, applied per request).
 * Everything works on byte strings (see ../types.ts).
 */
import { base64Decode } from './base64-decode.js';
import { base64DecodeExt } from './base64-decode-ext.js';
import { cmdLine } from './cmd-line.js';
import { compressWhiteSpace } from './compress-white-space.js';
import { cssDecode } from './css-decode.js';
import { escapeSeqDecode } from './escape-seq-decode.js';
import { hexDecode } from './hex-decode.js';
import { htmlEntityDecode } from './html-entity-decode.js';
import { jsDecode } from './js-decode.js';
import { lowercase } from './lowercase.js';
import { md5 } from './md5.js';
import { none } from './none.js';
import { normalizePath } from './normalize-path.js';
import { normalizePathWin } from './normalize-path-win.js';
import { removeNulls } from './remove-nulls.js';
import { replaceComments } from './replace-comments.js';
import { replaceNulls } from './replace-nulls.js';
import { sqlHexDecode } from './sql-hex-decode.js';
import { urlDecode } from './url-decode.js';
import { urlDecodeUni } from './url-decode-uni.js';
import { utf8ToUnicode } from './utf8-to-unicode.js';
import { TEXT_TRANSFORMATION_TYPES, type TextTransformationType, type Transformation } from './types.js';

export { TEXT_TRANSFORMATION_TYPES, type TextTransformationType, type Transformation } from './types.js';

/** Every transformation, by its wafv2 TextTransformationType. */
export const TRANSFORMATIONS: ReadonlyMap<TextTransformationType, Transformation> = new Map(
  [
    none, compressWhiteSpace, htmlEntityDecode, lowercase, cmdLine, urlDecode, base64Decode, hexDecode,
    md5, replaceComments, escapeSeqDecode, sqlHexDecode, cssDecode, jsDecode, normalizePath,
    normalizePathWin, removeNulls, replaceNulls, base64DecodeExt, urlDecodeUni, utf8ToUnicode,
  ].map((t) => [t.type, t] as const),
);

/** True when `type` names a TextTransformationType. */
export function isTextTransformationType(type: string): type is TextTransformationType {
  return TRANSFORMATIONS.has(type as TextTransformationType);
}

/** The transformation for `type`; throws an Error naming the type when there is none. */
export function getTransformation(type: string): Transformation {
  const t = TRANSFORMATIONS.get(type as TextTransformationType);
  if (t === undefined) {
    throw new Error(`Unknown text transformation type '${type}'; valid types are ${TEXT_TRANSFORMATION_TYPES.join(', ')}`);
  }
  return t;
}

/** A compiled list of TextTransformations. */
export interface TransformChain {
  /**
   * A stable cache key: the effective types in application order joined by ',' (NONE entries are
   * left out, so an empty or NONE-only chain has key ''). Equal keys mean equal transformations.
   */
  readonly key: string;
  /** The effective types in application order (NONE left out). */
  readonly types: readonly TextTransformationType[];
  /** Applies the transformations in ascending Priority order. */
  apply(input: string): string;
}

/** The chain that changes nothing. */
const IDENTITY_CHAIN: TransformChain = Object.freeze({ key: '', types: Object.freeze([]) as readonly TextTransformationType[], apply: (input: string) => input });

/**
 * Compiles a wafv2 TextTransformations list. Throws an Error for an unknown type, a Priority that is
 * not a non-negative integer, or two entries with the same Priority (AWS requires them distinct).
 */
export function compileChain(list: readonly { readonly Priority: number; readonly Type: string }[]): TransformChain {
  const seen = new Set<number>();
  const entries: { priority: number; t: Transformation }[] = [];
  for (const item of list) {
    const p = item.Priority;
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0) {
      throw new Error(`Invalid text transformation priority '${String(p)}': must be an integer >= 0`);
    }
    if (seen.has(p)) throw new Error(`Duplicate text transformation priority ${p}: priorities must be distinct`);
    seen.add(p);
    entries.push({ priority: p, t: getTransformation(item.Type) });
  }
  entries.sort((a, b) => a.priority - b.priority);
  const steps = entries.map((e) => e.t).filter((t) => t.type !== 'NONE');
  if (steps.length === 0) return IDENTITY_CHAIN;
  const types = Object.freeze(steps.map((t) => t.type));
  const key = types.join(',');
  if (steps.length === 1) {
    // Transformations do not use `this`: the chain's apply is the step's own function (one call less per value).
    return Object.freeze({ key, types, apply: (steps[0] as Transformation).apply });
  }
  const fns = steps.map((t) => t.apply);
  const count = fns.length;
  return Object.freeze({
    key,
    types,
    apply(input: string): string {
      let v = input;
      for (let i = 0; i < count; i++) v = (fns[i] as (s: string) => string)(v);
      return v;
    },
  });
}

/**
 * The shape every AWS WAF text transformation shares. Transformations map a byte string (char
 * codes 0..255, see ../types.ts) to a byte string, never throw, and return the very same string
 * when they change nothing, so callers can skip work and caches stay cheap.
 */

/** Every TextTransformationType value of the wafv2 API model (src/models/wafv2.json). */
export const TEXT_TRANSFORMATION_TYPES = [
  'NONE', 'COMPRESS_WHITE_SPACE', 'HTML_ENTITY_DECODE', 'LOWERCASE', 'CMD_LINE', 'URL_DECODE',
  'BASE64_DECODE', 'HEX_DECODE', 'MD5', 'REPLACE_COMMENTS', 'ESCAPE_SEQ_DECODE', 'SQL_HEX_DECODE',
  'CSS_DECODE', 'JS_DECODE', 'NORMALIZE_PATH', 'NORMALIZE_PATH_WIN', 'REMOVE_NULLS', 'REPLACE_NULLS',
  'BASE64_DECODE_EXT', 'URL_DECODE_UNI', 'UTF8_TO_UNICODE',
] as const;

/** A wafv2 TextTransformationType. */
export type TextTransformationType = (typeof TEXT_TRANSFORMATION_TYPES)[number];

/** One text transformation: a total function from byte string to byte string. */
export interface Transformation {
  readonly type: TextTransformationType;
  /** Transforms `input`; returns `input` itself when nothing changes. Never throws. */
  apply(input: string): string;
}

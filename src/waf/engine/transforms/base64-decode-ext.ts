/** BASE64_DECODE_EXT: decodes standard Base64, ignoring every byte that is not in the alphabet. */
import { decodeBase64 } from './base64-common.js';
import type { Transformation } from './types.js';

/** BASE64_DECODE_EXT: forgiving decoding (whitespace, '.', '=', anything invalid is skipped). */
export const base64DecodeExt: Transformation = { type: 'BASE64_DECODE_EXT', apply: (input) => decodeBase64(input, true) };

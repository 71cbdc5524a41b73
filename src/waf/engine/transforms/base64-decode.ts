/** BASE64_DECODE: decodes standard Base64, up to the first byte that is not in the alphabet. */
import { decodeBase64 } from './base64-common.js';
import type { Transformation } from './types.js';

/** BASE64_DECODE: strict prefix decoding; padding optional. */
export const base64Decode: Transformation = { type: 'BASE64_DECODE', apply: (input) => decodeBase64(input, false) };

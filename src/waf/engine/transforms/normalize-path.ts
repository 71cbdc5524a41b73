/** NORMALIZE_PATH: removes multiple slashes, self-references and back-references (see path-common). */
import { normalizePath as normalize } from './path-common.js';
import type { Transformation } from './types.js';

/** NORMALIZE_PATH: path normalization with '/' as the separator. */
export const normalizePath: Transformation = { type: 'NORMALIZE_PATH', apply: normalize };

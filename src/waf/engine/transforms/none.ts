/** NONE: no transformation. */
import type { Transformation } from './types.js';

/** NONE: returns the input unchanged. */
export const none: Transformation = { type: 'NONE', apply: (input) => input };

/** NORMALIZE_PATH_WIN: converts every '\' to '/', then applies NORMALIZE_PATH. */
import { normalizePath as normalize } from './path-common.js';
import type { Transformation } from './types.js';

function apply(input: string): string {
  if (input.indexOf('\\') < 0) return normalize(input);
  return normalize(input.replaceAll('\\', '/'));
}

/** NORMALIZE_PATH_WIN: Windows-style path normalization. */
export const normalizePathWin: Transformation = { type: 'NORMALIZE_PATH_WIN', apply };

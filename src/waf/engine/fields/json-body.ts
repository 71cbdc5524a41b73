/**
 * JsonBody: parses the inspected body (first bodyLimitBytes bytes) as JSON (json-scan.ts) and
 * inspects, in document order, the keys (MatchScope KEY), the scalar values (VALUE: strings decoded,
 * numbers and true/false/null as written) or both (ALL) of the elements selected by MatchPattern:
 * All, or IncludedPaths (JSON Pointers; an element is included when its path equals a pointer or
 * lies under one; "/" is the whole document; a key is inspected when its member is included).
 *
 * Order of outcomes: oversize with OversizeHandling MATCH/NO_MATCH gives that signal unparsed; a
 * parse failure with InvalidFallbackBehavior gives { kind: 'invalid' } (EVALUATE_AS_STRING carries
 * the body text as the value); without InvalidFallbackBehavior the tokens read before the failure
 * are inspected. An empty body has nothing to inspect.
 */
import { enumOf, invalid, matchScope, objectWith, oversizeHandling, toByteString, allMarker } from './config.js';
import { checkLimit, inspectedBody } from './body.js';
import { scanJson, type IncludedPaths } from './json-scan.js';
import { NO_VALUES, type FieldFactory } from './types.js';

const POINTER = /^(\/|(\/([^~]|~[01])+)+)$/u;

/** Decodes a JSON Pointer ("/a~1b/0") into segments (["a/b", "0"]); "/" is the root ([]). */
function parsePointer(p: unknown, path: string): string[] {
  if (typeof p !== 'string' || p.length < 1 || p.length > 512 || !POINTER.test(p)) {
    invalid(path, 'must be a JSON Pointer such as "/dogs/0/name" (1 to 512 characters, "~" only as ~0 or ~1)');
  }
  if (p === '/') return [];
  return p.slice(1).split('/').map((seg) => toByteString(seg.replaceAll('~1', '/').replaceAll('~0', '~')));
}

/** Compiles FieldToMatch.JsonBody. */
export const jsonBody: FieldFactory = (config, opts) => {
  checkLimit(opts);
  const c = objectWith(config, 'JsonBody', ['MatchPattern', 'MatchScope', 'InvalidFallbackBehavior', 'OversizeHandling']);
  const mp = objectWith(c['MatchPattern'], 'JsonBody.MatchPattern', ['All', 'IncludedPaths']);
  const hasAll = mp['All'] !== undefined && mp['All'] !== null;
  const hasPaths = mp['IncludedPaths'] !== undefined && mp['IncludedPaths'] !== null;
  if (hasAll === hasPaths) invalid('JsonBody.MatchPattern', 'must specify exactly one of All, IncludedPaths');
  let paths: IncludedPaths = null;
  let pathKey: string[] = [];
  if (hasAll) {
    allMarker(mp['All'], 'JsonBody.MatchPattern.All');
  } else {
    const list = mp['IncludedPaths'];
    if (!Array.isArray(list) || list.length < 1) invalid('JsonBody.MatchPattern.IncludedPaths', 'must be a non-empty list of JSON Pointers');
    const parsed = list.map((p, i) => parsePointer(p, `JsonBody.MatchPattern.IncludedPaths[${i}]`));
    paths = parsed;
    pathKey = [...new Set(list as string[])].sort();
  }
  const scope = matchScope(c, 'JsonBody');
  const fallback = c['InvalidFallbackBehavior'] === undefined
    ? undefined
    : enumOf(c['InvalidFallbackBehavior'], 'JsonBody.InvalidFallbackBehavior', ['MATCH', 'NO_MATCH', 'EVALUATE_AS_STRING'] as const);
  const handling = oversizeHandling(c, 'JsonBody', false);
  const keys = scope !== 'VALUE';
  const vals = scope !== 'KEY';
  const filterPaths = paths;
  return {
    key: `JsonBody:${JSON.stringify([pathKey, scope, fallback ?? null, handling, opts.bodyLimitBytes])}`,
    location: 'BODY',
    extract(req) {
      const { text, oversize } = inspectedBody(req, opts);
      if (oversize && handling !== 'CONTINUE') return { kind: 'oversize', handling, values: NO_VALUES };
      if (text.length === 0) return oversize ? { kind: 'oversize', handling, values: NO_VALUES } : { kind: 'values', values: NO_VALUES };
      const values: string[] = [];
      const ok = scanJson(text, filterPaths, {
        key(k, included) { if (keys && included) values.push(k); },
        value(v, included) { if (vals && included) values.push(v); },
      });
      if (!ok && fallback !== undefined) {
        return { kind: 'invalid', fallback, values: fallback === 'EVALUATE_AS_STRING' ? [text] : values };
      }
      return oversize ? { kind: 'oversize', handling, values } : { kind: 'values', values };
    },
  };
};

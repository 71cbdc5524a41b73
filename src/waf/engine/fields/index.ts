/**
 * FieldToMatch extraction: one file per field type, this registry, and compileField, which the
 * wafv2 API calls when a configuration is loaded (errors there become WAFInvalidParameterException)
 * and whose extractors run per request (callers cache FieldValues per request by extractor key).
 */
import { allQueryArguments } from './all-query-arguments.js';
import { body } from './body.js';
import { cookies } from './cookies.js';
import { headerOrder } from './header-order.js';
import { headers } from './headers.js';
import { ja3Fingerprint } from './ja3-fingerprint.js';
import { ja4Fingerprint } from './ja4-fingerprint.js';
import { jsonBody } from './json-body.js';
import { method } from './method.js';
import { queryString } from './query-string.js';
import { singleHeader } from './single-header.js';
import { singleQueryArgument } from './single-query-argument.js';
import type { FieldExtractor, FieldFactory, FieldOptions } from './types.js';
import { uriFragment } from './uri-fragment.js';
import { uriPath } from './uri-path.js';

export type { FieldExtractor, FieldFactory, FieldOptions, FieldValues } from './types.js';

/** Every FieldToMatch member, by its wafv2 name. */
export const FIELD_TYPES: ReadonlyMap<string, FieldFactory> = new Map<string, FieldFactory>([
  ['SingleHeader', singleHeader],
  ['Headers', headers],
  ['Cookies', cookies],
  ['SingleQueryArgument', singleQueryArgument],
  ['AllQueryArguments', allQueryArguments],
  ['QueryString', queryString],
  ['UriPath', uriPath],
  ['UriFragment', uriFragment],
  ['Method', method],
  ['Body', body],
  ['JsonBody', jsonBody],
  ['HeaderOrder', headerOrder],
  ['JA3Fingerprint', ja3Fingerprint],
  ['JA4Fingerprint', ja4Fingerprint],
]);

/**
 * Compiles a FieldToMatch (its wafv2 JSON). Exactly one member must be set. Throws an Error with a
 * message naming the offending setting for an unknown member or an invalid configuration.
 */
export function compileField(ftm: Record<string, unknown>, opts: FieldOptions): FieldExtractor {
  if (ftm === null || typeof ftm !== 'object' || Array.isArray(ftm)) {
    throw new Error('Invalid FieldToMatch: must be an object');
  }
  const set = Object.keys(ftm).filter((k) => ftm[k] !== undefined && ftm[k] !== null);
  for (const k of set) {
    if (!FIELD_TYPES.has(k)) {
      throw new Error(`Invalid FieldToMatch: unknown request component '${k}' (valid: ${[...FIELD_TYPES.keys()].join(', ')})`);
    }
  }
  if (set.length !== 1) {
    throw new Error(`Invalid FieldToMatch: exactly one request component must be specified, got ${set.length === 0 ? 'none' : set.join(', ')}`);
  }
  const type = set[0] as string;
  return (FIELD_TYPES.get(type) as FieldFactory)(ftm[type], opts);
}

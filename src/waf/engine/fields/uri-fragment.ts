/**
 * UriFragment: the fragment after '#'. When the request has none ('' in InspectedRequest) and a
 * FallbackBehavior is set, the result is { kind: 'invalid', fallback } (MATCH or NO_MATCH); without
 * one, there is nothing to inspect (no values).
 */
import { fallbackBehavior, objectWith } from './config.js';
import { NO_VALUES, type FieldFactory } from './types.js';

/** Compiles FieldToMatch.UriFragment. */
export const uriFragment: FieldFactory = (config) => {
  const c = objectWith(config, 'UriFragment', ['FallbackBehavior']);
  const fallback = fallbackBehavior(c, 'UriFragment', false);
  return {
    key: `UriFragment:${fallback ?? ''}`,
    location: 'URI_FRAGMENT',
    extract(req) {
      if (req.uriFragment !== '') return { kind: 'values', values: [req.uriFragment] };
      return fallback === undefined ? { kind: 'values', values: NO_VALUES } : { kind: 'invalid', fallback, values: NO_VALUES };
    },
  };
};

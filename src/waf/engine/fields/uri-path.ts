/** UriPath: the raw request path without the query string, still percent-encoded. */
import { singleValueField } from './simple.js';
import type { FieldFactory } from './types.js';

/** Compiles FieldToMatch.UriPath. */
export const uriPath: FieldFactory = singleValueField('UriPath', 'URI', (req) => req.uriPath);

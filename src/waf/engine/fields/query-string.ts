/** QueryString: the raw query string without '?' ('' when there is none), still percent-encoded. */
import { singleValueField } from './simple.js';
import type { FieldFactory } from './types.js';

/** Compiles FieldToMatch.QueryString. */
export const queryString: FieldFactory = singleValueField('QueryString', 'QUERY_STRING', (req) => req.queryString);

/** Method: the HTTP method as sent. */
import { singleValueField } from './simple.js';
import type { FieldFactory } from './types.js';

/** Compiles FieldToMatch.Method. */
export const method: FieldFactory = singleValueField('Method', 'METHOD', (req) => req.method);

/** Helper for the fields that are one string of the request (internal to fields/). */
import type { InspectedRequest } from '../types.js';
import { objectWith } from './config.js';
import type { FieldFactory } from './types.js';

/** A factory for an empty-structure field type whose single value is `get(req)`. */
export function singleValueField(type: string, location: string, get: (req: InspectedRequest) => string): FieldFactory {
  return (config) => {
    objectWith(config, type, []);
    return { key: type, location, extract: (req) => ({ kind: 'values', values: [get(req)] }) };
  };
}

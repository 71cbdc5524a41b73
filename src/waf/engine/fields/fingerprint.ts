/** Helper for the TLS fingerprint fields (internal to fields/). */
import type { InspectedRequest } from '../types.js';
import { fallbackBehavior, objectWith } from './config.js';
import { NO_VALUES, type FieldFactory } from './types.js';

/**
 * A JA3/JA4 field: the fingerprint when the request has one, else { kind: 'invalid', fallback } with
 * the required FallbackBehavior (MATCH or NO_MATCH).
 */
export function fingerprintField(type: string, location: string, get: (req: InspectedRequest) => string | undefined): FieldFactory {
  return (config) => {
    const c = objectWith(config, type, ['FallbackBehavior']);
    const fallback = fallbackBehavior(c, type, true) as 'MATCH' | 'NO_MATCH';
    return {
      key: `${type}:${fallback}`,
      location,
      extract(req) {
        const v = get(req);
        return v === undefined || v === '' ? { kind: 'invalid', fallback, values: NO_VALUES } : { kind: 'values', values: [v] };
      },
    };
  };
}

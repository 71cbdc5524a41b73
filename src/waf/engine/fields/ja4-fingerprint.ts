/** JA4Fingerprint: the request's JA4 TLS fingerprint, FallbackBehavior when unavailable. */
import { fingerprintField } from './fingerprint.js';
import type { FieldFactory } from './types.js';

/** Compiles FieldToMatch.JA4Fingerprint. */
export const ja4Fingerprint: FieldFactory = fingerprintField('JA4Fingerprint', 'JA4_FINGERPRINT', (req) => req.ja4);

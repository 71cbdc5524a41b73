/** JA3Fingerprint: the request's JA3 TLS fingerprint (MD5 hex), FallbackBehavior when unavailable. */
import { fingerprintField } from './fingerprint.js';
import type { FieldFactory } from './types.js';

/** Compiles FieldToMatch.JA3Fingerprint. */
export const ja3Fingerprint: FieldFactory = fingerprintField('JA3Fingerprint', 'JA3_FINGERPRINT', (req) => req.ja3);

/** STS: temporary credentials (AssumeRole, GetSessionToken) and GetCallerIdentity. */
export { stsService, PACKED_POLICY_LIMIT, CHAINED_MAX_SECONDS } from './service.js';

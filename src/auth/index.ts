/** Authentication: AWS Signature Version 4 request verification. */
export {
  SigV4Verifier,
  SigV4Error,
  authErrorForJsonProtocol,
  type SigV4ErrorCode,
  type SignedRequestParts,
  type CredentialSecret,
  type CredentialLookup,
  type VerifiedRequest,
} from './sigv4.js';
export { signRequest, type RequestToSign } from './sign.js';

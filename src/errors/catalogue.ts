/**
 * The one catalogue of AWS error codes Bulwark returns. Every code a service throws must be here:
 * `AwsErrorCode` is derived from the keys, so the compiler rejects an unknown code, and
 * catalogue.test.ts checks every entry is documented in docs/errors.md.
 */

/** How an error is attributed in AWS's wire formats. */
export type Fault = 'Sender' | 'Receiver';

/** Static facts about one AWS error code. */
export interface ErrorSpec {
  readonly status: number;
  readonly fault: Fault;
  readonly retryable: boolean;
}

const s = (status: number, fault: Fault = 'Sender', retryable = false): ErrorSpec => ({ status, fault, retryable });

/** Every error code, with its HTTP status, fault and whether clients should retry. */
export const ERROR_CATALOGUE = {
  // Authentication (SigV4) — shared by all protocols; see authErrorFor() for per-protocol spelling.
  MissingAuthenticationToken: s(403),
  MissingAuthenticationTokenException: s(403),
  IncompleteSignature: s(403),
  IncompleteSignatureException: s(400),
  InvalidClientTokenId: s(403),
  UnrecognizedClientException: s(400),
  SignatureDoesNotMatch: s(403),
  InvalidSignatureException: s(400),
  RequestExpired: s(400),
  ExpiredToken: s(403),
  ExpiredTokenException: s(400),
  AccessDenied: s(403),
  AccessDeniedException: s(400),
  // Protocol and input.
  SerializationException: s(400),
  ValidationException: s(400),
  ValidationError: s(400),
  UnknownOperationException: s(400),
  InvalidAction: s(400),
  InvalidParameterValue: s(400),
  InvalidParameterCombination: s(400),
  MissingParameter: s(400),
  MissingAction: s(400),
  MalformedQueryString: s(404),
  InvalidQueryParameter: s(400),
  RequestEntityTooLarge: s(413),
  RequestHeaderFieldsTooLarge: s(431),
  UnsupportedMediaType: s(415),
  NotFound: s(404),
  MethodNotAllowed: s(405),
  OptInRequired: s(403),
  ThrottlingException: s(400, 'Sender', true),
  Throttling: s(400, 'Sender', true),
  // Platform.
  ServiceUnavailable: s(503, 'Receiver', true),
  ServiceUnavailableException: s(503, 'Receiver', true),
  InternalFailure: s(500, 'Receiver', true),
  InternalError: s(500, 'Receiver', true),
  // IAM.
  NoSuchEntity: s(404),
  EntityAlreadyExists: s(409),
  LimitExceeded: s(409),
  DeleteConflict: s(409),
  MalformedPolicyDocument: s(400),
  InvalidInput: s(400),
  ConcurrentModification: s(409),
  ServiceFailure: s(500, 'Receiver', true),
  PolicyEvaluation: s(500, 'Receiver'),
  UnmodifiableEntity: s(400),
  EntityTemporarilyUnmodifiable: s(409),
  PasswordPolicyViolation: s(400),
  // STS.
  PackedPolicyTooLarge: s(400),
  RegionDisabledException: s(403),
  // KMS keystore (key material operations).
  InvalidCiphertextException: s(400),
  KMSInvalidStateException: s(400),
  InvalidKeyUsageException: s(400),
  UnsupportedOperationException: s(400),
  InvalidImportTokenException: s(400),
  ExpiredImportTokenException: s(400),
  IncorrectKeyMaterialException: s(400),
  // KMS service (key lifecycle, aliases, grants, policies).
  NotFoundException: s(400),
  DisabledException: s(400),
  IncorrectKeyException: s(400),
  KMSInvalidSignatureException: s(400),
  KMSInvalidMacException: s(400),
  AlreadyExistsException: s(400),
  InvalidAliasNameException: s(400),
  InvalidArnException: s(400),
  InvalidGrantIdException: s(400),
  InvalidGrantTokenException: s(400),
  InvalidMarkerException: s(400),
  LimitExceededException: s(400),
  MalformedPolicyDocumentException: s(400),
  TagException: s(400),
  ConflictException: s(400),
  DryRunOperationException: s(412),
  KMSInternalException: s(500, 'Receiver'),
  KeyUnavailableException: s(500, 'Receiver'),
  DependencyTimeoutException: s(503, 'Receiver', true),
  // CloudTrail (audit trail).
  TrailNotFoundException: s(400),
  TrailAlreadyExistsException: s(400),
  InvalidTrailNameException: s(400),
  CloudTrailARNInvalidException: s(400),
  S3BucketDoesNotExistException: s(400),
  InvalidS3BucketNameException: s(400),
  InvalidS3PrefixException: s(400),
  MaximumNumberOfTrailsExceededException: s(400),
  InvalidLookupAttributesException: s(400),
  InvalidTimeRangeException: s(400),
  InvalidNextTokenException: s(400),
  InvalidTokenException: s(400),
  InvalidMaxResultsException: s(400),
  InvalidEventSelectorsException: s(400),
  InvalidTagParameterException: s(400),
  TagsLimitExceededException: s(400),
  ResourceNotFoundException: s(400),
  // WAFv2 (AWS answers every WAF exception with 400 except WAFInternalErrorException).
  WAFInvalidParameterException: s(400),
  WAFNonexistentItemException: s(400),
  WAFDuplicateItemException: s(400),
  WAFOptimisticLockException: s(400),
  WAFLimitsExceededException: s(400),
  WAFAssociatedItemException: s(400),
  WAFUnavailableEntityException: s(400),
  WAFInvalidOperationException: s(400),
  WAFTagOperationException: s(400),
  WAFTagOperationInternalErrorException: s(500, 'Receiver', true),
  WAFInvalidResourceException: s(400),
  WAFSubscriptionNotFoundException: s(400),
  WAFNonexistentContainerException: s(400),
  WAFConfigurationWarningException: s(400),
  WAFLogDestinationPermissionIssueException: s(400),
  WAFServiceLinkedRoleErrorException: s(400),
  WAFUnsupportedAggregateKeyTypeException: s(400),
  WAFInternalErrorException: s(500, 'Receiver', true),
  // Shield (Shield Advanced API; src/shield/).
  InvalidResourceException: s(400),
  ResourceAlreadyExistsException: s(400),
  InvalidOperationException: s(400),
  OptimisticLockException: s(400),
  LockedSubscriptionException: s(400),
  InvalidParameterException: s(400),
  LimitsExceededException: s(400),
  InvalidPaginationTokenException: s(400),
  InternalErrorException: s(500, 'Receiver', true),
  // GuardDuty (src/detector/): AWS answers most errors as BadRequestException with a `type` field.
  BadRequestException: s(400),
  InternalServerErrorException: s(500, 'Receiver', true),
} as const satisfies Record<string, ErrorSpec>;

/** An AWS error code Bulwark can return. */
export type AwsErrorCode = keyof typeof ERROR_CATALOGUE;

/** Looks up an error code's static facts. */
export function errorSpec(code: AwsErrorCode): ErrorSpec {
  return ERROR_CATALOGUE[code];
}

/**
 * Turns the HTTP layer's ApiCallEvent into a CloudTrail record (eventVersion 1.11), the JSON that
 * LookupEvents returns as CloudTrailEvent and that delivered log files hold. Secrets never pass:
 * request parameters arrive redacted, and this module drops secret-named members again (deep) and
 * nulls responseElements for KMS cryptographic operations, as AWS does.
 */
import type { ApiCallEvent, EventIdentity } from '../events/index.js';

/** CloudTrail's userIdentity element. */
export interface UserIdentity {
  readonly type: 'Root' | 'IAMUser' | 'AssumedRole' | 'AWSService' | 'Unknown';
  /** For AWSService: the acting service principal. */
  readonly invokedBy?: string;
  readonly principalId?: string;
  readonly arn?: string;
  readonly accountId?: string;
  readonly accessKeyId?: string;
  readonly userName?: string;
  readonly sessionContext?: {
    readonly sessionIssuer?: {
      readonly type: 'Role';
      readonly principalId: string;
      readonly arn: string;
      readonly accountId: string;
      readonly userName: string;
    };
    readonly attributes: { readonly creationDate?: string; readonly mfaAuthenticated: 'true' | 'false' };
  };
}

/** One resource of a record. */
export interface RecordResource {
  readonly accountId?: string;
  readonly type?: string;
  readonly ARN: string;
}

/** A CloudTrail record as delivered in `{"Records":[...]}` log files. */
export interface CloudTrailRecord {
  readonly eventVersion: '1.11';
  readonly userIdentity: UserIdentity;
  readonly eventTime: string;
  readonly eventSource: string;
  readonly eventName: string;
  readonly awsRegion: string;
  readonly sourceIPAddress: string;
  readonly userAgent: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly requestParameters: Record<string, unknown> | null;
  readonly responseElements: Record<string, unknown> | null;
  readonly requestID: string;
  readonly eventID: string;
  readonly readOnly: boolean;
  readonly resources?: readonly RecordResource[];
  readonly eventType: 'AwsApiCall';
  readonly managementEvent: true;
  readonly recipientAccountId: string;
  readonly eventCategory: 'Management';
  readonly tlsDetails?: { readonly tlsVersion: string; readonly cipherSuite: string; readonly clientProvidedHostHeader: string };
}

/** KMS operations whose responses CloudTrail never records (responseElements: null). */
export const KMS_CRYPTO_OPERATIONS: ReadonlySet<string> = new Set([
  'Encrypt', 'Decrypt', 'ReEncrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext', 'GenerateRandom', 'Sign', 'Verify', 'GenerateMac', 'VerifyMac', 'DeriveSharedSecret',
]);

/**
 * Member names that are never recorded, at any depth, whatever their value (even a redaction marker):
 * plaintexts, ciphertext blobs, key material, secret keys, session tokens, private keys, passwords.
 */
const SECRET_MEMBER = /^(?:plaintext|secretaccesskey|sessiontoken|ciphertextblob|(?:encrypted)?keymaterial|privatekey\w*|\w*password)$/i;

/** Nesting depth beyond which parameters are cut (the codec bounds depth too). */
const MAX_DEPTH = 32;

/** True when a member with this name must be dropped from records. */
export function isSecretMember(name: string): boolean {
  return SECRET_MEMBER.test(name);
}

/** A copy of `v` with secret-named members dropped (deep), blobs dropped, dates as ISO strings. */
export function scrub(v: unknown, depth = 0): unknown {
  if (v === null || typeof v !== 'object') return typeof v === 'bigint' ? v.toString() : v;
  if (depth > MAX_DEPTH) return undefined;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.toISOString();
  if (v instanceof Uint8Array || v instanceof ArrayBuffer) return undefined;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      const x = scrub(v[i], depth + 1);
      if (x !== undefined) out.push(x);
    }
    return out;
  }
  const src = v instanceof Map ? Object.fromEntries(v) : (v as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(src)) {
    if (SECRET_MEMBER.test(k)) continue;
    const x = scrub(src[k], depth + 1);
    if (x !== undefined) out[k] = x;
  }
  return out;
}

/** ISO-8601 without milliseconds, as CloudTrail prints eventTime: 2024-05-01T12:34:56Z. */
export function cloudTrailTime(d: Date): string {
  const sec = Math.floor(d.getTime() / 1000);
  if (sec === lastSecond) return lastSecondText;
  const text = d.toISOString().slice(0, 19) + 'Z';
  lastSecond = sec;
  lastSecondText = text;
  return text;
}
// Calls arrive many per second: the text of the last second is kept.
let lastSecond = NaN;
let lastSecondText = '';

/** CloudTrail's userIdentity for an event identity. Failed authentication yields type 'Unknown'. */
export function userIdentityOf(id: EventIdentity, recipientAccountId: string): UserIdentity {
  const accessKeyId = id.accessKeyId;
  const accountId = id.accountId ?? recipientAccountId;
  const attributes = { ...(id.tokenIssueTime ? { creationDate: cloudTrailTime(new Date(id.tokenIssueTime)) } : {}), mfaAuthenticated: id.mfaPresent ? 'true' : 'false' } as const;
  switch (id.type) {
    case 'Root':
      return {
        type: 'Root',
        principalId: accountId,
        arn: id.arn ?? `arn:aws:iam::${accountId}:root`,
        accountId,
        ...(accessKeyId ? { accessKeyId } : {}),
        // Temporary credentials of root (GetSessionToken) carry session attributes, no issuer.
        ...(id.temporary ? { sessionContext: { attributes } } : {}),
      };
    case 'IAMUser':
      return {
        type: 'IAMUser',
        ...(id.principalId ? { principalId: id.principalId } : {}),
        ...(id.arn ? { arn: id.arn } : {}),
        accountId,
        ...(accessKeyId ? { accessKeyId } : {}),
        ...(id.userName ? { userName: id.userName } : {}),
        ...(id.temporary ? { sessionContext: { attributes } } : {}),
      };
    case 'AssumedRole': {
      const pid = id.principalId ?? '';
      const colon = pid.indexOf(':');
      const roleId = colon === -1 ? pid : pid.slice(0, colon);
      const roleName = id.roleName ?? (id.roleArn ? id.roleArn.slice(id.roleArn.lastIndexOf('/') + 1) : '');
      return {
        type: 'AssumedRole',
        ...(id.principalId ? { principalId: id.principalId } : {}),
        ...(id.arn ? { arn: id.arn } : {}),
        accountId,
        ...(accessKeyId ? { accessKeyId } : {}),
        sessionContext: {
          ...(id.roleArn ? { sessionIssuer: { type: 'Role', principalId: roleId, arn: id.roleArn, accountId, userName: roleName } } : {}),
          attributes,
        },
      };
    }
    case 'AWSService':
      // Bulwark acting on its own (GuardDuty's automated response, posture monitoring), as
      // CloudTrail records a service's calls: type AWSService with the service in invokedBy.
      return { type: 'AWSService', ...(id.invokedBy ? { invokedBy: id.invokedBy } : {}) };
    default:
      // AWS records calls whose signature failed with the access key id only; the principal is not
      // established, so nothing else about it is asserted.
      return { type: 'Unknown', ...(id.accountId ? { accountId: id.accountId } : {}), ...(accessKeyId ? { accessKeyId } : {}) };
  }
}

// The API layer hands out one immutable identity object per principal, so a client's calls carry
// the same one: its userIdentity element is built once and shared by the records (read only).
let lastIdentity: EventIdentity | undefined;
let lastIdentityAccount = '';
let lastUserIdentity: UserIdentity | undefined;

function userIdentityFor(id: EventIdentity, recipientAccountId: string): UserIdentity {
  if (id === lastIdentity && recipientAccountId === lastIdentityAccount) return lastUserIdentity as UserIdentity;
  const u = userIdentityOf(id, recipientAccountId);
  lastIdentity = id;
  lastIdentityAccount = recipientAccountId;
  lastUserIdentity = u;
  return u;
}

const ARN_ACCOUNT = /^arn:[^:]*:[^:]*:[^:]*:(\d{12}):/;
// Consecutive calls name the same resource (one key, many Encrypt calls): its account is kept.
let lastArn: string | undefined;
let lastArnAccount: string | undefined;

/** The 12-digit account of an ARN, or undefined. */
function arnAccount(arn: string): string | undefined {
  if (arn !== lastArn) {
    lastArnAccount = ARN_ACCOUNT.exec(arn)?.[1];
    lastArn = arn;
  }
  return lastArnAccount;
}

/**
 * Converts one API call event to its CloudTrail record (callers must not modify it). The audit
 * trail's sink converts every call, and GuardDuty's live source, when a detector is on, converts it
 * again in its next batch: each builds its own (equal) record. Keeping records per event for the
 * second conversion cost more than building one: a WeakMap keyed by every event kept its dead
 * entries until a full GC, and scavenges walked them (about 5 us per call on the test machine), and
 * a bounded Map or ring of recent events fared no better (old-to-new references into young events).
 */
export function toCloudTrailRecord(e: ApiCallEvent, recipientAccountId: string): CloudTrailRecord {
  return buildRecord(e, recipientAccountId);
}

function buildRecord(e: ApiCallEvent, recipientAccountId: string): CloudTrailRecord {
  const hideResponse = e.errorCode !== undefined || (e.eventSource === 'kms.amazonaws.com' && KMS_CRYPTO_OPERATIONS.has(e.operation));
  // Built by assignment in CloudTrail's member order (JSON keeps insertion order), not with
  // conditional spreads: this runs for every call, and each spread made a temporary object.
  const r: Record<string, unknown> = {
    eventVersion: '1.11',
    userIdentity: userIdentityFor(e.identity, recipientAccountId),
    eventTime: cloudTrailTime(e.time),
    eventSource: e.eventSource,
    eventName: e.operation,
    awsRegion: e.region,
    sourceIPAddress: e.sourceIp,
    userAgent: e.userAgent,
  };
  if (e.errorCode !== undefined) r.errorCode = e.errorCode;
  if (e.errorMessage !== undefined) r.errorMessage = e.errorMessage;
  r.requestParameters = e.requestParameters ? (scrub(e.requestParameters) as Record<string, unknown>) : null;
  r.responseElements = hideResponse || !e.responseElements ? null : (scrub(e.responseElements) as Record<string, unknown>);
  r.requestID = e.requestId;
  r.eventID = e.eventId;
  r.readOnly = e.readOnly;
  if (e.resources.length > 0) {
    const resources: RecordResource[] = new Array<RecordResource>(e.resources.length);
    for (let i = 0; i < e.resources.length; i++) {
      const res = e.resources[i] as { readonly arn: string; readonly type?: string };
      const acct = arnAccount(res.arn);
      resources[i] = acct
        ? res.type
          ? { accountId: acct, type: res.type, ARN: res.arn }
          : { accountId: acct, ARN: res.arn }
        : res.type
          ? { type: res.type, ARN: res.arn }
          : { ARN: res.arn };
    }
    r.resources = resources;
  }
  r.eventType = 'AwsApiCall';
  r.managementEvent = true;
  r.recipientAccountId = recipientAccountId;
  r.eventCategory = 'Management';
  if (e.tls) r.tlsDetails = { tlsVersion: e.tls.version, cipherSuite: e.tls.cipherSuite, clientProvidedHostHeader: e.tls.clientProvidedHostHeader };
  return r as unknown as CloudTrailRecord;
}

/** LookupEvents' Username: the IAM user name, the role session name, or 'root'. */
export function usernameOf(r: CloudTrailRecord): string | undefined {
  const u = r.userIdentity;
  switch (u.type) {
    case 'Root':
      return 'root';
    case 'IAMUser':
      return u.userName;
    case 'AssumedRole': {
      const arn = u.arn ?? '';
      const slash = arn.lastIndexOf('/');
      return slash === -1 ? undefined : arn.slice(slash + 1);
    }
    default:
      return undefined;
  }
}

/** The short name of a resource ARN: what follows the last '/' (or ':'). */
export function resourceShortName(arn: string): string {
  const slash = arn.lastIndexOf('/');
  if (slash !== -1) return arn.slice(slash + 1);
  return arn.slice(arn.lastIndexOf(':') + 1);
}

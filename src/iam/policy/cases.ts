/**
 * Table-driven evaluation vectors for the policy engine: policy documents, a request and the
 * expected decision. Used by policy.test.ts. Examples marked "IAM User Guide" follow the documented
 * examples in AWS's IAM User Guide.
 */
import type { AuthzPrincipal } from './types.js';

/** A JSON policy document (stringified before compiling). */
export type Doc = Record<string, unknown>;

/** One evaluation vector. */
export interface EvalCase {
  readonly name: string;
  readonly identity?: readonly Doc[];
  readonly resourcePolicy?: Doc;
  /** Kind of resourcePolicy; default 'resource'. */
  readonly resourceKind?: 'resource' | 'trust';
  readonly session?: readonly Doc[];
  readonly boundary?: Doc;
  readonly requireResourcePolicy?: boolean;
  readonly resourceAccountId?: string;
  readonly principal?: AuthzPrincipal;
  readonly action: string;
  readonly resource?: string;
  readonly context?: Record<string, string | readonly string[]>;
  readonly expect: 'allowed' | 'explicitDeny' | 'implicitDeny';
  /** Expected Sids of the matched statements, in order (checked when given). */
  readonly sids?: readonly string[];
}

export const ACCT = '111122223333';
export const OTHER = '444455556666';

export const USER: AuthzPrincipal = { type: 'IAMUser', accountId: ACCT, arn: `arn:aws:iam::${ACCT}:user/alice` };
export const BOB: AuthzPrincipal = { type: 'IAMUser', accountId: ACCT, arn: `arn:aws:iam::${ACCT}:user/bob` };
export const ROOT: AuthzPrincipal = { type: 'Root', accountId: ACCT, arn: `arn:aws:iam::${ACCT}:root` };
export const SESSION: AuthzPrincipal = {
  type: 'AssumedRole', accountId: ACCT,
  arn: `arn:aws:sts::${ACCT}:assumed-role/Admin/sess1`, roleArn: `arn:aws:iam::${ACCT}:role/Admin`,
};
export const X_USER: AuthzPrincipal = { type: 'IAMUser', accountId: OTHER, arn: `arn:aws:iam::${OTHER}:user/eve` };
export const X_ROOT: AuthzPrincipal = { type: 'Root', accountId: OTHER, arn: `arn:aws:iam::${OTHER}:root` };
export const KMS_SERVICE: AuthzPrincipal = { type: 'Service', accountId: '', arn: 'kms.amazonaws.com', service: 'kms.amazonaws.com' };
export const ANON: AuthzPrincipal = { type: 'Anonymous', accountId: '', arn: '*' };

const V = '2012-10-17';
const KEY = `arn:aws:kms:us-east-1:${ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const OBJ = 'arn:aws:s3:::amzn-s3-demo-bucket/photos/cat.jpg';

/** A 2012-10-17 document from statements. */
export const doc = (...Statement: Doc[]): Doc => ({ Version: V, Statement });
const allow = (Action: unknown, Resource: unknown = '*', extra: Doc = {}): Doc => ({ Effect: 'Allow', Action, Resource, ...extra });
const deny = (Action: unknown, Resource: unknown = '*', extra: Doc = {}): Doc => ({ Effect: 'Deny', Action, Resource, ...extra });
/** A resource-policy statement (no Resource element needed). */
const rAllow = (Principal: unknown, Action: unknown = 'kms:*', extra: Doc = {}): Doc => ({ Effect: 'Allow', Principal, Action, ...extra });
const rDeny = (Principal: unknown, Action: unknown = 'kms:*'): Doc => ({ Effect: 'Deny', Principal, Action });

/**
 * Condition vectors: [operator, key, policy values, request value (undefined = missing), matches].
 * Each becomes an identity policy `Allow s3:GetObject * if Condition` evaluated for USER.
 */
type CondRow = readonly [string, string, unknown, string | readonly string[] | undefined, boolean];
const CONDITION_ROWS: readonly CondRow[] = [
  ['StringEquals', 's3:x', 'abc', 'abc', true],
  ['StringEquals', 's3:x', 'abc', 'ABC', false],
  ['StringEquals', 's3:x', ['a', 'b'], 'b', true],
  ['StringEquals', 's3:x', 'abc', undefined, false],
  ['StringEquals', 's3:x', 'a*', 'abc', false],
  ['StringNotEquals', 's3:x', 'abc', 'abc', false],
  ['StringNotEquals', 's3:x', ['a', 'b'], 'c', true],
  ['StringNotEquals', 's3:x', ['a', 'b'], 'b', false],
  ['StringNotEquals', 's3:x', 'abc', undefined, true],
  ['StringEqualsIgnoreCase', 's3:x', 'ABC', 'abc', true],
  ['StringEqualsIgnoreCase', 's3:x', 'ABC', 'abd', false],
  ['StringNotEqualsIgnoreCase', 's3:x', 'ABC', 'abc', false],
  ['StringNotEqualsIgnoreCase', 's3:x', 'ABC', 'xyz', true],
  ['StringNotEqualsIgnoreCase', 's3:x', 'ABC', undefined, true],
  ['StringLike', 's3:x', 'home/*', 'home/alice/a.txt', true],
  ['StringLike', 's3:x', 'a?c', 'abc', true],
  ['StringLike', 's3:x', 'a?c', 'abbc', false],
  ['StringLike', 's3:x', 'home/*', 'Home/alice', false],
  ['StringLike', 's3:x', 'home/*', undefined, false],
  ['StringNotLike', 's3:x', 'home/*', 'home/x', false],
  ['StringNotLike', 's3:x', 'home/*', 'tmp/x', true],
  ['StringNotLike', 's3:x', 'home/*', undefined, true],
  ['NumericEquals', 's3:max-keys', '10', '10', true],
  ['NumericEquals', 's3:max-keys', 10, '10.0', true],
  ['NumericEquals', 's3:max-keys', '10', '11', false],
  ['NumericEquals', 's3:max-keys', '10', 'ten', false],
  ['NumericNotEquals', 's3:max-keys', '10', '11', true],
  ['NumericNotEquals', 's3:max-keys', '10', '10', false],
  ['NumericNotEquals', 's3:max-keys', '10', undefined, true],
  ['NumericLessThan', 's3:max-keys', '10', '9', true],
  ['NumericLessThan', 's3:max-keys', '10', '10', false],
  ['NumericLessThanEquals', 's3:max-keys', '10', '10', true],
  ['NumericLessThanEquals', 's3:max-keys', '10', '10.5', false],
  ['NumericGreaterThan', 's3:max-keys', '10', '11', true],
  ['NumericGreaterThan', 's3:max-keys', '10', '10', false],
  ['NumericGreaterThanEquals', 's3:max-keys', '-1.5', '-1.5', true],
  ['NumericGreaterThanEquals', 's3:max-keys', '10', '3', false],
  ['NumericLessThan', 's3:max-keys', '10', undefined, false],
  ['DateEquals', 'aws:CurrentTime', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', true],
  ['DateEquals', 'aws:CurrentTime', '1704067200', '2024-01-01T00:00:00Z', true],
  ['DateEquals', 'aws:CurrentTime', '2024-01-01T00:00:00Z', '2024-01-01T00:00:01Z', false],
  ['DateNotEquals', 'aws:CurrentTime', '2024-01-01', '2024-01-02T00:00:00Z', true],
  ['DateNotEquals', 'aws:CurrentTime', '2024-01-01', '2024-01-01T00:00:00Z', false],
  ['DateLessThan', 'aws:CurrentTime', '2024-06-30T00:00:00Z', '2024-05-01T12:00:00Z', true],
  ['DateLessThan', 'aws:CurrentTime', '2024-06-30T00:00:00Z', '2024-07-01T12:00:00Z', false],
  ['DateLessThanEquals', 'aws:CurrentTime', '2024-06-30T00:00:00Z', '2024-06-30T00:00:00Z', true],
  ['DateLessThanEquals', 'aws:CurrentTime', '2024-06-30T00:00:00Z', '2024-06-30T00:00:01Z', false],
  ['DateGreaterThan', 'aws:TokenIssueTime', '2024-01-01T00:00:00+02:00', '2023-12-31T23:00:00Z', true],
  ['DateGreaterThan', 'aws:TokenIssueTime', '2024-01-01T00:00:00Z', '2023-12-31T23:00:00Z', false],
  ['DateGreaterThanEquals', 'aws:EpochTime', '2024-01-01T00:00:00Z', '1704067200', true],
  ['DateGreaterThanEquals', 'aws:EpochTime', '2024-01-01T00:00:00Z', '1704067199', false],
  ['DateLessThan', 'aws:CurrentTime', '2024-06-30', 'not-a-date', false],
  ['Bool', 'aws:SecureTransport', 'true', 'true', true],
  ['Bool', 'aws:SecureTransport', true, 'true', true],
  ['Bool', 'aws:SecureTransport', 'true', 'false', false],
  ['Bool', 'aws:SecureTransport', 'false', undefined, false],
  ['BinaryEquals', 'key:bin', 'QmluYXJ5VmFsdWU=', 'QmluYXJ5VmFsdWU=', true],
  ['BinaryEquals', 'key:bin', 'QmluYXJ5VmFsdWU=', 'T3RoZXI=', false],
  ['IpAddress', 'aws:SourceIp', '203.0.113.0/24', '203.0.113.5', true],
  ['IpAddress', 'aws:SourceIp', ['203.0.113.0/24', '198.51.100.7'], '198.51.100.7', true],
  ['IpAddress', 'aws:SourceIp', '203.0.113.0/24', '198.51.100.7', false],
  ['IpAddress', 'aws:SourceIp', '2001:db8::/32', '2001:db8:1::9', true],
  ['IpAddress', 'aws:SourceIp', '2001:db8::/32', '2001:db9::1', false],
  ['IpAddress', 'aws:SourceIp', '203.0.113.0/24', 'not-an-ip', false],
  ['IpAddress', 'aws:SourceIp', '203.0.113.0/24', undefined, false],
  ['NotIpAddress', 'aws:SourceIp', '203.0.113.0/24', '203.0.113.5', false],
  ['NotIpAddress', 'aws:SourceIp', '203.0.113.0/24', '192.0.2.1', true],
  ['NotIpAddress', 'aws:SourceIp', '203.0.113.0/24', undefined, true],
  ['ArnEquals', 'aws:SourceArn', `arn:aws:iam::${ACCT}:role/Admin`, `arn:aws:iam::${ACCT}:role/Admin`, true],
  ['ArnEquals', 'aws:SourceArn', `arn:aws:iam::${ACCT}:role/Admin`, `arn:aws:iam::${ACCT}:role/admin`, false],
  ['ArnLike', 'aws:SourceArn', 'arn:aws:iam::*:role/*', `arn:aws:iam::${ACCT}:role/x/y`, true],
  ['ArnLike', 'aws:SourceArn', 'arn:aws:s3:::*', 'arn:aws:s3:::bucket/key', true],
  ['ArnLike', 'aws:SourceArn', 'arn:aws:iam::1*:role/x', 'arn:aws:iam::1:2:role/x', false],
  ['ArnLike', 'aws:SourceArn', 'arn:aws:iam::*:role/*', 'not-an-arn', false],
  ['ArnNotEquals', 'aws:SourceArn', `arn:aws:iam::${ACCT}:role/Admin`, `arn:aws:iam::${ACCT}:role/Other`, true],
  ['ArnNotEquals', 'aws:SourceArn', `arn:aws:iam::${ACCT}:role/Admin`, `arn:aws:iam::${ACCT}:role/Admin`, false],
  ['ArnNotLike', 'aws:SourceArn', 'arn:aws:iam::*:role/*', `arn:aws:iam::${ACCT}:role/x`, false],
  ['ArnNotLike', 'aws:SourceArn', 'arn:aws:iam::*:role/*', undefined, true],
  ['Null', 'aws:TagKeys', 'true', undefined, true],
  ['Null', 'aws:TagKeys', 'true', ['a'], false],
  ['Null', 'aws:TagKeys', 'false', ['a'], true],
  ['Null', 'aws:TagKeys', 'false', undefined, false],
  ['Null', 'aws:TagKeys', 'true', [], true],
  ['StringEqualsIfExists', 's3:x', 'abc', undefined, true],
  ['StringEqualsIfExists', 's3:x', 'abc', 'xyz', false],
  ['NumericLessThanIfExists', 's3:max-keys', '10', undefined, true],
  ['NumericLessThanIfExists', 's3:max-keys', '10', '20', false],
  ['DateGreaterThanIfExists', 'aws:CurrentTime', '2024-01-01', undefined, true],
  ['IpAddressIfExists', 'aws:SourceIp', '10.0.0.0/8', '10.1.2.3', true],
  ['ArnLikeIfExists', 'aws:SourceArn', 'arn:aws:sns:*:*:topic', undefined, true],
  ['BoolIfExists', 'aws:MultiFactorAuthPresent', 'true', undefined, true],
  ['BoolIfExists', 'aws:MultiFactorAuthPresent', 'true', 'false', false],
  ['StringNotEqualsIfExists', 's3:x', 'abc', 'abc', false],
  ['ForAnyValue:StringEquals', 'aws:TagKeys', ['env', 'team'], ['owner', 'team'], true],
  ['ForAnyValue:StringEquals', 'aws:TagKeys', ['env', 'team'], ['owner'], false],
  ['ForAnyValue:StringEquals', 'aws:TagKeys', ['env', 'team'], undefined, false],
  ['ForAnyValue:StringEquals', 'aws:TagKeys', ['env', 'team'], [], false],
  ['ForAnyValue:StringEquals', 'aws:TagKeys', ['env', 'team'], 'env', true],
  ['ForAnyValue:StringEqualsIfExists', 'aws:TagKeys', ['env'], undefined, true],
  ['ForAnyValue:StringNotEquals', 'aws:TagKeys', ['env'], ['env', 'x'], true],
  ['ForAnyValue:StringNotEquals', 'aws:TagKeys', ['env'], ['env'], false],
  ['ForAnyValue:StringLike', 'aws:TagKeys', ['cost-*'], ['name', 'cost-center'], true],
  ['ForAllValues:StringEquals', 'aws:TagKeys', ['env', 'team'], ['env', 'team'], true],
  ['ForAllValues:StringEquals', 'aws:TagKeys', ['env', 'team'], ['env', 'owner'], false],
  ['ForAllValues:StringEquals', 'aws:TagKeys', ['env', 'team'], undefined, true],
  ['ForAllValues:StringEquals', 'aws:TagKeys', ['env', 'team'], [], true],
  ['ForAllValues:StringNotEquals', 'aws:TagKeys', ['secret'], ['a', 'b'], true],
  ['ForAllValues:StringNotEquals', 'aws:TagKeys', ['secret'], ['a', 'secret'], false],
  ['ForAllValues:StringLike', 'aws:TagKeys', ['app-*'], ['app-a', 'app-b'], true],
  ['ForAllValues:StringEqualsIgnoreCase', 'aws:TagKeys', ['ENV'], ['env', 'Env'], true],
  ['ForAllValues:NumericLessThan', 'ec2:sizes', '10', ['1', '2', '9'], true],
  ['ForAllValues:NumericLessThan', 'ec2:sizes', '10', ['1', '12'], false],
  ['StringEquals', 'aws:TagKeys', 'env', ['owner', 'env'], true],
  ['StringNotEquals', 'aws:TagKeys', 'env', ['owner', 'env'], false],
  ['StringEquals', 'AWS:RequestedRegion', 'eu-west-1', 'eu-west-1', true],
  ['StringEquals', 's3:prefix', 'home/${aws:username}/', 'home/alice/', true],
  ['StringEquals', 's3:prefix', 'home/${aws:username}/', 'home/bob/', false],
  ['StringLike', 's3:prefix', 'home/${aws:username}/*', 'home/alice/docs', true],
  ['StringEquals', 's3:prefix', "home/${aws:PrincipalTag/missing, 'shared'}/", 'home/shared/', true],
  ['StringEquals', 's3:prefix', 'home/${aws:PrincipalTag/missing}/', 'home//', false],
  ['ArnLike', 'aws:SourceArn', 'arn:aws:iam::${aws:PrincipalAccount}:role/*', `arn:aws:iam::${ACCT}:role/x`, true],
];

const conditionCases: EvalCase[] = CONDITION_ROWS.map(([op, key, values, ctx, matches]) => ({
  name: `${op} ${key}=${JSON.stringify(values)} on ${ctx === undefined ? '(missing)' : JSON.stringify(ctx)} → ${matches}`,
  identity: [doc(allow('s3:GetObject', '*', { Condition: { [op]: { [key]: values } } }))],
  action: 's3:GetObject',
  resource: OBJ,
  context: ctx === undefined
    ? { 'aws:username': 'alice', 'aws:principalaccount': ACCT }
    : { [key]: ctx, 'aws:username': 'alice', 'aws:principalaccount': ACCT },
  expect: matches ? 'allowed' : 'implicitDeny',
}));

const matchingCases: EvalCase[] = [
  { name: 'action match is case-insensitive', identity: [doc(allow('s3:GetObject'))], action: 'S3:getobject', expect: 'allowed' },
  { name: 'action * wildcard', identity: [doc(allow('s3:Get*'))], action: 's3:GetObjectAcl', expect: 'allowed' },
  { name: 'action * wildcard does not match other prefix', identity: [doc(allow('s3:Get*'))], action: 's3:PutObject', expect: 'implicitDeny' },
  { name: 'action ? wildcard', identity: [doc(allow('s3:GetObjec?'))], action: 's3:GetObject', expect: 'allowed' },
  { name: 'action ? matches exactly one char', identity: [doc(allow('s3:GetObjec?'))], action: 's3:GetObjectAcl', expect: 'implicitDeny' },
  { name: 'action infix wildcard', identity: [doc(allow('iam:*User*'))], action: 'iam:ListUserPolicies', expect: 'allowed' },
  { name: 'action "*" matches everything', identity: [doc(allow('*'))], action: 'kms:Decrypt', expect: 'allowed' },
  { name: 'action list ORed', identity: [doc(allow(['kms:Encrypt', 'kms:Decrypt']))], action: 'kms:Decrypt', expect: 'allowed' },
  { name: 'service prefix must match', identity: [doc(allow('s3:*'))], action: 's3x:GetObject', expect: 'implicitDeny' },
  { name: 'NotAction allow: other service', identity: [doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' })], action: 's3:GetObject', expect: 'allowed' },
  { name: 'NotAction allow: excluded service', identity: [doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' })], action: 'iam:CreateUser', expect: 'implicitDeny' },
  { name: 'NotAction deny', identity: [doc(allow('*'), { Effect: 'Deny', NotAction: ['s3:*'], Resource: '*' })], action: 'kms:Decrypt', expect: 'explicitDeny' },
  { name: 'resource prefix wildcard crosses /', identity: [doc(allow('s3:GetObject', 'arn:aws:s3:::amzn-s3-demo-bucket/*'))], action: 's3:GetObject', resource: OBJ, expect: 'allowed' },
  { name: 'resource wildcard other bucket', identity: [doc(allow('s3:GetObject', 'arn:aws:s3:::amzn-s3-demo-bucket/*'))], action: 's3:GetObject', resource: 'arn:aws:s3:::amzn-s3-demo-bucket2/x', expect: 'implicitDeny' },
  { name: 'resource * in region segment', identity: [doc(allow('kms:*', `arn:aws:kms:*:${ACCT}:key/*`))], action: 'kms:Decrypt', resource: KEY, expect: 'allowed' },
  { name: 'resource * in region segment, other account', identity: [doc(allow('kms:*', `arn:aws:kms:*:${OTHER}:key/*`))], action: 'kms:Decrypt', resource: KEY, expect: 'implicitDeny' },
  { name: 'resource * ending a segment expands past ":"', identity: [doc(allow('kms:*', 'arn:aws:kms:us-east-1:*'))], action: 'kms:Decrypt', resource: KEY, expect: 'allowed' },
  { name: 'resource * inside a segment stays within it', identity: [doc(allow('logs:*', `arn:aws:logs:us-east-1:${ACCT}:log-group:a*z`))], action: 'logs:GetLogEvents', resource: `arn:aws:logs:us-east-1:${ACCT}:log-group:ab:cz`, expect: 'implicitDeny' },
  { name: 'resource * inside a segment matches within it', identity: [doc(allow('logs:*', `arn:aws:logs:us-east-1:${ACCT}:log-group:a*z`))], action: 'logs:GetLogEvents', resource: `arn:aws:logs:us-east-1:${ACCT}:log-group:abcz`, expect: 'allowed' },
  { name: 'resource ? wildcard', identity: [doc(allow('s3:GetObject', 'arn:aws:s3:::b/file?.txt'))], action: 's3:GetObject', resource: 'arn:aws:s3:::b/file1.txt', expect: 'allowed' },
  { name: 'resource matching is case-sensitive', identity: [doc(allow('s3:GetObject', 'arn:aws:s3:::Bucket/*'))], action: 's3:GetObject', resource: 'arn:aws:s3:::bucket/x', expect: 'implicitDeny' },
  { name: 'resource list ORed', identity: [doc(allow('kms:*', ['arn:aws:kms:us-east-1:1:key/a', KEY]))], action: 'kms:Decrypt', resource: KEY, expect: 'allowed' },
  { name: 'NotResource allow other resource', identity: [doc({ Effect: 'Allow', Action: 's3:*', NotResource: 'arn:aws:s3:::secret/*' })], action: 's3:GetObject', resource: OBJ, expect: 'allowed' },
  { name: 'NotResource allow excluded resource', identity: [doc({ Effect: 'Allow', Action: 's3:*', NotResource: 'arn:aws:s3:::secret/*' })], action: 's3:GetObject', resource: 'arn:aws:s3:::secret/k', expect: 'implicitDeny' },
  { name: 'NotResource deny', identity: [doc(allow('s3:*'), { Effect: 'Deny', Action: 's3:*', NotResource: ['arn:aws:s3:::public/*'] })], action: 's3:GetObject', resource: OBJ, expect: 'explicitDeny' },
  { name: 'variable ${aws:username} in resource', identity: [doc(allow('s3:*', 'arn:aws:s3:::b/home/${aws:username}/*'))], action: 's3:GetObject', resource: 'arn:aws:s3:::b/home/alice/f', context: { 'aws:username': 'alice' }, expect: 'allowed' },
  { name: 'variable ${aws:username} other user', identity: [doc(allow('s3:*', 'arn:aws:s3:::b/home/${aws:username}/*'))], action: 'S3:GetObject', resource: 'arn:aws:s3:::b/home/bob/f', context: { 'aws:username': 'alice' }, expect: 'implicitDeny' },
  { name: 'variable missing without default does not match', identity: [doc(allow('s3:*', 'arn:aws:s3:::b/home/${aws:username}/*'))], action: 's3:GetObject', resource: 'arn:aws:s3:::b/home//f', expect: 'implicitDeny' },
  { name: 'variable ${aws:userid}', identity: [doc(allow('s3:*', 'arn:aws:s3:::b/${aws:userid}/*'))], action: 's3:GetObject', resource: 'arn:aws:s3:::b/AIDAEXAMPLE/x', context: { 'aws:userid': 'AIDAEXAMPLE' }, expect: 'allowed' },
  { name: 'variable ${aws:PrincipalTag/team}', identity: [doc(allow('s3:*', 'arn:aws:s3:::b/${aws:PrincipalTag/team}/*'))], action: 's3:GetObject', resource: 'arn:aws:s3:::b/red/x', context: { 'aws:PrincipalTag/team': 'red' }, expect: 'allowed' },
  { name: "variable default ${key, 'shared'}", identity: [doc(allow('s3:*', "arn:aws:s3:::b/${aws:PrincipalTag/team, 'shared'}/*"))], action: 's3:GetObject', resource: 'arn:aws:s3:::b/shared/x', expect: 'allowed' },
  { name: 'variable value is literal, not a wildcard', identity: [doc(allow('s3:*', 'arn:aws:s3:::b/${aws:username}'))], action: 's3:GetObject', resource: 'arn:aws:s3:::b/alicex', context: { 'aws:username': 'alice*' }, expect: 'implicitDeny' },
  { name: 'escape ${*} is a literal *', identity: [doc(allow('s3:*', 'arn:aws:s3:::b/${*}'))], action: 's3:GetObject', resource: 'arn:aws:s3:::b/*', expect: 'allowed' },
  { name: 'escape ${*} does not match other keys', identity: [doc(allow('s3:*', 'arn:aws:s3:::b/${*}'))], action: 's3:GetObject', resource: 'arn:aws:s3:::b/x', expect: 'implicitDeny' },
  { name: 'escapes ${?} and ${$}', identity: [doc(allow('s3:*', 'arn:aws:s3:::b/${?}${$}'))], action: 's3:GetObject', resource: 'arn:aws:s3:::b/?$', expect: 'allowed' },
  { name: 'Version 2008: variables are literal text', identity: [{ Version: '2008-10-17', Statement: [allow('s3:*', 'arn:aws:s3:::b/${aws:username}')] }], action: 's3:GetObject', resource: 'arn:aws:s3:::b/alice', context: { 'aws:username': 'alice' }, expect: 'implicitDeny' },
  { name: 'Version 2008: literal ${...} matches itself', identity: [{ Version: '2008-10-17', Statement: [allow('s3:*', 'arn:aws:s3:::b/${aws:username}')] }], action: 's3:GetObject', resource: 'arn:aws:s3:::b/${aws:username}', expect: 'allowed' },
  { name: 'no Version: variables are literal text', identity: [{ Statement: [allow('s3:*', 'arn:aws:s3:::b/${aws:username}')] }], action: 's3:GetObject', resource: 'arn:aws:s3:::b/alice', context: { 'aws:username': 'alice' }, expect: 'implicitDeny' },
  { name: 'multiple condition keys are ANDed (both true)', identity: [doc(allow('s3:*', '*', { Condition: { StringEquals: { 's3:a': '1', 's3:b': '2' } } }))], action: 's3:GetObject', context: { 's3:a': '1', 's3:b': '2' }, expect: 'allowed' },
  { name: 'multiple condition keys are ANDed (one false)', identity: [doc(allow('s3:*', '*', { Condition: { StringEquals: { 's3:a': '1', 's3:b': '2' } } }))], action: 's3:GetObject', context: { 's3:a': '1', 's3:b': '3' }, expect: 'implicitDeny' },
  { name: 'multiple operators are ANDed', identity: [doc(allow('s3:*', '*', { Condition: { StringEquals: { 's3:a': '1' }, NumericLessThan: { 's3:n': '5' } } }))], action: 's3:GetObject', context: { 's3:a': '1', 's3:n': '7' }, expect: 'implicitDeny' },
];

const combiningCases: EvalCase[] = [
  { name: 'no policies → implicit deny', action: 's3:GetObject', expect: 'implicitDeny' },
  { name: 'identity allow', identity: [doc({ Sid: 'A', ...allow('s3:GetObject') })], action: 's3:GetObject', expect: 'allowed', sids: ['A'] },
  { name: 'identity deny overrides identity allow', identity: [doc({ Sid: 'A', ...allow('s3:*') }), doc({ Sid: 'D', ...deny('s3:GetObject') })], action: 's3:GetObject', expect: 'explicitDeny', sids: ['D'] },
  { name: 'deny in the same policy wins', identity: [doc({ Sid: 'A', ...allow('*') }, { Sid: 'D', ...deny('s3:Delete*') })], action: 's3:DeleteObject', expect: 'explicitDeny', sids: ['D'] },
  { name: 'same account: resource policy naming the user suffices', resourcePolicy: doc(rAllow({ AWS: USER.arn })), action: 'kms:Decrypt', resource: KEY, expect: 'allowed' },
  { name: 'same account: resource policy naming another user', resourcePolicy: doc(rAllow({ AWS: BOB.arn })), action: 'kms:Decrypt', resource: KEY, expect: 'implicitDeny' },
  { name: 'same account: resource policy naming the account alone does not suffice', resourcePolicy: doc(rAllow({ AWS: `arn:aws:iam::${ACCT}:root` })), action: 'kms:Decrypt', resource: KEY, expect: 'implicitDeny' },
  { name: 'same account: identity allow suffices without resource allow', identity: [doc(allow('kms:Decrypt'))], resourcePolicy: doc(rAllow({ AWS: BOB.arn })), action: 'kms:Decrypt', resource: KEY, expect: 'allowed' },
  { name: 'resource policy deny overrides identity allow', identity: [doc(allow('kms:*'))], resourcePolicy: doc({ Sid: 'D', ...rDeny('*', 'kms:Decrypt') }), action: 'kms:Decrypt', resource: KEY, expect: 'explicitDeny', sids: ['D'] },
  { name: 'resource policy deny for another principal does not apply', identity: [doc(allow('kms:*'))], resourcePolicy: doc(rDeny({ AWS: BOB.arn })), action: 'kms:Decrypt', resource: KEY, expect: 'allowed' },
  { name: 'resource policy Principal "*" allows anyone', resourcePolicy: doc(rAllow('*', 's3:GetObject')), principal: ANON, action: 's3:GetObject', resource: OBJ, expect: 'allowed' },
  { name: 'resource policy {"AWS":"*"} allows an IAM user', resourcePolicy: doc(rAllow({ AWS: '*' }, 's3:GetObject')), action: 's3:GetObject', resource: OBJ, expect: 'allowed' },
  { name: 'anonymous is not matched by an account principal', resourcePolicy: doc(rAllow({ AWS: ACCT }, 's3:GetObject')), principal: ANON, action: 's3:GetObject', resource: OBJ, expect: 'implicitDeny' },
  { name: 'resource policy names role ARN → session matches', resourcePolicy: doc(rAllow({ AWS: SESSION.roleArn })), principal: SESSION, action: 'kms:Decrypt', resource: KEY, expect: 'allowed' },
  { name: 'resource policy names session ARN', resourcePolicy: doc(rAllow({ AWS: SESSION.arn })), principal: SESSION, action: 'kms:Decrypt', resource: KEY, expect: 'allowed' },
  { name: 'resource policy names another role', resourcePolicy: doc(rAllow({ AWS: `arn:aws:iam::${ACCT}:role/Other` })), principal: SESSION, action: 'kms:Decrypt', resource: KEY, expect: 'implicitDeny' },
  { name: 'NotPrincipal deny excludes a fully listed user', identity: [doc(allow('kms:*'))], resourcePolicy: doc({ Effect: 'Deny', NotPrincipal: { AWS: [USER.arn, `arn:aws:iam::${ACCT}:root`] }, Action: 'kms:*' }), action: 'kms:Decrypt', resource: KEY, expect: 'allowed' },
  { name: 'NotPrincipal deny applies to others', identity: [doc(allow('kms:*'))], resourcePolicy: doc({ Effect: 'Deny', NotPrincipal: { AWS: [USER.arn, `arn:aws:iam::${ACCT}:root`] }, Action: 'kms:*' }), principal: BOB, action: 'kms:Decrypt', resource: KEY, expect: 'explicitDeny' },
  { name: 'NotPrincipal deny without the account ARN still denies the user', identity: [doc(allow('kms:*'))], resourcePolicy: doc({ Effect: 'Deny', NotPrincipal: { AWS: USER.arn }, Action: 'kms:*' }), action: 'kms:Decrypt', resource: KEY, expect: 'explicitDeny' },
  { name: 'NotPrincipal deny: session excluded only with session, role and account ARNs', identity: [doc(allow('kms:*'))], resourcePolicy: doc({ Effect: 'Deny', NotPrincipal: { AWS: [SESSION.arn, SESSION.roleArn, `arn:aws:iam::${ACCT}:root`] }, Action: 'kms:*' }), principal: SESSION, action: 'kms:Decrypt', resource: KEY, expect: 'allowed' },
  { name: 'NotPrincipal deny: role ARN + account without session ARN denies the session', identity: [doc(allow('kms:*'))], resourcePolicy: doc({ Effect: 'Deny', NotPrincipal: { AWS: [SESSION.roleArn, ACCT] }, Action: 'kms:*' }), principal: SESSION, action: 'kms:Decrypt', resource: KEY, expect: 'explicitDeny' },
  { name: 'root: allowed without policies', principal: ROOT, action: 'iam:CreateUser', resource: `arn:aws:iam::${ACCT}:user/x`, expect: 'allowed' },
  { name: 'root: resource policy deny applies', principal: ROOT, resourcePolicy: doc(rDeny({ AWS: ACCT }, 's3:*')), action: 's3:DeleteBucket', resource: 'arn:aws:s3:::b', expect: 'explicitDeny' },
  { name: 'root: key policy without the account → denied (KMS)', principal: ROOT, requireResourcePolicy: true, resourcePolicy: doc(rAllow({ AWS: USER.arn })), action: 'kms:Decrypt', resource: KEY, expect: 'implicitDeny' },
  { name: 'root: key policy naming the account → allowed', principal: ROOT, requireResourcePolicy: true, resourcePolicy: doc(rAllow({ AWS: `arn:aws:iam::${ACCT}:root` })), action: 'kms:ScheduleKeyDeletion', resource: KEY, expect: 'allowed' },
  { name: 'KMS: no key policy → denied even with identity allow', requireResourcePolicy: true, identity: [doc(allow('kms:*'))], action: 'kms:Decrypt', resource: KEY, expect: 'implicitDeny' },
  { name: 'KMS: key policy names account and IAM policy allows (IAM User Guide default key policy)', requireResourcePolicy: true, identity: [doc(allow('kms:Decrypt', KEY))], resourcePolicy: doc({ Sid: 'Enable IAM User Permissions', ...rAllow({ AWS: `arn:aws:iam::${ACCT}:root` }) }), action: 'kms:Decrypt', resource: KEY, expect: 'allowed' },
  { name: 'KMS: key policy names account, no IAM policy → denied', requireResourcePolicy: true, resourcePolicy: doc(rAllow({ AWS: `arn:aws:iam::${ACCT}:root` })), action: 'kms:Decrypt', resource: KEY, expect: 'implicitDeny' },
  { name: 'KMS: key policy names account by bare id, IAM allows', requireResourcePolicy: true, identity: [doc(allow('kms:*'))], resourcePolicy: doc(rAllow({ AWS: ACCT })), action: 'kms:Encrypt', resource: KEY, expect: 'allowed' },
  { name: 'KMS: key policy names the user directly → no IAM policy needed', requireResourcePolicy: true, resourcePolicy: doc(rAllow({ AWS: USER.arn }, ['kms:Encrypt', 'kms:Decrypt'])), action: 'kms:Decrypt', resource: KEY, expect: 'allowed' },
  { name: 'KMS: key policy names the user for other actions only', requireResourcePolicy: true, identity: [doc(allow('kms:*'))], resourcePolicy: doc(rAllow({ AWS: USER.arn }, 'kms:Encrypt')), action: 'kms:Decrypt', resource: KEY, expect: 'implicitDeny' },
  { name: 'KMS: key policy "*" with condition on account', requireResourcePolicy: true, resourcePolicy: doc(rAllow('*', 'kms:Decrypt', { Condition: { StringEquals: { 'kms:CallerAccount': ACCT } } })), action: 'kms:Decrypt', resource: KEY, context: { 'kms:CallerAccount': ACCT }, expect: 'allowed' },
  { name: 'KMS: identity deny beats key policy allow', requireResourcePolicy: true, identity: [doc(deny('kms:Decrypt'))], resourcePolicy: doc(rAllow({ AWS: USER.arn })), action: 'kms:Decrypt', resource: KEY, expect: 'explicitDeny' },
  { name: 'KMS: service principal in key policy', requireResourcePolicy: true, principal: KMS_SERVICE, resourcePolicy: doc(rAllow({ Service: 'kms.amazonaws.com' }, 'kms:Decrypt')), action: 'kms:Decrypt', resource: KEY, expect: 'allowed' },
  { name: 'trust policy: service principal may assume', requireResourcePolicy: true, resourceKind: 'trust', principal: { type: 'Service', accountId: '', arn: 'ec2.amazonaws.com', service: 'ec2.amazonaws.com' }, resourcePolicy: doc(rAllow({ Service: ['ec2.amazonaws.com'] }, 'sts:AssumeRole')), action: 'sts:AssumeRole', resource: SESSION.roleArn!, expect: 'allowed' },
  { name: 'trust policy: other service may not assume', requireResourcePolicy: true, resourceKind: 'trust', principal: { type: 'Service', accountId: '', arn: 'lambda.amazonaws.com', service: 'lambda.amazonaws.com' }, resourcePolicy: doc(rAllow({ Service: 'ec2.amazonaws.com' }, 'sts:AssumeRole')), action: 'sts:AssumeRole', resource: SESSION.roleArn!, expect: 'implicitDeny' },
  { name: 'trust policy: account root → user needs sts:AssumeRole in identity', requireResourcePolicy: true, resourceKind: 'trust', identity: [doc(allow('sts:AssumeRole', SESSION.roleArn))], resourcePolicy: doc(rAllow({ AWS: `arn:aws:iam::${ACCT}:root` }, 'sts:AssumeRole')), action: 'sts:AssumeRole', resource: SESSION.roleArn!, expect: 'allowed' },
  { name: 'trust policy: account root, no identity allow', requireResourcePolicy: true, resourceKind: 'trust', resourcePolicy: doc(rAllow({ AWS: `arn:aws:iam::${ACCT}:root` }, 'sts:AssumeRole')), action: 'sts:AssumeRole', resource: SESSION.roleArn!, expect: 'implicitDeny' },
  { name: 'trust policy: user named directly', requireResourcePolicy: true, resourceKind: 'trust', resourcePolicy: doc(rAllow({ AWS: USER.arn }, 'sts:AssumeRole')), action: 'sts:AssumeRole', resource: SESSION.roleArn!, expect: 'allowed' },
  { name: 'trust policy: ExternalId condition', requireResourcePolicy: true, resourceKind: 'trust', principal: X_USER, resourceAccountId: ACCT, identity: [doc(allow('sts:AssumeRole'))], resourcePolicy: doc(rAllow({ AWS: OTHER }, 'sts:AssumeRole', { Condition: { StringEquals: { 'sts:ExternalId': 'ext-123' } } })), action: 'sts:AssumeRole', resource: SESSION.roleArn!, context: { 'sts:ExternalId': 'wrong' }, expect: 'implicitDeny' },
  { name: 'cross-account: resource names account, identity allows', principal: X_USER, resourceAccountId: ACCT, identity: [doc(allow('kms:Decrypt'))], resourcePolicy: doc(rAllow({ AWS: `arn:aws:iam::${OTHER}:root` })), action: 'kms:Decrypt', resource: KEY, expect: 'allowed' },
  { name: 'cross-account: resource names account, no identity allow', principal: X_USER, resourceAccountId: ACCT, resourcePolicy: doc(rAllow({ AWS: `arn:aws:iam::${OTHER}:root` })), action: 'kms:Decrypt', resource: KEY, expect: 'implicitDeny' },
  { name: 'cross-account: resource names the user directly but identity does not allow', principal: X_USER, resourceAccountId: ACCT, resourcePolicy: doc(rAllow({ AWS: X_USER.arn })), action: 'kms:Decrypt', resource: KEY, expect: 'implicitDeny' },
  { name: 'cross-account: identity allows but no resource policy', principal: X_USER, resourceAccountId: ACCT, identity: [doc(allow('kms:*'))], action: 'kms:Decrypt', resource: KEY, expect: 'implicitDeny' },
  { name: 'cross-account: resource policy names another account', principal: X_USER, resourceAccountId: ACCT, identity: [doc(allow('kms:*'))], resourcePolicy: doc(rAllow({ AWS: '999988887777' })), action: 'kms:Decrypt', resource: KEY, expect: 'implicitDeny' },
  { name: 'cross-account: other account root needs only the resource policy', principal: X_ROOT, resourceAccountId: ACCT, resourcePolicy: doc(rAllow({ AWS: OTHER })), action: 'kms:Decrypt', resource: KEY, expect: 'allowed' },
  { name: 'cross-account with requireResourcePolicy: both must allow', principal: X_USER, resourceAccountId: ACCT, requireResourcePolicy: true, identity: [doc(allow('kms:*'))], resourcePolicy: doc(rAllow({ AWS: X_USER.arn })), action: 'kms:Decrypt', resource: KEY, expect: 'allowed' },
  { name: 'session policy intersection: allowed by both', principal: SESSION, identity: [doc(allow('s3:*'))], session: [doc(allow('s3:GetObject'))], action: 's3:GetObject', resource: OBJ, expect: 'allowed' },
  { name: 'session policy intersection: not in session policy', principal: SESSION, identity: [doc(allow('s3:*'))], session: [doc(allow('s3:GetObject'))], action: 's3:PutObject', resource: OBJ, expect: 'implicitDeny' },
  { name: 'session policy cannot grant beyond identity', principal: SESSION, identity: [doc(allow('s3:GetObject'))], session: [doc(allow('*'))], action: 's3:PutObject', resource: OBJ, expect: 'implicitDeny' },
  { name: 'session policies (inline + managed) are a union', principal: SESSION, identity: [doc(allow('*'))], session: [doc(allow('s3:GetObject')), doc(allow('kms:Decrypt'))], action: 'kms:Decrypt', resource: KEY, expect: 'allowed' },
  { name: 'session policy deny is an explicit deny', principal: SESSION, identity: [doc(allow('*'))], session: [doc(allow('*'), deny('kms:*'))], action: 'kms:Decrypt', resource: KEY, expect: 'explicitDeny' },
  { name: 'session policy limits a resource policy that names the role ARN', principal: SESSION, session: [doc(allow('s3:*'))], resourcePolicy: doc(rAllow({ AWS: SESSION.roleArn })), action: 'kms:Decrypt', resource: KEY, expect: 'implicitDeny' },
  { name: 'session policy does not limit a resource policy naming the session ARN', principal: SESSION, session: [doc(allow('s3:*'))], resourcePolicy: doc(rAllow({ AWS: SESSION.arn })), action: 'kms:Decrypt', resource: KEY, expect: 'allowed' },
  { name: 'boundary allows and identity allows', identity: [doc(allow('s3:*'))], boundary: doc(allow(['s3:*', 'kms:*'])), action: 's3:GetObject', resource: OBJ, expect: 'allowed' },
  { name: 'boundary does not allow → implicit deny', identity: [doc(allow('*'))], boundary: doc(allow('s3:*')), action: 'iam:CreateUser', resource: '*', expect: 'implicitDeny' },
  { name: 'boundary alone grants nothing', boundary: doc(allow('*')), action: 's3:GetObject', resource: OBJ, expect: 'implicitDeny' },
  { name: 'boundary deny is an explicit deny', identity: [doc(allow('*'))], boundary: doc(allow('*'), deny('iam:*')), action: 'iam:DeleteUser', resource: '*', expect: 'explicitDeny' },
  { name: 'boundary does not limit a resource policy naming the IAM user', boundary: doc(allow('s3:*')), resourcePolicy: doc(rAllow({ AWS: USER.arn })), action: 'kms:Decrypt', resource: KEY, expect: 'allowed' },
  { name: 'boundary limits a resource policy naming the role ARN', principal: SESSION, boundary: doc(allow('s3:*')), resourcePolicy: doc(rAllow({ AWS: SESSION.roleArn })), action: 'kms:Decrypt', resource: KEY, expect: 'implicitDeny' },
  { name: 'boundary does not limit a resource policy naming the session ARN', principal: SESSION, boundary: doc(allow('s3:*')), resourcePolicy: doc(rAllow({ AWS: SESSION.arn })), action: 'kms:Decrypt', resource: KEY, expect: 'allowed' },
  { name: 'boundary and session policy both apply', principal: SESSION, identity: [doc(allow('*'))], boundary: doc(allow('s3:*')), session: [doc(allow('s3:GetObject'))], action: 's3:GetObject', resource: OBJ, expect: 'allowed' },
];

const guideCases: EvalCase[] = (() => {
  const bucket = 'amzn-s3-demo-bucket';
  // IAM User Guide: "Allows IAM users to access their own home directory in Amazon S3".
  const home = doc(
    { Sid: 'ListHome', Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${bucket}`, Condition: { StringLike: { 's3:prefix': [`home/\${aws:username}/*`, 'home/${aws:username}/'] } } },
    { Sid: 'RWHome', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: `arn:aws:s3:::${bucket}/home/\${aws:username}/*` },
  );
  // IAM User Guide: "Denies access to AWS based on the requested Region".
  const region = doc(allow('*'), {
    Sid: 'DenyAllOutsideRequestedRegions', Effect: 'Deny',
    NotAction: ['cloudfront:*', 'iam:*', 'route53:*', 'support:*'], Resource: '*',
    Condition: { StringNotEquals: { 'aws:RequestedRegion': ['eu-central-1', 'eu-west-1'] } },
  });
  // IAM User Guide: "Denies access to AWS based on the source IP".
  const ip = doc(allow('*'), {
    Sid: 'DenyNotFromCorp', Effect: 'Deny', Action: '*', Resource: '*',
    Condition: { NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '203.0.113.0/24'] }, Bool: { 'aws:ViaAWSService': 'false' } },
  });
  // IAM User Guide: "Allows MFA-authenticated IAM users to manage their own MFA device" (BoolIfExists).
  const mfa = doc(allow('*'), {
    Sid: 'BlockMostAccessUnlessSignedInWithMFA', Effect: 'Deny',
    NotAction: ['iam:CreateVirtualMFADevice', 'iam:EnableMFADevice', 'iam:ListMFADevices', 'iam:ListUsers', 'iam:ListVirtualMFADevices', 'iam:ResyncMFADevice', 'sts:GetSessionToken'],
    Resource: '*', Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
  });
  // IAM User Guide: ForAllValues:StringEquals on aws:TagKeys (and the Null guard it recommends).
  const tags = doc({ Effect: 'Allow', Action: 'ec2:CreateTags', Resource: '*', Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['environment', 'cost-center'] } } });
  const tagsGuarded = doc({ Effect: 'Allow', Action: 'ec2:CreateTags', Resource: '*', Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['environment', 'cost-center'] }, Null: { 'aws:TagKeys': 'false' } } });
  // IAM User Guide: "Allows access within specific dates" (DateGreaterThan/DateLessThan).
  const dates = doc({ Effect: 'Allow', Action: 'service-prefix:*', Resource: '*', Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-04-01T00:00:00Z' }, DateLessThan: { 'aws:CurrentTime': '2020-06-30T23:59:59Z' } } });
  // IAM User Guide: ABAC with aws:PrincipalTag matching aws:ResourceTag.
  const abac = doc({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/access-project': '${aws:PrincipalTag/access-project}' } } });
  const h = (name: string, over: Partial<EvalCase> & Pick<EvalCase, 'action' | 'expect'>): EvalCase => ({ name: `IAM User Guide: ${name}`, ...over });
  return [
    h('home directory: own object', { identity: [home], action: 's3:GetObject', resource: `arn:aws:s3:::${bucket}/home/alice/notes.txt`, context: { 'aws:username': 'alice' }, expect: 'allowed', sids: ['RWHome'] }),
    h("home directory: another user's object", { identity: [home], action: 's3:GetObject', resource: `arn:aws:s3:::${bucket}/home/bob/notes.txt`, context: { 'aws:username': 'alice' }, expect: 'implicitDeny' }),
    h('home directory: list own prefix', { identity: [home], action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}`, context: { 'aws:username': 'alice', 's3:prefix': 'home/alice/' }, expect: 'allowed' }),
    h("home directory: list another user's prefix", { identity: [home], action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}`, context: { 'aws:username': 'alice', 's3:prefix': 'home/bob/' }, expect: 'implicitDeny' }),
    h('home directory: no aws:username (role session)', { identity: [home], principal: SESSION, action: 's3:GetObject', resource: `arn:aws:s3:::${bucket}/home//x`, expect: 'implicitDeny' }),
    h('region deny: ec2 outside allowed regions', { identity: [region], action: 'ec2:RunInstances', context: { 'aws:RequestedRegion': 'us-east-1' }, expect: 'explicitDeny', sids: ['DenyAllOutsideRequestedRegions'] }),
    h('region deny: ec2 in allowed region', { identity: [region], action: 'ec2:RunInstances', context: { 'aws:RequestedRegion': 'eu-west-1' }, expect: 'allowed' }),
    h('region deny: global service exempted by NotAction', { identity: [region], action: 'iam:CreateUser', context: { 'aws:RequestedRegion': 'us-east-1' }, expect: 'allowed' }),
    h('source IP: from corporate range', { identity: [ip], action: 's3:GetObject', context: { 'aws:SourceIp': '192.0.2.10', 'aws:ViaAWSService': 'false' }, expect: 'allowed' }),
    h('source IP: from elsewhere', { identity: [ip], action: 's3:GetObject', context: { 'aws:SourceIp': '198.51.100.7', 'aws:ViaAWSService': 'false' }, expect: 'explicitDeny' }),
    h('source IP: via an AWS service', { identity: [ip], action: 's3:GetObject', context: { 'aws:SourceIp': '198.51.100.7', 'aws:ViaAWSService': 'true' }, expect: 'allowed' }),
    h('MFA: long-term keys (key missing) are denied', { identity: [mfa], action: 'ec2:DescribeInstances', expect: 'explicitDeny' }),
    h('MFA: MFA session allowed', { identity: [mfa], action: 'ec2:DescribeInstances', context: { 'aws:MultiFactorAuthPresent': 'true' }, expect: 'allowed' }),
    h('MFA: no MFA denied', { identity: [mfa], action: 'ec2:DescribeInstances', context: { 'aws:MultiFactorAuthPresent': 'false' }, expect: 'explicitDeny' }),
    h('MFA: MFA setup actions allowed without MFA', { identity: [mfa], action: 'iam:ListMFADevices', context: { 'aws:MultiFactorAuthPresent': 'false' }, expect: 'allowed' }),
    h('TagKeys ForAllValues: allowed keys', { identity: [tags], action: 'ec2:CreateTags', context: { 'aws:TagKeys': ['environment'] }, expect: 'allowed' }),
    h('TagKeys ForAllValues: extra key', { identity: [tags], action: 'ec2:CreateTags', context: { 'aws:TagKeys': ['environment', 'owner'] }, expect: 'implicitDeny' }),
    h('TagKeys ForAllValues: no tags at all → true (documented pitfall)', { identity: [tags], action: 'ec2:CreateTags', expect: 'allowed' }),
    h('TagKeys ForAllValues + Null guard: no tags → denied', { identity: [tagsGuarded], action: 'ec2:CreateTags', expect: 'implicitDeny' }),
    h('TagKeys ForAllValues + Null guard: allowed keys', { identity: [tagsGuarded], action: 'ec2:CreateTags', context: { 'aws:TagKeys': ['cost-center', 'environment'] }, expect: 'allowed' }),
    h('date window: inside', { identity: [dates], action: 'service-prefix:Do', context: { 'aws:CurrentTime': '2020-05-01T10:00:00Z' }, expect: 'allowed' }),
    h('date window: after', { identity: [dates], action: 'service-prefix:Do', context: { 'aws:CurrentTime': '2020-07-01T00:00:00Z' }, expect: 'implicitDeny' }),
    h('ABAC: principal tag equals resource tag', { identity: [abac], action: 'secretsmanager:GetSecretValue', context: { 'aws:ResourceTag/access-project': 'peg', 'aws:PrincipalTag/access-project': 'peg' }, expect: 'allowed' }),
    h('ABAC: principal tag differs', { identity: [abac], action: 'secretsmanager:GetSecretValue', context: { 'aws:ResourceTag/access-project': 'peg', 'aws:PrincipalTag/access-project': 'sky' }, expect: 'implicitDeny' }),
    h('ABAC: principal untagged', { identity: [abac], action: 'secretsmanager:GetSecretValue', context: { 'aws:ResourceTag/access-project': 'peg' }, expect: 'implicitDeny' }),
  ];
})();

/** Every evaluation vector. */
export const EVAL_CASES: readonly EvalCase[] = [...conditionCases, ...matchingCases, ...combiningCases, ...guideCases];

/** One document that must fail to compile. */
export interface InvalidCase {
  readonly name: string;
  readonly text: string;
  readonly kind?: 'identity' | 'resource' | 'trust' | 'session' | 'boundary';
  readonly maxChars?: number;
  readonly code?: 'MalformedPolicyDocument' | 'LimitExceeded';
  /** A substring the error message must contain. */
  readonly message: string;
}

const j = (v: unknown): string => JSON.stringify(v);
const okStmt = allow('s3:GetObject');

/** Malformed documents and the message each must produce. */
export const INVALID_CASES: readonly InvalidCase[] = [
  { name: 'not JSON', text: '{"Version": ', message: 'Syntax errors in policy' },
  { name: 'JSON array', text: '[]', message: 'must be a JSON object' },
  { name: 'JSON null', text: 'null', message: 'must be a JSON object' },
  { name: 'no Statement', text: j({ Version: V }), message: 'Missing required field Statement' },
  { name: 'empty Statement list', text: j({ Version: V, Statement: [] }), message: 'at least one statement' },
  { name: 'bad Version', text: j({ Version: '2020-01-01', Statement: [okStmt] }), message: 'The policy failed legacy parsing' },
  { name: 'numeric Version', text: j({ Version: 2012, Statement: [okStmt] }), message: 'The policy failed legacy parsing' },
  { name: 'unknown top-level field', text: j({ Version: V, Statement: [okStmt], Foo: 1 }), message: 'Unknown field Foo' },
  { name: 'statement is not an object', text: j({ Version: V, Statement: [okStmt, 'x'] }), message: 'Statement 2' },
  { name: 'unknown statement field', text: j(doc({ ...okStmt, Actions: 's3:*' })), message: 'Unknown field Actions' },
  { name: 'missing Effect', text: j(doc({ Action: 's3:*', Resource: '*' })), message: 'Missing required field Effect' },
  { name: 'lower-case Effect', text: j(doc({ ...okStmt, Effect: 'allow' })), message: 'Invalid effect: allow' },
  { name: 'no Action', text: j(doc({ Effect: 'Allow', Resource: '*' })), message: 'Policy statement must contain actions' },
  { name: 'empty Action list', text: j(doc(allow([]))), message: 'Policy statement must contain actions' },
  { name: 'Action and NotAction', text: j(doc({ ...okStmt, NotAction: 's3:PutObject' })), message: 'both Action and NotAction' },
  { name: 'Action without vendor', text: j(doc(allow('GetObject'))), message: 'Actions/Conditions must be prefaced by a vendor' },
  { name: 'Action not a string', text: j(doc(allow(42))), message: 'Action must be a string or a list of strings' },
  { name: 'identity policy without Resource', text: j(doc({ Effect: 'Allow', Action: 's3:*' })), message: 'Policy statement must contain resources' },
  { name: 'session policy without Resource', kind: 'session', text: j(doc({ Effect: 'Allow', Action: 's3:*' })), message: 'Policy statement must contain resources' },
  { name: 'Resource not an ARN', text: j(doc(allow('s3:*', 'my-bucket'))), message: 'Resource my-bucket must be in ARN format or "*"' },
  { name: 'Resource and NotResource', text: j(doc({ ...okStmt, NotResource: '*' })), message: 'both Resource and NotResource' },
  { name: 'identity policy with Principal', text: j(doc({ ...okStmt, Principal: '*' })), message: 'Policy document should not specify a principal. Has prohibited field Principal' },
  { name: 'boundary with NotPrincipal', kind: 'boundary', text: j(doc({ ...okStmt, NotPrincipal: { AWS: ACCT } })), message: 'Has prohibited field NotPrincipal' },
  { name: 'resource policy without Principal', kind: 'resource', text: j(doc(okStmt)), message: 'Missing required field Principal' },
  { name: 'trust policy without Principal', kind: 'trust', text: j(doc({ Effect: 'Allow', Action: 'sts:AssumeRole' })), message: 'Missing required field Principal' },
  { name: 'Principal and NotPrincipal', kind: 'resource', text: j(doc(rAllow('*', 's3:*', { NotPrincipal: '*' }))), message: 'both Principal and NotPrincipal' },
  { name: 'wildcard inside a principal ARN', kind: 'resource', text: j(doc(rAllow({ AWS: `arn:aws:iam::${ACCT}:user/*` }))), message: 'Invalid principal in policy' },
  { name: 'unknown principal type', kind: 'resource', text: j(doc(rAllow({ Foo: 'x' }))), message: 'Invalid principal in policy' },
  { name: 'principal not an ARN', kind: 'trust', text: j(doc(rAllow({ AWS: 'alice' }))), message: 'Invalid principal in policy: "AWS":"alice"' },
  { name: 'empty Principal object', kind: 'resource', text: j(doc(rAllow({}))), message: 'Principal must be "*" or an object' },
  { name: 'unknown condition operator', text: j(doc(allow('s3:*', '*', { Condition: { StringEqualz: { 's3:x': 'a' } } }))), message: 'Invalid Condition type : StringEqualz' },
  { name: 'unknown operator with set prefix', text: j(doc(allow('s3:*', '*', { Condition: { 'ForAnyValue:Foo': { 's3:x': 'a' } } }))), message: 'Invalid Condition type : ForAnyValue:Foo' },
  { name: 'invalid CIDR', text: j(doc(allow('s3:*', '*', { Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/33' } } }))), message: "Invalid IP address or CIDR '10.0.0.0/33'" },
  { name: 'invalid IP', text: j(doc(allow('s3:*', '*', { Condition: { NotIpAddress: { 'aws:SourceIp': 'corp' } } }))), message: 'Invalid IP address or CIDR' },
  { name: 'non-numeric Numeric value', text: j(doc(allow('s3:*', '*', { Condition: { NumericLessThan: { 's3:max-keys': 'ten' } } }))), message: "Invalid numeric value 'ten' for NumericLessThan" },
  { name: 'invalid date', text: j(doc(allow('s3:*', '*', { Condition: { DateLessThan: { 'aws:CurrentTime': 'tomorrow' } } }))), message: "Invalid date value 'tomorrow'" },
  { name: 'invalid Bool', text: j(doc(allow('s3:*', '*', { Condition: { Bool: { 'aws:SecureTransport': 'yes' } } }))), message: 'Invalid Bool value' },
  { name: 'invalid Null', text: j(doc(allow('s3:*', '*', { Condition: { Null: { 'aws:TagKeys': 'maybe' } } }))), message: 'Invalid Null value' },
  { name: 'invalid base64', text: j(doc(allow('s3:*', '*', { Condition: { BinaryEquals: { 'k:b': '!!!' } } }))), message: 'Invalid base64' },
  { name: 'condition values empty', text: j(doc(allow('s3:*', '*', { Condition: { StringEquals: { 's3:x': [] } } }))), message: 'has no values' },
  { name: 'condition value is an object', text: j(doc(allow('s3:*', '*', { Condition: { StringEquals: { 's3:x': { a: 1 } } } }))), message: 'must be strings, numbers or booleans' },
  { name: 'condition block not an object', text: j(doc(allow('s3:*', '*', { Condition: { StringEquals: 'x' } }))), message: 'must map condition keys to values' },
  { name: 'Condition not an object', text: j(doc(allow('s3:*', '*', { Condition: [] }))), message: 'Condition must be an object' },
  { name: 'duplicate Sid', text: j(doc({ Sid: 'A', ...okStmt }, { Sid: 'A', ...okStmt })), message: 'must be unique' },
  { name: 'non-alphanumeric Sid in identity policy', text: j(doc({ Sid: 'Read objects', ...okStmt })), message: 'must be alpha-numeric' },
  { name: 'Sid not a string', text: j(doc({ Sid: 1, ...okStmt })), message: 'Sid must be a string' },
  { name: 'message names the statement', text: j(doc(okStmt, { Sid: 'Second', Effect: 'Allow', Action: 's3:*' })), message: '(Statement 2, Sid "Second")' },
  { name: 'too large (maxChars)', text: j(doc(okStmt)), maxChars: 20, code: 'LimitExceeded', message: 'Cannot exceed quota for PolicySize: 20' },
];

/** Documents that must compile. */
export const VALID_CASES: readonly { name: string; text: string; kind: 'identity' | 'resource' | 'trust' | 'session' | 'boundary'; maxChars?: number }[] = [
  { name: 'trust policy without Resource', kind: 'trust', text: j(doc(rAllow({ Service: 'ec2.amazonaws.com' }, 'sts:AssumeRole'))) },
  { name: 'no Version', kind: 'identity', text: j({ Statement: okStmt }) },
  { name: 'single statement object', kind: 'identity', text: j({ Version: V, Statement: okStmt }) },
  { name: 'KMS default key policy with spaces in Sid', kind: 'resource', text: j(doc({ Sid: 'Enable IAM User Permissions', ...rAllow({ AWS: `arn:aws:iam::${ACCT}:root` }), Resource: '*' })) },
  { name: 'duplicate Sid allowed in a resource policy', kind: 'resource', text: j(doc({ Sid: 'A', ...rAllow('*') }, { Sid: 'A', ...rAllow('*') })) },
  { name: 'numbers and booleans as condition values', kind: 'identity', text: j(doc(allow('s3:*', '*', { Condition: { NumericLessThan: { 's3:max-keys': 10 }, Bool: { 'aws:SecureTransport': true } } }))) },
  { name: 'Id element and IPv6 CIDR', kind: 'identity', text: j({ Version: V, Id: 'p1', Statement: [allow('s3:*', '*', { Condition: { IpAddress: { 'aws:SourceIp': ['2001:db8::/32', '10.0.0.1'] } } })] }) },
  { name: 'exactly at maxChars (whitespace not counted)', kind: 'identity', maxChars: j(doc(okStmt)).length, text: JSON.stringify(doc(okStmt), null, 2) },
  { name: 'service principal list and Federated', kind: 'trust', text: j(doc(rAllow({ Service: ['ec2.amazonaws.com', 'lambda.amazonaws.com'], Federated: 'cognito-identity.amazonaws.com' }, 'sts:AssumeRole'))) },
];

/**
 * STS (query protocol, model src/models/sts.json): GetCallerIdentity, AssumeRole and
 * GetSessionToken over the IamStore, which persists the temporary credentials it issues.
 */
import { deflateRawSync } from 'node:zlib';
import { awsError } from '../errors/index.js';
import type { OperationHandler, RequestContext, ServiceDefinition, ServiceModel } from '../http/service.js';
import type { IamStore, RoleRecord } from '../iam/index.js';
import stsModel from '../models/sts.json' with { type: 'json' };

const model = stsModel as unknown as ServiceModel;

/** Compressed bytes the packed session policies and tags may use (PackedPolicySize = 100%). */
export const PACKED_POLICY_LIMIT = 2048;
/** Plaintext limit of the inline session policy (AWS: 2,048 characters). */
export const SESSION_POLICY_MAX_CHARS = 2048;
/** At most this many managed session policies (PolicyArns). */
export const MAX_POLICY_ARNS = 10;
/** Role chaining limits a session to one hour. */
export const CHAINED_MAX_SECONDS = 3600;

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const ROLE_ARN = /^arn:aws:iam::(\d{12}):role(\/(?:[\x21-\x7e]*\/)?)?([\w+=,.@-]+)$/;

interface AssumeRoleIn {
  RoleArn: string;
  RoleSessionName: string;
  DurationSeconds?: number;
  Policy?: string;
  PolicyArns?: { arn?: string }[];
  Tags?: { Key: string; Value: string }[];
  TransitiveTagKeys?: string[];
  ExternalId?: string;
  SourceIdentity?: string;
  SerialNumber?: string;
  TokenCode?: string;
}

interface SessionTokenIn {
  DurationSeconds?: number;
  SerialNumber?: string;
  TokenCode?: string;
}

/** The STS service definition over `store`. */
export function stsService(store: IamStore): ServiceDefinition {
  const acct = store.accountId;

  const getCallerIdentity: OperationHandler<Record<string, never>> = {
    authorization: 'none',
    action: 'sts:GetCallerIdentity',
    readOnly: true,
    handler: (_i, ctx) => {
      const p = ctx.principal;
      return { UserId: p.type === 'Root' ? p.accountId : p.principalId, Account: p.accountId, Arn: p.arn };
    },
  };

  const assumeRole: OperationHandler<AssumeRoleIn> = {
    authorization: 'handler',
    action: 'sts:AssumeRole',
    readOnly: true,
    hideResponse: true,
    redact: ['TokenCode'],
    handler: async (i, ctx) => {
      const caller = ctx.principal;
      const denied = (): Error =>
        awsError('AccessDenied', `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${i.RoleArn}`);
      if (caller.type === 'Root') throw awsError('AccessDenied', 'Roles may not be assumed by root accounts.');
      if (!SESSION_NAME.test(i.RoleSessionName)) {
        throw awsError('ValidationError', `1 validation error detected: Value '${i.RoleSessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
      }
      if (i.SerialNumber !== undefined || i.TokenCode !== undefined) {
        throw awsError('AccessDenied', 'MultiFactorAuthentication failed, unable to validate MFA code.');
      }
      const m = ROLE_ARN.exec(i.RoleArn);
      const role: RoleRecord | undefined = m && m[1] === acct ? store.getRole(m[3]!) : undefined;
      const roleArn = role ? store.arn('role', role.path, role.name) : undefined;
      // AWS does not reveal whether a role exists: a missing role is AccessDenied like a refused one.
      if (!role || roleArn !== i.RoleArn) throw denied();

      const callerSession = caller.type === 'AssumedRole' ? store.getSession(caller.accessKeyId) : undefined;
      const chained = caller.type === 'AssumedRole';
      const duration = i.DurationSeconds ?? 3600;
      if (chained && duration > CHAINED_MAX_SECONDS) {
        throw awsError('ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
      }
      if (duration > role.maxSessionDuration) {
        throw awsError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
      }

      // Session policies: validate before authorizing so a malformed document is reported as such.
      const sessionPolicies: string[] = [];
      if (i.Policy !== undefined) {
        if (i.Policy.length > SESSION_POLICY_MAX_CHARS) {
          throw awsError('ValidationError', `1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to ${SESSION_POLICY_MAX_CHARS}`);
        }
        store.compile(i.Policy, 'session', 'session:Policy');
        sessionPolicies.push(i.Policy);
      }
      const arns = (i.PolicyArns ?? []).map((d) => d.arn ?? '');
      if (arns.length > MAX_POLICY_ARNS) {
        throw awsError('ValidationError', `1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to ${MAX_POLICY_ARNS}`);
      }
      for (const arn of arns) {
        const p = store.getPolicy(arn);
        if (!p) throw awsError('MalformedPolicyDocument', `Policy ${arn} does not exist or is not attachable.`);
        sessionPolicies.push(store.defaultDocument(p));
      }

      // Session tags: role tags, overlaid by the request's tags, overlaid by tags a chained caller
      // passes on transitively (which the request may not override).
      const requestTags: Record<string, string> = {};
      for (const t of i.Tags ?? []) requestTags[t.Key] = t.Value;
      const inherited: Record<string, string> = {};
      const callerTransitive = callerSession?.transitiveTagKeys ?? [];
      for (const k of callerTransitive) {
        const v = callerSession?.tags?.[k];
        if (v !== undefined) inherited[k] = v;
      }
      for (const k of Object.keys(requestTags)) {
        if (Object.keys(inherited).some((x) => x.toLowerCase() === k.toLowerCase())) {
          throw awsError('InvalidParameterValue', `One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session: ${k}`);
        }
      }
      const transitive = [...new Set([...callerTransitive, ...(i.TransitiveTagKeys ?? [])])];
      for (const k of i.TransitiveTagKeys ?? []) {
        if (!(k in requestTags)) throw awsError('InvalidParameterValue', `The specified transitive tag key must be included in the requested tags: ${k}`);
      }
      const tags: Record<string, string> = {};
      for (const t of role.tags) tags[t.Key] = t.Value;
      overlay(tags, requestTags);
      overlay(tags, inherited);

      const sourceIdentity = callerSession?.sourceIdentity ?? i.SourceIdentity;
      if (callerSession?.sourceIdentity !== undefined && i.SourceIdentity !== undefined && i.SourceIdentity !== callerSession.sourceIdentity) {
        throw awsError('AccessDenied', 'SourceIdentity cannot be changed once it is set for a role session.');
      }

      // The trust policy decides (plus identity policies when it only names the account).
      const trust = store.compile(role.trustPolicy, 'trust', `trust:${roleArn}`);
      const context = new Map<string, string | readonly string[]>();
      context.set('sts:rolesessionname', i.RoleSessionName);
      if (i.ExternalId !== undefined) context.set('sts:externalid', i.ExternalId);
      if (sourceIdentity !== undefined) context.set('sts:sourceidentity', sourceIdentity);
      if (i.TransitiveTagKeys?.length) context.set('sts:transitivetagkeys', i.TransitiveTagKeys);
      const authz = { resource: roleArn, resourcePolicy: trust, requireResourcePolicy: true, context } as const;
      await ctx.authorize({ action: 'sts:AssumeRole', ...authz });
      if (i.Tags?.length) await ctx.authorize({ action: 'sts:TagSession', ...authz });
      if (i.SourceIdentity !== undefined && callerSession?.sourceIdentity === undefined) {
        await ctx.authorize({ action: 'sts:SetSourceIdentity', ...authz });
      }

      const packedBytes = packedSize(i.Policy, arns, requestTags);
      const packedPercent = Math.ceil((100 * packedBytes) / PACKED_POLICY_LIMIT);
      if (packedPercent > 100) {
        throw awsError('PackedPolicyTooLarge', `Packed policy consumes ${packedPercent}% of allotted space, please use smaller policy.`);
      }

      const creds = await store.createRoleSession({
        role, sessionName: i.RoleSessionName, durationSeconds: duration, tags, transitiveTagKeys: transitive,
        sessionPolicies, ...(sourceIdentity !== undefined ? { sourceIdentity } : {}), chained, issuerArn: caller.arn,
      });
      store.noteRoleUsed(role.id, ctx.region);
      ctx.addResource(roleArn, 'AWS::IAM::Role');
      ctx.addResource(`arn:aws:sts::${acct}:assumed-role/${role.name}/${i.RoleSessionName}`, 'AWS::STS::AssumedRole');
      const packedUsed = i.Policy !== undefined || arns.length > 0 || (i.Tags?.length ?? 0) > 0;
      return {
        Credentials: {
          AccessKeyId: creds.accessKeyId, SecretAccessKey: creds.secretAccessKey, SessionToken: creds.sessionToken, Expiration: creds.expiration,
        },
        AssumedRoleUser: {
          AssumedRoleId: `${role.id}:${i.RoleSessionName}`,
          Arn: `arn:aws:sts::${acct}:assumed-role/${role.name}/${i.RoleSessionName}`,
        },
        ...(packedUsed ? { PackedPolicySize: packedPercent } : {}),
        ...(sourceIdentity !== undefined ? { SourceIdentity: sourceIdentity } : {}),
      };
    },
  };

  const getSessionToken: OperationHandler<SessionTokenIn> = {
    // AWS: no IAM permission is needed (or can be denied) for GetSessionToken.
    authorization: 'none',
    action: 'sts:GetSessionToken',
    readOnly: true,
    hideResponse: true,
    redact: ['TokenCode'],
    handler: async (i, ctx: RequestContext) => {
      const p = ctx.principal;
      if (p.temporary || p.type === 'AssumedRole') throw awsError('AccessDenied', 'Cannot call GetSessionToken with session credentials');
      if (i.SerialNumber !== undefined || i.TokenCode !== undefined) {
        throw awsError('AccessDenied', 'MultiFactorAuthentication failed, unable to validate MFA code.');
      }
      // Root sessions are capped at one hour (silently, as AWS does); users default to 12 hours.
      const duration = p.type === 'Root' ? Math.min(i.DurationSeconds ?? 3600, 3600) : (i.DurationSeconds ?? 43200);
      const subject = p.type === 'Root' ? 'root' : p.principalId;
      const creds = await store.createUserSession(subject, duration, p.arn);
      ctx.addResource(p.arn);
      return {
        Credentials: {
          AccessKeyId: creds.accessKeyId, SecretAccessKey: creds.secretAccessKey, SessionToken: creds.sessionToken, Expiration: creds.expiration,
        },
      };
    },
  };

  return {
    name: 'sts',
    eventSource: 'sts.amazonaws.com',
    model,
    operations: {
      GetCallerIdentity: getCallerIdentity,
      AssumeRole: assumeRole,
      GetSessionToken: getSessionToken,
    },
  };
}

function overlay(into: Record<string, string>, from: Readonly<Record<string, string>>): void {
  for (const k of Object.keys(from)) {
    for (const existing of Object.keys(into)) if (existing.toLowerCase() === k.toLowerCase()) delete into[existing];
    into[k] = from[k]!;
  }
}

/** Compressed size of the session policy, policy ARNs and session tags, as STS packs them. */
function packedSize(policy: string | undefined, arns: readonly string[], tags: Readonly<Record<string, string>>): number {
  if (policy === undefined && arns.length === 0 && Object.keys(tags).length === 0) return 0;
  let minified = '';
  if (policy !== undefined) {
    try {
      minified = JSON.stringify(JSON.parse(policy));
    } catch {
      minified = policy;
    }
  }
  const parts = [minified, arns.join(','), Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(',')];
  return deflateRawSync(Buffer.from(parts.join('\n'), 'utf8')).length;
}

/**
 * The contract of the one IAM policy engine used for identity policies, resource policies (KMS key
 * policies), trust policies, session policies and permissions boundaries.
 */

/** What a policy document is attached as; changes which elements are required or forbidden. */
export type PolicyKind = 'identity' | 'resource' | 'trust' | 'session' | 'boundary';

/**
 * Request context for condition evaluation. Keys are matched case-insensitively (store them
 * lower-cased); values are strings or multi-valued string lists, as in AWS's request context.
 * A missing key is `undefined`.
 */
export type ConditionContext = ReadonlyMap<string, string | readonly string[]>;

/** The principal making the request, as the policy engine sees it. */
export interface AuthzPrincipal {
  readonly type: 'Root' | 'IAMUser' | 'AssumedRole' | 'Service' | 'Anonymous';
  readonly accountId: string;
  /** The caller's ARN (for an assumed role: arn:aws:sts::acct:assumed-role/Role/Session). */
  readonly arn: string;
  /** For AssumedRole: the role's IAM ARN, which a Principal element may also name. */
  readonly roleArn?: string;
  /** For Service principals: e.g. 'kms.amazonaws.com'. */
  readonly service?: string;
}

/** One authorization question. */
export interface AuthzRequest {
  readonly principal: AuthzPrincipal;
  /** e.g. 'iam:CreateUser' (matched case-insensitively). */
  readonly action: string;
  /** The resource ARN, or '*'. */
  readonly resource: string;
  readonly context: ConditionContext;
}

/** The policies that apply to one request. */
export interface AuthzInput {
  /** The principal's identity-based policies (user/group/role inline and managed). */
  readonly identityPolicies: readonly CompiledPolicy[];
  /** The resource's policy (e.g. a KMS key policy or a role's trust policy), if any. */
  readonly resourcePolicy?: CompiledPolicy;
  /** The account that owns the resource (defaults to the principal's account). */
  readonly resourceAccountId?: string;
  /**
   * KMS semantics: the resource policy must allow the request, either by naming the principal or
   * by naming the account (arn:aws:iam::<acct>:root or "<acct>"), in which case identity policies
   * then decide. Without this flag, AWS's standard same-account rule applies: an allow in either
   * identity or resource policy suffices.
   */
  readonly requireResourcePolicy?: boolean;
  /** Session policies (AssumeRole Policy/PolicyArns): the result is limited to what they allow. */
  readonly sessionPolicies?: readonly CompiledPolicy[];
  /** A permissions boundary: the result is limited to what it allows. */
  readonly permissionsBoundary?: CompiledPolicy;
}

/** A statement that took part in a decision, for SimulatePrincipalPolicy and debugging. */
export interface MatchedStatement {
  readonly source: string;
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
}

/** The outcome of evaluating a request. */
export interface Decision {
  readonly decision: 'allowed' | 'explicitDeny' | 'implicitDeny';
  readonly matched: readonly MatchedStatement[];
}

/** A validated, compiled policy document. Opaque to callers; compiled once when stored. */
export interface CompiledPolicy {
  readonly kind: PolicyKind;
  /** A label for MatchedStatement.source (e.g. the policy ARN or 'inline:UserPolicy'). */
  readonly source: string;
  /** The original document text, as stored and returned to clients. */
  readonly text: string;
}

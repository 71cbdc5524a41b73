/** The authenticated caller of a request, as SigV4 + the credential store resolve it. */

/** Who is calling: the account's root user, an IAM user, or a role session. */
export interface Principal {
  readonly type: 'Root' | 'IAMUser' | 'AssumedRole';
  readonly accountId: string;
  /** arn:aws:iam::<acct>:root, arn:aws:iam::<acct>:user/<path><name>, arn:aws:sts::<acct>:assumed-role/<role>/<session> */
  readonly arn: string;
  /** AWS's principalId: the account id for root, AIDA… for users, AROA…:<session> for role sessions. */
  readonly principalId: string;
  /** The access key used to sign the request. */
  readonly accessKeyId: string;
  /** IAM user name (IAMUser) */
  readonly userName?: string;
  /** Role ARN (arn:aws:iam::<acct>:role/<path><name>) for AssumedRole. */
  readonly roleArn?: string;
  /** Role name for AssumedRole. */
  readonly roleName?: string;
  /** RoleSessionName for AssumedRole. */
  readonly sessionName?: string;
  /** True when the credentials are temporary (STS). */
  readonly temporary: boolean;
  /** When temporary credentials were issued (aws:TokenIssueTime). */
  readonly tokenIssueTime?: Date;
  /** Whether the session was created with MFA (aws:MultiFactorAuthPresent). */
  readonly mfaPresent?: boolean;
  /** Principal tags (aws:PrincipalTag/*): user tags, role tags overlaid with session tags. */
  readonly tags: Readonly<Record<string, string>>;
  /** Session policies passed to AssumeRole/GetSessionToken, stored as JSON text. */
  readonly sessionPolicies?: readonly string[];
  /** For GetSessionToken credentials of an IAM user or root: the long-term key that created them. */
  readonly sourceIdentityArn?: string;
}

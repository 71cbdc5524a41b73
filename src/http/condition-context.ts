/** Builds the global IAM condition keys for one request (aws:SourceIp, aws:CurrentTime, ...). */
import type { Principal } from '../iam/principal.js';

/** Request facts the global condition keys are derived from. */
export interface RequestFacts {
  readonly principal: Principal;
  readonly sourceIp: string;
  readonly now: Date;
  readonly secureTransport: boolean;
  readonly region: string;
  readonly userAgent: string;
  /** Tags the request sets (aws:RequestTag/*, aws:TagKeys), when the input carries any. */
  readonly requestTags?: Readonly<Record<string, string>>;
}

/**
 * The global condition context. Keys are lower-cased (the policy engine matches keys
 * case-insensitively). Keys AWS only sets for some principals (aws:username, aws:TokenIssueTime,
 * aws:MultiFactorAuthPresent) are absent otherwise, so `...IfExists` and Null behave as on AWS.
 */
export function globalConditionContext(f: RequestFacts): Map<string, string | readonly string[]> {
  const p = f.principal;
  const m = new Map<string, string | readonly string[]>();
  m.set('aws:sourceip', f.sourceIp);
  m.set('aws:currenttime', f.now.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  m.set('aws:epochtime', String(Math.floor(f.now.getTime() / 1000)));
  m.set('aws:securetransport', f.secureTransport ? 'true' : 'false');
  m.set('aws:requestedregion', f.region);
  m.set('aws:useragent', f.userAgent);
  m.set('aws:principalaccount', p.accountId);
  m.set('aws:principalarn', p.type === 'AssumedRole' && p.roleArn ? p.roleArn : p.arn);
  m.set('aws:principaltype', p.type === 'Root' ? 'Account' : p.type === 'IAMUser' ? 'User' : 'AssumedRole');
  m.set('aws:userid', p.principalId);
  m.set('aws:viaawsservice', 'false');
  m.set('aws:principalisawsservice', 'false');
  if (p.type === 'IAMUser' && p.userName) m.set('aws:username', p.userName);
  if (p.temporary) {
    if (p.tokenIssueTime) m.set('aws:tokenissuetime', p.tokenIssueTime.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    m.set('aws:multifactorauthpresent', p.mfaPresent ? 'true' : 'false');
  }
  for (const k of Object.keys(p.tags)) m.set(`aws:principaltag/${k.toLowerCase()}`, p.tags[k] as string);
  if (f.requestTags) {
    const keys = Object.keys(f.requestTags);
    for (const k of keys) m.set(`aws:requesttag/${k.toLowerCase()}`, f.requestTags[k] as string);
    m.set('aws:tagkeys', keys);
  }
  return m;
}

/**
 * Extracts tags a request sets from its decoded input, in the two shapes AWS models use:
 * a `Tags` list of {Key,Value} (or {TagKey,TagValue}) and a `Tags`/`TagMap` string map.
 */
export function requestTagsOf(input: Record<string, unknown>): Record<string, string> | undefined {
  const t = input.Tags ?? input.TagMap ?? input.TagList;
  if (t === undefined || t === null) return undefined;
  const out: Record<string, string> = {};
  if (Array.isArray(t)) {
    for (const e of t) {
      if (e && typeof e === 'object') {
        const o = e as Record<string, unknown>;
        const k = o.Key ?? o.TagKey;
        const v = o.Value ?? o.TagValue ?? '';
        if (typeof k === 'string' && typeof v === 'string') out[k] = v;
      }
    }
    return out;
  }
  if (typeof t === 'object') {
    for (const [k, v] of Object.entries(t as Record<string, unknown>)) if (typeof v === 'string') out[k] = v;
    return out;
  }
  return undefined;
}

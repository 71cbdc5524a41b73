/**
 * AWS's policy evaluation logic over compiled policies: explicit deny wins; then identity and
 * resource policies combine (same-account, KMS-style requireResourcePolicy, cross-account), limited
 * by session policies and permissions boundaries. Allocation-light: only matched statements are
 * collected.
 */
import { awsError } from '../../errors/index.js';
import { evaluateClause } from './conditions.js';
import { CompiledPolicyDocument, type CompiledStatement, type PrincipalSet } from './compile.js';
import type { AuthzInput, AuthzPrincipal, AuthzRequest, CompiledPolicy, Decision, MatchedStatement } from './types.js';

// How a resource-policy statement's Principal matched the caller (see docs/policy.md).
const P_NONE = 0;
/** Named the caller's account: delegates to identity policies. */
const P_ACCOUNT = 1;
/** "*", {"AWS":"*"}, an Allow with NotPrincipal, or the role ARN of a session: limited by session policies and boundary. */
const P_LIMITED = 2;
/** The IAM user's (or root's) own ARN: limited by session policies, not by the boundary. */
const P_USER = 3;
/** The session's own ARN, or a service principal: not limited by session policies or boundary. */
const P_UNLIMITED = 4;

/** A mutable accumulator for one evaluate() call. */
interface Tally {
  denies: MatchedStatement[] | undefined;
  allows: MatchedStatement[] | undefined;
}

function doc(p: CompiledPolicy): CompiledPolicyDocument {
  if (p instanceof CompiledPolicyDocument) return p;
  throw awsError('InternalFailure', 'A policy was not compiled by compilePolicy.');
}

/** Action, resource and condition match (the principal is checked separately). */
function statementMatches(st: CompiledStatement, lowerAction: string, req: AuthzRequest): boolean {
  if (st.actions.test(lowerAction, req.context) === st.notAction) return false;
  const r = st.resources;
  if (r !== undefined && r.test(req.resource, req.context) === st.notResource) return false;
  const cs = st.conditions;
  for (let i = 0; i < cs.length; i++) if (!evaluateClause(cs[i]!, req.context)) return false;
  return true;
}

function principalKind(ps: PrincipalSet, p: AuthzPrincipal): number {
  if (p.type === 'Service') {
    if (p.service !== undefined && ps.services.has(p.service.toLowerCase())) return P_UNLIMITED;
    return ps.all ? P_LIMITED : P_NONE;
  }
  if (p.type === 'Anonymous') return ps.all ? P_LIMITED : P_NONE;
  if (ps.arns.has(p.arn)) return p.type === 'AssumedRole' ? P_UNLIMITED : P_USER;
  if (p.type === 'Root' && ps.accounts.has(p.accountId)) return P_USER;
  if (p.roleArn !== undefined && ps.arns.has(p.roleArn)) return P_LIMITED;
  if (ps.all) return P_LIMITED;
  if (ps.accounts.has(p.accountId)) return P_ACCOUNT;
  return P_NONE;
}

/**
 * NotPrincipal excludes a caller only when every identity in its chain is listed: the account, the
 * user ARN, and for a role session both the session ARN and the role ARN (as AWS documents).
 */
function excludedByNotPrincipal(ps: PrincipalSet, p: AuthzPrincipal): boolean {
  if (ps.all) return true;
  switch (p.type) {
    case 'Service': return p.service !== undefined && ps.services.has(p.service.toLowerCase());
    case 'Anonymous': return false;
    case 'Root': return ps.accounts.has(p.accountId);
    case 'IAMUser': return ps.accounts.has(p.accountId) && ps.arns.has(p.arn);
    case 'AssumedRole':
      return ps.accounts.has(p.accountId) && ps.arns.has(p.arn) && p.roleArn !== undefined && ps.arns.has(p.roleArn);
  }
}

function push(list: MatchedStatement[] | undefined, m: MatchedStatement): MatchedStatement[] {
  if (list === undefined) return [m];
  list.push(m);
  return list;
}

/** Evaluates a principal-less policy (identity, session, boundary); true when some Allow matched. */
function evalIdentityStyle(p: CompiledPolicyDocument, lowerAction: string, req: AuthzRequest, t: Tally): boolean {
  let allowed = false;
  const sts = p.statements;
  for (let i = 0; i < sts.length; i++) {
    const st = sts[i]!;
    // A resource-style statement in an identity position (caller error) is still honoured for Deny.
    if (!statementMatches(st, lowerAction, req)) continue;
    if (st.effect === 'Deny') t.denies = push(t.denies, st.matched);
    else if (st.principals === undefined) {
      allowed = true;
      t.allows = push(t.allows, st.matched);
    }
  }
  return allowed;
}

/** Evaluates the resource policy; returns a bit set of the P_* kinds that Allow statements matched. */
function evalResource(p: CompiledPolicyDocument, lowerAction: string, req: AuthzRequest, t: Tally): number {
  let kinds = 0;
  const sts = p.statements;
  for (let i = 0; i < sts.length; i++) {
    const st = sts[i]!;
    let kind: number;
    if (st.principals === undefined) kind = st.effect === 'Deny' ? P_LIMITED : P_NONE;
    else if (st.notPrincipal) kind = excludedByNotPrincipal(st.principals, req.principal) ? P_NONE : P_LIMITED;
    else kind = principalKind(st.principals, req.principal);
    if (kind === P_NONE || !statementMatches(st, lowerAction, req)) continue;
    if (st.effect === 'Deny') t.denies = push(t.denies, st.matched);
    else {
      kinds |= 1 << kind;
      t.allows = push(t.allows, st.matched);
    }
  }
  return kinds;
}

const EMPTY: readonly MatchedStatement[] = Object.freeze([]);

/** Decides one request against the policies that apply to it (AWS's evaluation logic). */
export function evaluateRequest(input: AuthzInput, req: AuthzRequest): Decision {
  const lowerAction = req.action.toLowerCase();
  const principal = req.principal;
  const t: Tally = { denies: undefined, allows: undefined };

  const isRoot = principal.type === 'Root';
  const hasIdentity = principal.type !== 'Service' && principal.type !== 'Anonymous';
  let identityAllows = false;
  const ids = input.identityPolicies;
  for (let i = 0; i < ids.length; i++) {
    if (evalIdentityStyle(doc(ids[i]!), lowerAction, req, t)) identityAllows = true;
  }
  if (!hasIdentity) identityAllows = false;
  else if (isRoot) identityAllows = true;

  let sessionOk = true;
  const sps = input.sessionPolicies;
  if (sps !== undefined && sps.length > 0) {
    // Inline and managed session policies together form the session's policy set (a union).
    sessionOk = false;
    for (let i = 0; i < sps.length; i++) {
      if (evalIdentityStyle(doc(sps[i]!), lowerAction, req, t)) sessionOk = true;
    }
  }
  let boundaryOk = true;
  if (input.permissionsBoundary !== undefined) {
    boundaryOk = evalIdentityStyle(doc(input.permissionsBoundary), lowerAction, req, t);
  }
  const resKinds = input.resourcePolicy === undefined ? 0 : evalResource(doc(input.resourcePolicy), lowerAction, req, t);

  if (t.denies !== undefined) return { decision: 'explicitDeny', matched: t.denies };

  const identityPath = identityAllows && sessionOk && boundaryOk;
  const directPath =
    (resKinds & (1 << P_UNLIMITED)) !== 0 ||
    ((resKinds & (1 << P_USER)) !== 0 && sessionOk) ||
    ((resKinds & (1 << P_LIMITED)) !== 0 && sessionOk && boundaryOk);
  const accountNamed = (resKinds & (1 << P_ACCOUNT)) !== 0;

  const crossAccount = hasIdentity && input.resourceAccountId !== undefined && input.resourceAccountId !== principal.accountId;
  let allowed: boolean;
  if (crossAccount) allowed = identityPath && resKinds !== 0;
  else if (input.requireResourcePolicy) allowed = directPath || (accountNamed && identityPath);
  else allowed = identityPath || directPath;

  return { decision: allowed ? 'allowed' : 'implicitDeny', matched: t.allows ?? EMPTY };
}

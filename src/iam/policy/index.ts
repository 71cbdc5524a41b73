/**
 * The IAM policy language: validation and compilation of policy documents, and AWS's evaluation
 * logic over compiled policies. See docs/policy.md.
 */
import { type CompilePolicyOptions, compileDocument } from './compile.js';
import { evaluateRequest } from './evaluate.js';
import type { AuthzInput, AuthzRequest, CompiledPolicy, ConditionContext, Decision, PolicyKind } from './types.js';

export * from './types.js';
export type { CompilePolicyOptions } from './compile.js';

/**
 * Validates and compiles a policy document once, when it is stored. Throws AwsError
 * MalformedPolicyDocument for an invalid document and LimitExceeded when it exceeds `maxChars`.
 */
export function compilePolicy(text: string, kind: PolicyKind, source?: string): CompiledPolicy;
export function compilePolicy(text: string, kind: PolicyKind, options?: CompilePolicyOptions): CompiledPolicy;
export function compilePolicy(text: string, kind: PolicyKind, sourceOrOptions?: string | CompilePolicyOptions): CompiledPolicy {
  const opts: CompilePolicyOptions = typeof sourceOrOptions === 'string' ? { source: sourceOrOptions } : (sourceOrOptions ?? {});
  return compileDocument(text, kind, opts);
}

/** Decides one request: 'allowed', 'explicitDeny' or 'implicitDeny', with the statements that matched. */
export function evaluate(input: AuthzInput, req: AuthzRequest): Decision {
  return evaluateRequest(input, req);
}

/** Builds a ConditionContext: lower-cases keys and drops undefined values. */
export function contextFrom(entries: Record<string, string | readonly string[] | undefined>): ConditionContext {
  const m = new Map<string, string | readonly string[]>();
  for (const k of Object.keys(entries)) {
    const v = entries[k];
    if (v !== undefined) m.set(k.toLowerCase(), v);
  }
  return m;
}

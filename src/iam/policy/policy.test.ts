import { describe, expect, it } from 'vitest';
import { isAwsError } from '../../errors/index.js';
import { EVAL_CASES, INVALID_CASES, USER, VALID_CASES, type EvalCase } from './cases.js';
import { compilePolicy, contextFrom, evaluate, type AuthzInput, type CompiledPolicy } from './index.js';

function run(c: EvalCase) {
  const compile = (d: unknown, kind: Parameters<typeof compilePolicy>[1], source: string): CompiledPolicy =>
    compilePolicy(JSON.stringify(d), kind, source);
  const input: AuthzInput = {
    identityPolicies: (c.identity ?? []).map((d, i) => compile(d, 'identity', `identity:${i}`)),
    resourcePolicy: c.resourcePolicy === undefined ? undefined : compile(c.resourcePolicy, c.resourceKind ?? 'resource', 'resource'),
    sessionPolicies: c.session?.map((d, i) => compile(d, 'session', `session:${i}`)),
    permissionsBoundary: c.boundary === undefined ? undefined : compile(c.boundary, 'boundary', 'boundary'),
    requireResourcePolicy: c.requireResourcePolicy,
    resourceAccountId: c.resourceAccountId,
  };
  return evaluate(input, {
    principal: c.principal ?? USER,
    action: c.action,
    resource: c.resource ?? '*',
    context: contextFrom(c.context ?? {}),
  });
}

describe('policy evaluation vectors', () => {
  it('has at least 120 vectors', () => {
    expect(EVAL_CASES.length).toBeGreaterThanOrEqual(120);
    expect(new Set(EVAL_CASES.map((c) => c.name)).size).toBe(EVAL_CASES.length);
  });
  it.each(EVAL_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const d = run(c);
    expect(d.decision).toBe(c.expect);
    if (c.sids !== undefined) expect(d.matched.map((m) => m.sid)).toEqual(c.sids);
    if (c.expect === 'explicitDeny') expect(d.matched.every((m) => m.effect === 'Deny')).toBe(true);
    if (c.expect === 'allowed' && c.principal?.type !== 'Root') expect(d.matched.length).toBeGreaterThan(0);
  });
});

describe('compile-time validation', () => {
  it('has at least 20 malformed documents', () => {
    expect(INVALID_CASES.length).toBeGreaterThanOrEqual(20);
  });
  it.each(INVALID_CASES.map((c) => [c.name, c] as const))('rejects: %s', (_name, c) => {
    let err: unknown;
    try {
      compilePolicy(c.text, c.kind ?? 'identity', { maxChars: c.maxChars });
    } catch (e) {
      err = e;
    }
    expect(isAwsError(err)).toBe(true);
    if (!isAwsError(err)) return;
    expect(err.code).toBe(c.code ?? 'MalformedPolicyDocument');
    expect(err.message).toContain(c.message);
  });
  it.each(VALID_CASES.map((c) => [c.name, c] as const))('accepts: %s', (_name, c) => {
    const p = compilePolicy(c.text, c.kind, { source: 'src', maxChars: c.maxChars });
    expect(p.kind).toBe(c.kind);
    expect(p.text).toBe(c.text);
    expect(p.source).toBe('src');
  });
});

describe('public API details', () => {
  it('compilePolicy accepts a source string or an options object; source defaults to the kind', () => {
    const text = JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 's3:*', Resource: '*' } });
    expect(compilePolicy(text, 'identity', 'arn:aws:iam::111122223333:policy/P').source).toBe('arn:aws:iam::111122223333:policy/P');
    expect(compilePolicy(text, 'session', { maxChars: 6144 }).source).toBe('session');
    expect(compilePolicy(text, 'identity').source).toBe('identity');
  });
  it('contextFrom lower-cases keys and drops undefined values', () => {
    const ctx = contextFrom({ 'aws:SourceIp': '1.2.3.4', 'aws:TagKeys': ['A', 'b'], 'aws:Missing': undefined });
    expect([...ctx.keys()]).toEqual(['aws:sourceip', 'aws:tagkeys']);
    expect(ctx.get('aws:sourceip')).toBe('1.2.3.4');
    expect(ctx.get('aws:tagkeys')).toEqual(['A', 'b']);
  });
  it('reports matched statements with source, sid and effect', () => {
    const id = compilePolicy(JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'S1', Effect: 'Allow', Action: 'kms:*', Resource: '*' }] }), 'identity', 'inline:P');
    const d = evaluate({ identityPolicies: [id] }, { principal: USER, action: 'kms:Decrypt', resource: '*', context: contextFrom({}) });
    expect(d).toEqual({ decision: 'allowed', matched: [{ source: 'inline:P', sid: 'S1', effect: 'Allow' }] });
  });
  it('rejects a CompiledPolicy not produced by compilePolicy', () => {
    const fake: CompiledPolicy = { kind: 'identity', source: 'x', text: '{}' };
    expect(() => evaluate({ identityPolicies: [fake] }, { principal: USER, action: 's3:GetObject', resource: '*', context: contextFrom({}) }))
      .toThrow(expect.objectContaining({ code: 'InternalFailure' }));
  });
  it('a compiled policy is immutable', () => {
    const p = compilePolicy(JSON.stringify({ Statement: { Effect: 'Allow', Action: 's3:*', Resource: '*' } }), 'identity');
    expect(Object.isFrozen(p)).toBe(true);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAwsError } from '../../errors/index.js';
import { USER, SESSION } from './cases.js';
import { compilePolicy, contextFrom, evaluate, type PolicyKind } from './index.js';

const KINDS: readonly PolicyKind[] = ['identity', 'resource', 'trust', 'session', 'boundary'];

/** compilePolicy must either succeed or throw an AwsError; never a TypeError or similar. */
function compileOrAwsError(text: string, kind: PolicyKind): ReturnType<typeof compilePolicy> | undefined {
  try {
    return compilePolicy(text, kind, { maxChars: 100_000 });
  } catch (e) {
    if (!isAwsError(e)) throw e;
    return undefined;
  }
}

// Policy-shaped values so the fuzzer reaches statement, principal and condition validation.
const str = fc.oneof(
  fc.constantFrom('*', 's3:GetObject', 's3:*', 'arn:aws:s3:::b/*', '${aws:username}', 'arn:aws:iam::111122223333:root',
    '111122223333', '10.0.0.0/8', 'true', '2024-01-01T00:00:00Z', 'a*b?c', '${', '${*}', "${x, 'd'}", ''),
  fc.string(),
);
const scalar = fc.oneof(str, fc.integer(), fc.boolean(), fc.constant(null));
const values = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 }));
const op = fc.oneof(
  fc.constantFrom('StringEquals', 'StringLike', 'NumericLessThan', 'DateGreaterThan', 'Bool', 'IpAddress', 'ArnLike', 'Null',
    'BinaryEquals', 'ForAllValues:StringEquals', 'ForAnyValue:StringNotLike', 'StringEqualsIfExists', 'NotIpAddressIfExists'),
  fc.string(),
);
const condition = fc.oneof(fc.dictionary(op, fc.oneof(fc.dictionary(str, values, { maxKeys: 2 }), values), { maxKeys: 2 }), values);
const principal = fc.oneof(fc.constant('*'), fc.dictionary(fc.constantFrom('AWS', 'Service', 'Federated', 'Foo'), values, { maxKeys: 2 }), values);
const statement = fc.record(
  {
    Sid: fc.oneof(str, fc.integer()),
    Effect: fc.oneof(fc.constantFrom('Allow', 'Deny'), scalar),
    Action: values, NotAction: values, Resource: values, NotResource: values,
    Principal: principal, NotPrincipal: principal, Condition: condition,
  },
  { requiredKeys: [] },
);
const policy = fc.record(
  { Version: fc.oneof(fc.constantFrom('2012-10-17', '2008-10-17'), scalar), Statement: fc.oneof(statement, fc.array(statement, { maxLength: 3 }), values), Id: scalar },
  { requiredKeys: [] },
);

describe('compilePolicy fuzz', () => {
  it('random JSON only ever throws AwsError', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(...KINDS), (v, kind) => {
        compileOrAwsError(JSON.stringify(v) ?? 'null', kind);
      }),
      { numRuns: 500 },
    );
  });
  it('random strings only ever throw AwsError', () => {
    fc.assert(fc.property(fc.string(), fc.constantFrom(...KINDS), (s, kind) => { compileOrAwsError(s, kind); }), { numRuns: 500 });
  });
  it('policy-shaped documents compile or throw AwsError, and compiled ones evaluate', () => {
    fc.assert(
      fc.property(policy, fc.constantFrom(...KINDS), fc.dictionary(fc.constantFrom('aws:username', 's3:x', 'aws:SourceIp', 'aws:TagKeys'), fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 2 }))), (doc, kind, ctx) => {
        const p = compileOrAwsError(JSON.stringify(doc), kind);
        if (p === undefined) return;
        const identityStyle = kind === 'identity' || kind === 'session' || kind === 'boundary';
        for (const principal of [USER, SESSION]) {
          const d = evaluate(
            identityStyle ? { identityPolicies: [p] } : { identityPolicies: [], resourcePolicy: p, requireResourcePolicy: kind === 'trust' },
            { principal, action: 's3:GetObject', resource: 'arn:aws:s3:::b/alice', context: contextFrom(ctx) },
          );
          expect(['allowed', 'explicitDeny', 'implicitDeny']).toContain(d.decision);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

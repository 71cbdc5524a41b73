import { describe, expect, it } from 'vitest';
import { compileRule, compileRules, DetectionRuleError, policyAllowsExternal, policyIsPublic } from './rules.js';
import { bundledRules, bundledRuleSets } from './cloudtrail-rules.js';
import { ct } from './testing.js';

const base = { id: 'r', findingType: 'Impact:IAMUser/AnomalousBehavior', title: 't', description: 'd' };

describe('rule format', () => {
  it('compiles every bundled rule', () => {
    const n = Object.values(bundledRuleSets).reduce((a, s) => a + s.length, 0);
    expect(bundledRules().all.length).toBe(n);
    expect(n).toBeGreaterThan(40);
  });

  it.each([
    [{ ...base, id: '' }, 'id'],
    [{ ...base, findingType: 'not a type' }, 'findingType'],
    [{ ...base, findingType: 'Custom:Thing/Unknown' }, 'severity'],
    [{ ...base, severity: 11, match: {} }, 'severity'],
    [{ ...base, title: '' , match: {} }, 'title'],
    [{ ...base }, 'match'],
    [{ ...base, match: { eventNam: 'x' } }, 'match.eventNam'],
    [{ ...base, match: { error: 'sometimes' } }, 'match.error'],
    [{ ...base, match: { all: [] } }, 'match.all'],
    [{ ...base, match: { all: [{ field: 'a', op: 'regex', value: '(' }] } }, 'match.all[0].value'],
    [{ ...base, match: { any: [{ field: 'a', op: 'in', value: 'x' }] } }, 'match.any[0].value'],
    [{ ...base, match: {}, threshold: { count: 0, windowSeconds: 5 } }, 'threshold'],
  ])('rejects %j at %s', (raw, field) => {
    try { compileRule(raw); expect.unreachable(); } catch (e) {
      expect(e).toBeInstanceOf(DetectionRuleError);
      expect((e as DetectionRuleError).field).toBe(field);
      expect((e as DetectionRuleError).code).toBe('BadRequestException');
    }
  });

  it('evaluates operators, nested groups, array paths and prefixes', () => {
    const idx = compileRules([[{
      ...base,
      match: {
        eventSource: 'ec2.amazonaws.com', eventName: ['Authorize*'],
        all: [{ any: [{ field: 'requestParameters.ipPermissions.items.ipRanges.items.cidrIp', op: 'cidrOpenToWorld' }] }, { not: { field: 'requestParameters.groupId', op: 'startsWith', value: 'sg-allow' } }],
      },
    }]]);
    const rule = idx.prefixed[0]?.rule;
    expect(rule).toBeDefined();
    const rec = (cidr: string, groupId = 'sg-1') => ct({ eventSource: 'ec2.amazonaws.com', eventName: 'AuthorizeSecurityGroupIngress', requestParameters: { groupId, ipPermissions: { items: [{ ipRanges: { items: [{ cidrIp: '10.0.0.0/8' }, { cidrIp: cidr }] } }] } } });
    expect(rule?.test(rec('0.0.0.0/0'))).toBe(true);
    expect(rule?.test(rec('192.0.2.0/24'))).toBe(false);
    expect(rule?.test(rec('::/0', 'sg-allow-1'))).toBe(false);
    expect(rule?.test({ ...rec('0.0.0.0/0'), errorCode: 'AccessDenied' })).toBe(false);
  });

  it('reads policies as JSON strings or objects', () => {
    const pub = { Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject' }] };
    const cond = { Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:GetObject', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-1' } } }] };
    expect(policyIsPublic(pub)).toBe(true);
    expect(policyIsPublic(JSON.stringify(pub))).toBe(true);
    expect(policyIsPublic(cond)).toBe(false);
    expect(policyIsPublic('not json')).toBe(false);
    const trust = (p: unknown) => JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: p, Action: 'sts:AssumeRole' }] });
    expect(policyAllowsExternal(trust({ AWS: 'arn:aws:iam::999988887777:root' }), '111122223333')).toBe(true);
    expect(policyAllowsExternal(trust({ AWS: ['arn:aws:iam::111122223333:role/x'] }), '111122223333')).toBe(false);
    expect(policyAllowsExternal(trust({ Service: 'ec2.amazonaws.com' }), '111122223333')).toBe(false);
    expect(policyAllowsExternal(trust({ AWS: '999988887777' }), '111122223333')).toBe(true);
  });

  it('memoised string tests answer like the direct tests: repeats, many distinct values, long values, several rules on one field', () => {
    const rules = [
      { ...base, id: 'kali', match: { error: 'any', all: [{ field: 'userAgent', op: 'regex', value: 'kali', ignoreCase: true }] } },
      { ...base, id: 'boto', match: { error: 'any', all: [{ field: 'userAgent', op: 'contains', value: 'BOTO3', ignoreCase: true }] } },
      { ...base, id: 'starts', match: { error: 'any', all: [{ field: 'userAgent', op: 'startsWith', value: 'AWS-CLI/', ignoreCase: true }] } },
      { ...base, id: 'ends', match: { error: 'any', all: [{ field: 'userAgent', op: 'endsWith', value: 'X86_64', ignoreCase: true }] } },
      { ...base, id: 'exact', match: { error: 'any', all: [{ field: 'userAgent', op: 'regex', value: '^aws-cli/2\\.' }] } },
    ].map((r) => compileRule(r));
    const direct: ((ua: string) => boolean)[] = [
      (ua) => /kali/i.test(ua), (ua) => ua.toLowerCase().includes('boto3'), (ua) => ua.toLowerCase().startsWith('aws-cli/'),
      (ua) => ua.toLowerCase().endsWith('x86_64'), (ua) => /^aws-cli\/2\./.test(ua),
    ];
    const uas = ['aws-cli/2.15.0 Python/3.11 Linux/6.1 exe/x86_64', 'Boto3/1.34 kali-rolling', 'KALI', 'aws-cli/1.0 Boto3', 'console.amazonaws.com', ''];
    // Repeats (same and equal strings), more distinct values than the memo holds, and values longer than it keeps.
    for (let i = 0; i < 3000; i++) uas.push(i % 3 ? `aws-cli/2.${i} ${i % 7 ? 'boto3' : 'kali'} exe/X86_64` : `ua-${i}`);
    uas.push(`aws-cli/2.0 ${'x'.repeat(600)} kali x86_64`, `${'y'.repeat(700)}`);
    for (const round of [0, 1]) {
      for (const ua of round ? [...uas].reverse() : uas) {
        const rec = ct({ eventSource: 's3.amazonaws.com', eventName: 'ListBuckets', userAgent: `${ua}` });
        rules.forEach((r, k) => expect(r.test(rec), `${r.id} on ${ua.slice(0, 40)}`).toBe((direct[k] as (ua: string) => boolean)(ua)));
      }
    }
    expect(rules[0]?.test(ct({ eventSource: 's3.amazonaws.com', eventName: 'ListBuckets', userAgent: undefined }))).toBe(false);
  });
});

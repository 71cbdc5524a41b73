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
});

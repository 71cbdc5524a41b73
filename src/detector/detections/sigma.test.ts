import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DetectionEngine, DetectionRuleError } from './index.js';
import { sigmaToRule } from './sigma.js';
import { ct, fakeContext } from './testing.js';

/** A Sigma rule in SigmaHQ's layout, written for this test. */
const STOP_LOGGING = parse(`
title: CloudTrail logging stopped by a user
id: 0b7a5b2c-0000-4000-8000-000000000001
description: A trail was stopped or deleted by someone other than the automation role.
logsource:
  product: aws
  service: cloudtrail
detection:
  selection_source:
    eventSource: cloudtrail.amazonaws.com
    eventName:
      - StopLogging
      - DeleteTrail
  filter_automation:
    userIdentity.arn|endswith: ':role/automation'
  filter_error:
    errorCode|exists: true
  condition: selection_source and not 1 of filter_*
level: medium
tags:
  - attack.defense-evasion
  - attack.t1562.008
`) as Record<string, unknown>;

const run = (rules: unknown[], over: Parameters<typeof ct>[0]) => new DetectionEngine(fakeContext(), { only: ['cloudtrail-rules'], extraRules: rules }).observe({ kind: 'cloudtrail', record: ct(over), source: 'ingest' }).filter((c) => String(c.additionalInfo?.ruleId).startsWith('sigma-'));

describe('Sigma rules', () => {
  it('converts selections, modifiers, level and tactic tag', () => {
    const r = sigmaToRule(STOP_LOGGING);
    expect(r).toMatchObject({ id: 'sigma-0b7a5b2c-0000-4000-8000-000000000001', findingType: 'DefenseEvasion:IAMUser/AnomalousBehavior', severity: 5, title: 'CloudTrail logging stopped by a user' });
  });

  it('fires as written and honours the filters', () => {
    expect(run([STOP_LOGGING], { eventSource: 'cloudtrail.amazonaws.com', eventName: 'stoplogging' }).map((c) => c.type)).toEqual(['DefenseEvasion:IAMUser/AnomalousBehavior']);
    expect(run([STOP_LOGGING], { eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging', errorCode: 'AccessDenied' })).toEqual([]);
    expect(run([STOP_LOGGING], { eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging', userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:role/automation' } })).toEqual([]);
    expect(run([STOP_LOGGING], { eventSource: 'cloudtrail.amazonaws.com', eventName: 'CreateTrail' })).toEqual([]);
  });

  it('wildcards, |all, lists of maps and parentheses', () => {
    const rule = { title: 'x', id: 'w', logsource: { product: 'aws', service: 'cloudtrail' }, level: 'high', detection: {
      a: [{ eventName: 'Put*Policy' }, { eventName: 'Attach?serPolicy' }],
      b: { 'requestParameters.policyDocument|contains|all': ['"*"', 'Allow'] },
      condition: '(a) and b',
    } };
    const doc = JSON.stringify({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });
    expect(run([rule], { eventSource: 'iam.amazonaws.com', eventName: 'PutUserPolicy', requestParameters: { policyDocument: doc } }).map((c) => [c.type, c.severity])).toEqual([['Policy:IAMUser/SigmaRule', 8]]);
    expect(run([rule], { eventSource: 'iam.amazonaws.com', eventName: 'PutUserPolicy', requestParameters: { policyDocument: '{"Effect":"Deny"}' } })).toEqual([]);
  });

  it.each([
    [{ logsource: { product: 'windows' }, detection: { s: { a: 1 }, condition: 's' } }, 'logsource'],
    [{ logsource: { product: 'aws', service: 'cloudtrail' }, detection: { s: { 'a|base64offset': 'x' }, condition: 's' } }, 'detection.a|base64offset'],
    [{ logsource: { product: 'aws', service: 'cloudtrail' }, detection: { s: { a: 1 }, condition: 's | count() > 5' } }, 'detection.condition'],
    [{ logsource: { product: 'aws', service: 'cloudtrail' }, detection: { s: { a: 1 }, condition: 's and t' } }, 'detection.condition'],
  ])('rejects %j at %s', (rule, field) => {
    try { sigmaToRule(rule as Record<string, unknown>); expect.unreachable(); } catch (e) {
      expect(e).toBeInstanceOf(DetectionRuleError);
      expect((e as DetectionRuleError).field).toBe(field);
    }
  });
});

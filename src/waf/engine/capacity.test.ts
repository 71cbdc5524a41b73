import { describe, expect, it } from 'vitest';
import { ruleCapacity, rulesCapacity } from './capacity.js';
import { WafConfigError } from './errors.js';

const NONE = [{ Priority: 0, Type: 'NONE' }];
const T = (n: number) => Array.from({ length: n }, (_, i) => ({ Priority: i, Type: 'LOWERCASE' }));
const bm = (pos: string, ftm: object = { UriPath: {} }, tt = NONE) => ({ ByteMatchStatement: { SearchString: 'x', PositionalConstraint: pos, FieldToMatch: ftm, TextTransformations: tt } });
const r = (Statement: object) => ({ Name: 'r', Priority: 0, Statement, Action: { Block: {} }, VisibilityConfig: {} });

// Values from the AWS WAF developer guide's per-statement "WCUs" characteristics (see docs/waf.md).
const table: [string, object, number][] = [
  ['string match EXACTLY', bm('EXACTLY'), 2],
  ['string match STARTS_WITH', bm('STARTS_WITH'), 2],
  ['string match ENDS_WITH', bm('ENDS_WITH'), 2],
  ['string match CONTAINS', bm('CONTAINS'), 10],
  ['string match CONTAINS_WORD', bm('CONTAINS_WORD'), 10],
  ['string match + 2 transformations', bm('EXACTLY', { UriPath: {} }, T(2)), 22],
  ['string match All query parameters', bm('CONTAINS', { AllQueryArguments: {} }), 20],
  ['string match JSON body doubles base', bm('CONTAINS', { JsonBody: { MatchPattern: { All: {} }, MatchScope: 'ALL' } }), 20],
  ['size constraint', { SizeConstraintStatement: { FieldToMatch: { Body: {} }, ComparisonOperator: 'GT', Size: 1, TextTransformations: NONE } }, 1],
  ['geo', { GeoMatchStatement: { CountryCodes: ['FR'] } }, 1],
  ['asn', { AsnMatchStatement: { AsnList: [1] } }, 1],
  ['ip set', { IPSetReferenceStatement: { ARN: 'a' } }, 1],
  ['ip set forwarded ANY', { IPSetReferenceStatement: { ARN: 'a', IPSetForwardedIPConfig: { HeaderName: 'X', FallbackBehavior: 'MATCH', Position: 'ANY' } } }, 5],
  ['ip set forwarded FIRST', { IPSetReferenceStatement: { ARN: 'a', IPSetForwardedIPConfig: { HeaderName: 'X', FallbackBehavior: 'MATCH', Position: 'FIRST' } } }, 1],
  ['label match', { LabelMatchStatement: { Scope: 'LABEL', Key: 'a' } }, 1],
  ['regex', { RegexMatchStatement: { RegexString: 'a', FieldToMatch: { UriPath: {} }, TextTransformations: NONE } }, 3],
  ['regex pattern set', { RegexPatternSetReferenceStatement: { ARN: 'a', FieldToMatch: { UriPath: {} }, TextTransformations: T(1) } }, 35],
  ['sqli LOW', { SqliMatchStatement: { FieldToMatch: { Body: {} }, TextTransformations: NONE } }, 20],
  ['sqli HIGH', { SqliMatchStatement: { FieldToMatch: { Body: {} }, TextTransformations: NONE, SensitivityLevel: 'HIGH' } }, 30],
  ['xss + All query parameters + 2 transformations', { XssMatchStatement: { FieldToMatch: { AllQueryArguments: {} }, TextTransformations: T(2) } }, 70],
  ['AND sums nested', { AndStatement: { Statements: [bm('EXACTLY'), bm('CONTAINS')] } }, 12],
  ['NOT of OR', { NotStatement: { Statement: { OrStatement: { Statements: [bm('EXACTLY'), { GeoMatchStatement: { CountryCodes: ['FR'] } }] } } } }, 3],
  ['rate-based IP', { RateBasedStatement: { Limit: 100, AggregateKeyType: 'IP' } }, 2],
  ['rate-based with scope-down', { RateBasedStatement: { Limit: 100, AggregateKeyType: 'IP', ScopeDownStatement: bm('CONTAINS') } }, 12],
  ['rate-based 2 custom keys, 1 transformation', { RateBasedStatement: { Limit: 100, AggregateKeyType: 'CUSTOM_KEYS', CustomKeys: [{ HTTPMethod: {} }, { Header: { Name: 'h', TextTransformations: T(1) } }] } }, 72],
];

describe('WCU', () => {
  for (const [name, stmt, wcu] of table) it(name, () => expect(ruleCapacity(r(stmt))).toBe(wcu));
  it('sums rules; groups cost their capacity', () => {
    const group = { Name: 'g', Priority: 1, Statement: { RuleGroupReferenceStatement: { ARN: 'rg' } }, OverrideAction: { None: {} }, VisibilityConfig: {} };
    expect(rulesCapacity([r(bm('EXACTLY')), group], { ruleGroupCapacity: (a) => (a === 'rg' ? 50 : undefined) })).toBe(52);
  });
  it('unknown statements are configuration errors', () => {
    expect(() => ruleCapacity(r({ NopeStatement: {} }))).toThrow(WafConfigError);
  });
});

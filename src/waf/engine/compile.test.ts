import { describe, expect, it, vi } from 'vitest';

// The real field extractors are written in parallel; these tests use the fake (real transforms).
vi.mock('./parts.js', async () => ({ defaultParts: (await import('./test-fakes.js')).fakeParts }));

import { compileWebAcl } from './compile.js';
import { WafConfigError } from './errors.js';
import { ACL_ARN, byteMatch, deps, NONE, request, rule, webAcl } from './test-fakes.js';
import type { Json } from './statements/types.js';
import type { InspectedRequest } from './types.js';

const NS = 'awswaf:111122223333:webacl:testWebACL:';
const IPSET = 'arn:aws:wafv2:us-east-1:111122223333:regional/ipset/bad/1';
const IPSET6 = 'arn:aws:wafv2:us-east-1:111122223333:regional/ipset/bad6/2';
const REGEXSET = 'arn:aws:wafv2:us-east-1:111122223333:regional/regexpatternset/rx/3';
const ipSets = {
  [IPSET]: { Name: 'bad', Id: '1', ARN: IPSET, IPAddressVersion: 'IPV4', Addresses: ['203.0.113.0/24', '198.51.100.7/32'] },
  [IPSET6]: { Name: 'bad6', Id: '2', ARN: IPSET6, IPAddressVersion: 'IPV6', Addresses: ['2001:db8::/32'] },
};
const regexSets = { [REGEXSET]: { Name: 'rx', Id: '3', ARN: REGEXSET, RegularExpressionList: [{ RegexString: '^/admin' }, { RegexString: '(?i)wp-login' }] } };

interface Case {
  name: string;
  statement: Json;
  req: Partial<InspectedRequest>;
  match: boolean;
  labels?: string[];
}

const xff = (v: string): Partial<InspectedRequest> => ({ headers: [['Host', 'a'], ['X-Forwarded-For', v]] });
const fwdIpSet = (position: string, fallback = 'NO_MATCH'): Json => ({
  IPSetReferenceStatement: { ARN: IPSET, IPSetForwardedIPConfig: { HeaderName: 'X-Forwarded-For', FallbackBehavior: fallback, Position: position } },
});

/** Every statement positive and negative: evaluated as the only rule (Block) of a web ACL that allows by default. */
const cases: Case[] = [
  { name: 'EXACTLY match', statement: byteMatch('/login', 'EXACTLY'), req: { uriPath: '/login' }, match: true },
  { name: 'EXACTLY is whole-value', statement: byteMatch('/login', 'EXACTLY'), req: { uriPath: '/login2' }, match: false },
  { name: 'STARTS_WITH match', statement: byteMatch('/api/', 'STARTS_WITH'), req: { uriPath: '/api/v1' }, match: true },
  { name: 'STARTS_WITH no match', statement: byteMatch('/api/', 'STARTS_WITH'), req: { uriPath: '/v1/api/' }, match: false },
  { name: 'ENDS_WITH match', statement: byteMatch('.php', 'ENDS_WITH'), req: { uriPath: '/x/index.php' }, match: true },
  { name: 'ENDS_WITH no match', statement: byteMatch('.php', 'ENDS_WITH'), req: { uriPath: '/index.php5' }, match: false },
  { name: 'CONTAINS match', statement: byteMatch('etc/passwd', 'CONTAINS'), req: { uriPath: '/../../etc/passwd' }, match: true },
  { name: 'CONTAINS is case-sensitive', statement: byteMatch('etc/passwd', 'CONTAINS'), req: { uriPath: '/ETC/PASSWD' }, match: false },
  { name: 'CONTAINS with LOWERCASE transformation', statement: byteMatch('etc/passwd', 'CONTAINS', { UriPath: {} }, [{ Priority: 0, Type: 'LOWERCASE' }]), req: { uriPath: '/ETC/PASSWD' }, match: true },
  { name: 'URL_DECODE then LOWERCASE', statement: byteMatch('<script', 'CONTAINS', { QueryString: {} }, [{ Priority: 1, Type: 'LOWERCASE' }, { Priority: 0, Type: 'URL_DECODE' }]), req: { queryString: 'q=%3CSCRIPT%3E' }, match: true },
  { name: 'CONTAINS_WORD at start', statement: byteMatch('BadBot', 'CONTAINS_WORD', { SingleHeader: { Name: 'user-agent' } }), req: { headers: [['User-Agent', 'BadBot/1.0']] }, match: true },
  { name: 'CONTAINS_WORD after ;', statement: byteMatch('BadBot', 'CONTAINS_WORD', { SingleHeader: { Name: 'user-agent' } }), req: { headers: [['User-Agent', 'x;BadBot']] }, match: true },
  { name: 'CONTAINS_WORD inside a word', statement: byteMatch('BadBot', 'CONTAINS_WORD', { SingleHeader: { Name: 'user-agent' } }), req: { headers: [['User-Agent', 'xBadBot_1']] }, match: false },
  { name: 'CONTAINS_WORD second occurrence', statement: byteMatch('BadBot', 'CONTAINS_WORD', { SingleHeader: { Name: 'user-agent' } }), req: { headers: [['User-Agent', 'BadBots -BadBot;']] }, match: true },
  { name: 'CONTAINS_WORD underscore is a word char', statement: byteMatch('BadBot', 'CONTAINS_WORD', { SingleHeader: { Name: 'user-agent' } }), req: { headers: [['User-Agent', '_BadBot']] }, match: false },
  { name: 'missing header never matches', statement: byteMatch('x', 'CONTAINS', { SingleHeader: { Name: 'x-missing' } }), req: {}, match: false },
  { name: 'non-ASCII search string is UTF-8 bytes', statement: byteMatch('café', 'CONTAINS', { QueryString: {} }), req: { queryString: Buffer.from('q=café').toString('latin1') }, match: true },
  { name: 'SQLi LOW', statement: { SqliMatchStatement: { FieldToMatch: { AllQueryArguments: {} }, TextTransformations: [{ Priority: 0, Type: 'URL_DECODE' }] } }, req: { queryString: "id=1%27%20or%201=1" }, match: true },
  { name: 'SQLi LOW misses what only HIGH flags', statement: { SqliMatchStatement: { FieldToMatch: { QueryString: {} }, TextTransformations: NONE, SensitivityLevel: 'LOW' } }, req: { queryString: 'union select' }, match: false },
  { name: 'SQLi HIGH', statement: { SqliMatchStatement: { FieldToMatch: { QueryString: {} }, TextTransformations: NONE, SensitivityLevel: 'HIGH' } }, req: { queryString: 'union select' }, match: true },
  { name: 'XSS match', statement: { XssMatchStatement: { FieldToMatch: { Body: { OversizeHandling: 'CONTINUE' } }, TextTransformations: NONE } }, req: { method: 'POST', body: Buffer.from('a=<script>') , bodySize: 10 }, match: true },
  { name: 'XSS no match', statement: { XssMatchStatement: { FieldToMatch: { Body: { OversizeHandling: 'CONTINUE' } }, TextTransformations: NONE } }, req: { method: 'POST', body: Buffer.from('a=b'), bodySize: 3 }, match: false },
  { name: 'Body oversize MATCH', statement: byteMatch('nothing', 'CONTAINS', { Body: { OversizeHandling: 'MATCH' } }), req: { body: Buffer.alloc(100), bodySize: 100_000, bodyOversize: true }, match: true },
  { name: 'Body oversize NO_MATCH', statement: byteMatch('a', 'CONTAINS', { Body: { OversizeHandling: 'NO_MATCH' } }), req: { body: Buffer.from('aaa'), bodySize: 100_000, bodyOversize: true }, match: false },
  { name: 'Body oversize CONTINUE inspects', statement: byteMatch('a', 'CONTAINS', { Body: { OversizeHandling: 'CONTINUE' } }), req: { body: Buffer.from('aaa'), bodySize: 100_000, bodyOversize: true }, match: true },
  ...(['EQ', 'NE', 'LE', 'LT', 'GE', 'GT'] as const).flatMap((op) => {
    const expectFor: Record<string, [boolean, boolean, boolean]> = { EQ: [false, true, false], NE: [true, false, true], LE: [true, true, false], LT: [true, false, false], GE: [false, true, true], GT: [false, false, true] };
    return ['/abcd', '/abcde', '/abcdef'].map((p, i) => ({
      name: `SizeConstraint ${op} 6 on length ${p.length}`,
      statement: { SizeConstraintStatement: { FieldToMatch: { UriPath: {} }, ComparisonOperator: op, Size: 6, TextTransformations: NONE } },
      req: { uriPath: p },
      match: expectFor[op]![i]!,
    }));
  }),
  { name: 'SizeConstraint after URL_DECODE', statement: { SizeConstraintStatement: { FieldToMatch: { QueryString: {} }, ComparisonOperator: 'LE', Size: 3, TextTransformations: [{ Priority: 0, Type: 'URL_DECODE' }] } }, req: { queryString: '%41%42%43' }, match: true },
  { name: 'Geo match + label', statement: { GeoMatchStatement: { CountryCodes: ['FR', 'DE'] } }, req: { country: 'FR' }, match: true, labels: ['awswaf:clientip:geo:country:FR'] },
  { name: 'Geo no match still labels', statement: { GeoMatchStatement: { CountryCodes: ['FR'] } }, req: { country: 'US' }, match: false, labels: ['awswaf:clientip:geo:country:US'] },
  { name: 'Geo forwarded IP invalid -> fallback MATCH', statement: { GeoMatchStatement: { CountryCodes: ['FR'], ForwardedIPConfig: { HeaderName: 'X-Forwarded-For', FallbackBehavior: 'MATCH' } } }, req: xff('garbage'), match: true },
  { name: 'Geo forwarded header absent -> no match', statement: { GeoMatchStatement: { CountryCodes: ['FR'], ForwardedIPConfig: { HeaderName: 'X-Forwarded-For', FallbackBehavior: 'MATCH' } } }, req: {}, match: false },
  { name: 'ASN match from req.asn', statement: { AsnMatchStatement: { AsnList: [64500] } }, req: { asn: 64500 }, match: true },
  { name: 'ASN unknown never matches', statement: { AsnMatchStatement: { AsnList: [64500] } }, req: {}, match: false },
  { name: 'IP set v4 CIDR', statement: { IPSetReferenceStatement: { ARN: IPSET } }, req: { clientIp: '203.0.113.99' }, match: true },
  { name: 'IP set v4 /32', statement: { IPSetReferenceStatement: { ARN: IPSET } }, req: { clientIp: '198.51.100.7' }, match: true },
  { name: 'IP set v4 outside', statement: { IPSetReferenceStatement: { ARN: IPSET } }, req: { clientIp: '198.51.100.8' }, match: false },
  { name: 'IP set v6', statement: { IPSetReferenceStatement: { ARN: IPSET6 } }, req: { clientIp: '2001:db8:1::5' }, match: true },
  { name: 'IP set v6 outside', statement: { IPSetReferenceStatement: { ARN: IPSET6 } }, req: { clientIp: '2001:db9::5' }, match: false },
  { name: 'forwarded FIRST matches first', statement: fwdIpSet('FIRST'), req: xff('203.0.113.5, 10.0.0.1'), match: true },
  { name: 'forwarded FIRST ignores later', statement: fwdIpSet('FIRST'), req: xff('10.0.0.1, 203.0.113.5'), match: false },
  { name: 'forwarded LAST matches last', statement: fwdIpSet('LAST'), req: xff('10.0.0.1, 203.0.113.5'), match: true },
  { name: 'forwarded LAST ignores first', statement: fwdIpSet('LAST'), req: xff('203.0.113.5, 10.0.0.1'), match: false },
  { name: 'forwarded ANY', statement: fwdIpSet('ANY'), req: xff('10.0.0.1, 203.0.113.5, 10.0.0.2'), match: true },
  { name: 'forwarded ANY none', statement: fwdIpSet('ANY'), req: xff('10.0.0.1, 10.0.0.2'), match: false },
  { name: 'forwarded invalid -> fallback MATCH', statement: fwdIpSet('FIRST', 'MATCH'), req: xff('not-an-ip'), match: true },
  { name: 'forwarded invalid -> fallback NO_MATCH', statement: fwdIpSet('FIRST', 'NO_MATCH'), req: xff('not-an-ip'), match: false },
  { name: 'forwarded header absent -> no match even with MATCH fallback', statement: fwdIpSet('FIRST', 'MATCH'), req: { clientIp: '203.0.113.5' }, match: false },
  { name: 'forwarded ignores the peer address', statement: fwdIpSet('FIRST'), req: { clientIp: '203.0.113.5', ...xff('10.0.0.1') }, match: false },
  { name: 'Regex match', statement: { RegexMatchStatement: { RegexString: '^/(wp-admin|phpmyadmin)', FieldToMatch: { UriPath: {} }, TextTransformations: NONE } }, req: { uriPath: '/phpmyadmin/x' }, match: true },
  { name: 'Regex no match', statement: { RegexMatchStatement: { RegexString: '^/(wp-admin|phpmyadmin)', FieldToMatch: { UriPath: {} }, TextTransformations: NONE } }, req: { uriPath: '/x/phpmyadmin' }, match: false },
  { name: 'Regex dot does not match newline (PCRE default)', statement: { RegexMatchStatement: { RegexString: 'a.b', FieldToMatch: { QueryString: {} }, TextTransformations: NONE } }, req: { queryString: 'a\nb' }, match: false },
  { name: 'Regex pattern set, first pattern', statement: { RegexPatternSetReferenceStatement: { ARN: REGEXSET, FieldToMatch: { UriPath: {} }, TextTransformations: NONE } }, req: { uriPath: '/admin/users' }, match: true },
  { name: 'Regex pattern set, (?i) pattern', statement: { RegexPatternSetReferenceStatement: { ARN: REGEXSET, FieldToMatch: { UriPath: {} }, TextTransformations: NONE } }, req: { uriPath: '/WP-LOGIN.php' }, match: true },
  { name: 'Regex pattern set, (?i) stays scoped', statement: { RegexPatternSetReferenceStatement: { ARN: REGEXSET, FieldToMatch: { UriPath: {} }, TextTransformations: NONE } }, req: { uriPath: '/ADMIN' }, match: false },
  { name: 'And all', statement: { AndStatement: { Statements: [byteMatch('/a', 'STARTS_WITH'), byteMatch('z', 'ENDS_WITH')] } }, req: { uriPath: '/abz' }, match: true },
  { name: 'And one false', statement: { AndStatement: { Statements: [byteMatch('/a', 'STARTS_WITH'), byteMatch('z', 'ENDS_WITH')] } }, req: { uriPath: '/aby' }, match: false },
  { name: 'Or one', statement: { OrStatement: { Statements: [byteMatch('/a', 'STARTS_WITH'), byteMatch('z', 'ENDS_WITH')] } }, req: { uriPath: '/xyz' }, match: true },
  { name: 'Or none', statement: { OrStatement: { Statements: [byteMatch('/a', 'STARTS_WITH'), byteMatch('z', 'ENDS_WITH')] } }, req: { uriPath: '/xyy' }, match: false },
  { name: 'Not', statement: { NotStatement: { Statement: byteMatch('/a', 'STARTS_WITH') } }, req: { uriPath: '/b' }, match: true },
  { name: 'Not negates', statement: { NotStatement: { Statement: byteMatch('/a', 'STARTS_WITH') } }, req: { uriPath: '/a' }, match: false },
  { name: 'Not of oversize MATCH is false', statement: { NotStatement: { Statement: byteMatch('x', 'CONTAINS', { Body: { OversizeHandling: 'MATCH' } }) } }, req: { bodySize: 1e6, bodyOversize: true }, match: false },
];

describe('statements (one Block rule, default Allow)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const acl = compileWebAcl(webAcl([rule('r', c.statement)]), deps({ ipSets, regexSets }));
      const d = acl.evaluate(request(c.req));
      expect(d.action).toBe(c.match ? 'BLOCK' : 'ALLOW');
      expect(d.terminatingRuleId).toBe(c.match ? 'r' : 'Default_Action');
      if (c.labels) expect(d.labels).toEqual(c.labels);
    });
  }
});

describe('configuration errors', () => {
  const bad: [string, Json, string, string?][] = [
    ['unknown statement', { FooStatement: {} }, 'STATEMENT'],
    ['two statement types', { ...byteMatch('a', 'EXACTLY'), ...{ GeoMatchStatement: { CountryCodes: ['FR'] } } }, 'STATEMENT'],
    ['bad positional constraint', byteMatch('a', 'SOMEWHERE'), 'BYTE_MATCH_STATEMENT'],
    ['RE2-unsupported regex (backreference)', { RegexMatchStatement: { RegexString: '(a)\\1', FieldToMatch: { UriPath: {} }, TextTransformations: NONE } }, 'REGEX_PATTERN_REFERENCE_STATEMENT'],
    ['bad regex', { RegexMatchStatement: { RegexString: '(', FieldToMatch: { UriPath: {} }, TextTransformations: NONE } }, 'REGEX_PATTERN_REFERENCE_STATEMENT'],
    ['missing IP set', { IPSetReferenceStatement: { ARN: 'arn:nope' } }, 'IP_SET', 'WAFNonexistentItemException'],
    ['missing regex set', { RegexPatternSetReferenceStatement: { ARN: 'arn:nope', FieldToMatch: { UriPath: {} }, TextTransformations: NONE } }, 'REGEX_PATTERN_SET', 'WAFNonexistentItemException'],
    ['missing rule group', { RuleGroupReferenceStatement: { ARN: 'arn:nope' } }, 'RULE_GROUP', 'WAFNonexistentItemException'],
    ['missing managed group', { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'Nope' } }, 'MANAGED_RULE_SET', 'WAFNonexistentItemException'],
    ['unknown transformation', byteMatch('a', 'EXACTLY', { UriPath: {} }, [{ Priority: 0, Type: 'ROT13' }]), 'TEXT_TRANSFORMATION'],
    ['rate limit below 10', { RateBasedStatement: { Limit: 5, AggregateKeyType: 'IP' } }, 'RATE_BASED_STATEMENT'],
    ['rate window 30', { RateBasedStatement: { Limit: 100, AggregateKeyType: 'IP', EvaluationWindowSec: 30 } }, 'RATE_BASED_STATEMENT'],
    ['nested rate-based', { NotStatement: { Statement: { RateBasedStatement: { Limit: 100, AggregateKeyType: 'IP' } } } }, 'RATE_BASED_STATEMENT'],
    ['FORWARDED_IP without config', { RateBasedStatement: { Limit: 100, AggregateKeyType: 'FORWARDED_IP' } }, 'FORWARDED_IP_CONFIG'],
    ['IP set /0', { IPSetReferenceStatement: { ARN: 'arn:zero' } }, 'IP_ADDRESS'],
    ['label key charset', { LabelMatchStatement: { Scope: 'LABEL', Key: 'a b' } }, 'LABEL_MATCH_STATEMENT'],
  ];
  for (const [name, stmt, field, code] of bad) {
    it(name, () => {
      const d = deps({ ipSets: { ...ipSets, 'arn:zero': { Addresses: ['0.0.0.0/0'] } }, regexSets });
      let err: unknown;
      try {
        compileWebAcl(webAcl([rule('r', stmt)]), d);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(WafConfigError);
      expect((err as WafConfigError).field).toBe(field);
      expect((err as WafConfigError).code).toBe(code ?? 'WAFInvalidParameterException');
    });
  }
  it('duplicate priorities and names', () => {
    expect(() => compileWebAcl(webAcl([rule('a', byteMatch('x', 'EXACTLY'), { Block: {} }, { Priority: 1 }), rule('b', byteMatch('x', 'EXACTLY'), { Block: {} }, { Priority: 1 })]), deps())).toThrow(/duplicate priority/);
    expect(() => compileWebAcl(webAcl([rule('a', byteMatch('x', 'EXACTLY')), rule('a', byteMatch('x', 'EXACTLY'))]), deps())).toThrow(/duplicate rule name/);
  });
  it('Action vs OverrideAction', () => {
    expect(() => compileWebAcl(webAcl([rule('a', byteMatch('x', 'EXACTLY'), { Block: {} }, { OverrideAction: { None: {} } })]), deps())).toThrow(WafConfigError);
    expect(() => compileWebAcl(webAcl([{ ...rule('a', byteMatch('x', 'EXACTLY')), Action: undefined }]), deps())).toThrow(WafConfigError);
  });
  it('custom response body key must exist', () => {
    expect(() => compileWebAcl(webAcl([rule('a', byteMatch('x', 'EXACTLY'), { Block: { CustomResponse: { ResponseCode: 403, CustomResponseBodyKey: 'nope' } } })]), deps())).toThrow(/no custom response body/);
  });
  it('AsnMatch without an ASN source warns', () => {
    const acl = compileWebAcl(webAcl([rule('a', { AsnMatchStatement: { AsnList: [1] } })]), deps());
    expect(acl.warnings.length).toBe(1);
  });
});

describe('rule semantics', () => {
  it('priority order, not list order, decides', () => {
    const acl = compileWebAcl(webAcl([rule('second', byteMatch('/', 'STARTS_WITH'), { Block: {} }, { Priority: 20 }), rule('first', byteMatch('/', 'STARTS_WITH'), { Allow: {} }, { Priority: 10 })]), deps());
    const d = acl.evaluate(request());
    expect([d.action, d.terminatingRuleId]).toEqual(['ALLOW', 'first']);
  });

  it('Count continues, adds labels and headers; labels are visible to later rules only', () => {
    const acl = compileWebAcl(
      webAcl([
        rule('early', { LabelMatchStatement: { Scope: 'LABEL', Key: 'suspicious' } }, { Block: {} }),
        rule('tag', byteMatch('/', 'STARTS_WITH'), { Count: { CustomRequestHandling: { InsertHeaders: [{ Name: 'Tagged', Value: 'yes' }] } } }, { RuleLabels: [{ Name: 'suspicious' }, { Name: 'ns1:deep' }] }),
        rule('allowTagged', { LabelMatchStatement: { Scope: 'LABEL', Key: 'suspicious' } }, { Allow: { CustomRequestHandling: { InsertHeaders: [{ Name: 'allowed', Value: '1' }] } } }),
      ]),
      deps(),
    );
    const d = acl.evaluate(request());
    expect(d.action).toBe('ALLOW');
    expect(d.terminatingRuleId).toBe('allowTagged');
    expect(d.labels).toEqual([`${NS}suspicious`, `${NS}ns1:deep`]);
    expect(d.insertHeaders).toEqual([['x-amzn-waf-tagged', 'yes'], ['x-amzn-waf-allowed', '1']]);
    expect(d.nonTerminatingMatchingRules).toEqual([{ ruleId: 'tag', action: 'COUNT' }]);
    expect(d.metricMatches).toEqual([{ metricName: 'tagMetric', action: 'COUNT' }, { metricName: 'allowTaggedMetric', action: 'ALLOW' }]);
  });

  it('Block with custom response (body from CustomResponseBodies, response headers not prefixed)', () => {
    const acl = compileWebAcl(
      webAcl([rule('b', byteMatch('/', 'STARTS_WITH'), { Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: 'slow', ResponseHeaders: [{ Name: 'Retry-After', Value: '60' }] } } })], {
        CustomResponseBodies: { slow: { ContentType: 'APPLICATION_JSON', Content: '{"error":"slow down"}' } },
      }),
      deps(),
    );
    const d = acl.evaluate(request());
    expect(d.customResponse).toEqual({ statusCode: 429, headers: [['retry-after', '60']], body: { contentType: 'application/json', content: '{"error":"slow down"}' } });
    expect(d.insertHeaders).toEqual([]);
  });

  it('default actions: Allow with headers, Block with custom response', () => {
    const a = compileWebAcl(webAcl([], { DefaultAction: { Allow: { CustomRequestHandling: { InsertHeaders: [{ Name: 'waf', Value: 'passed' }] } } } }), deps()).evaluate(request());
    expect(a).toMatchObject({ action: 'ALLOW', terminatingRuleId: 'Default_Action', terminatingRuleType: 'REGULAR', insertHeaders: [['x-amzn-waf-waf', 'passed']] });
    const b = compileWebAcl(webAcl([], { DefaultAction: { Block: { CustomResponse: { ResponseCode: 404 } } } }), deps()).evaluate(request());
    expect(b).toMatchObject({ action: 'BLOCK', customResponse: { statusCode: 404, headers: [] } });
    expect(() => compileWebAcl(webAcl([], { DefaultAction: { Count: {} } }), deps())).toThrow(WafConfigError);
  });

  it('Captcha/Challenge terminate without a valid token and act like Count with one', () => {
    const acl = compileWebAcl(
      webAcl([rule('cap', byteMatch('/', 'STARTS_WITH'), { Captcha: {} }, { RuleLabels: [{ Name: 'c' }], CaptchaConfig: { ImmunityTimeProperty: { ImmunityTime: 120 } } }), rule('chal', byteMatch('/', 'STARTS_WITH'), { Challenge: {} })], { ChallengeConfig: { ImmunityTimeProperty: { ImmunityTime: 600 } } }),
      deps(),
    );
    const now = 1_700_000_000_000;
    expect(acl.evaluate(request({ timeMs: now })).action).toBe('CAPTCHA');
    expect(acl.evaluate(request({ timeMs: now, captchaSolvedAt: now / 1000 - 121 })).action).toBe('CAPTCHA'); // expired (rule's 120 s)
    const withCaptcha = acl.evaluate(request({ timeMs: now, captchaSolvedAt: now / 1000 - 100 }));
    // A CAPTCHA solution also completes a challenge (within the web ACL's 600 s).
    expect(withCaptcha.action).toBe('ALLOW');
    expect(withCaptcha.nonTerminatingMatchingRules).toEqual([{ ruleId: 'cap', action: 'CAPTCHA' }, { ruleId: 'chal', action: 'CHALLENGE' }]);
    expect(withCaptcha.labels).toEqual([`${NS}c`]);
    const chal = acl.evaluate(request({ timeMs: now, captchaSolvedAt: now / 1000 - 10, challengeSolvedAt: undefined }));
    expect(chal.action).toBe('ALLOW');
    const onlyChallenge = acl.evaluate(request({ timeMs: now, challengeSolvedAt: now / 1000 - 500 }));
    expect([onlyChallenge.action, onlyChallenge.terminatingRuleId]).toEqual(['CAPTCHA', 'cap']);
    const noCaptchaRule = compileWebAcl(webAcl([rule('chal', byteMatch('/', 'STARTS_WITH'), { Challenge: {} })]), deps());
    expect(noCaptchaRule.evaluate(request({ timeMs: now, challengeSolvedAt: now / 1000 - 301 })).action).toBe('CHALLENGE'); // default 300 s
    expect(noCaptchaRule.evaluate(request({ timeMs: now, challengeSolvedAt: now / 1000 - 299 })).action).toBe('ALLOW');
  });

  it('SQLi match details reach terminatingRuleMatchDetails', () => {
    const acl = compileWebAcl(webAcl([rule('sqli', { SqliMatchStatement: { FieldToMatch: { QueryString: {} }, TextTransformations: NONE, SensitivityLevel: 'HIGH' } })]), deps());
    const d = acl.evaluate(request({ queryString: 'x=union select' }));
    expect(d.terminatingRuleMatchDetails).toEqual([{ conditionType: 'SQL_INJECTION', location: 'QUERYSTRING', matchedData: ['x=union select'], sensitivityLevel: 'HIGH' }]);
  });

  it('a statement that throws makes evaluate() throw', () => {
    const d = deps({ detectors: { sqli: () => { throw new Error('boom'); }, xss: () => false } });
    const acl = compileWebAcl(webAcl([rule('sqli', { SqliMatchStatement: { FieldToMatch: { QueryString: {} }, TextTransformations: NONE } })]), d);
    expect(() => acl.evaluate(request())).toThrow('boom');
  });

  it('a field + transformation chain is computed once per request', () => {
    let applied = 0;
    const base = deps();
    const parts = { compileField: base.parts!.compileField, compileChain: (l: { Priority: number; Type: string }[]) => { const c = base.parts!.compileChain(l); return { key: c.key, apply: (s: string) => { applied++; return c.apply(s); } }; } };
    const tt = [{ Priority: 0, Type: 'URL_DECODE' }];
    const acl = compileWebAcl(webAcl([rule('a', byteMatch('x', 'CONTAINS', { QueryString: {} }, tt)), rule('b', byteMatch('y', 'CONTAINS', { QueryString: {} }, tt)), rule('c', { RegexMatchStatement: { RegexString: 'z', FieldToMatch: { QueryString: {} }, TextTransformations: tt } })]), { ...base, parts });
    acl.evaluate(request({ queryString: 'q=1' }));
    expect(applied).toBe(1);
    acl.evaluate(request({ queryString: 'q=2' }));
    expect(applied).toBe(2);
  });

  it('chains sharing leading transformations compute the shared steps once per request', () => {
    const applied: Record<string, number> = {};
    const base = deps();
    const parts = {
      compileField: base.parts!.compileField,
      compileChain: (l: { Priority: number; Type: string }[]) => {
        const c = base.parts!.compileChain(l);
        return { key: c.key, apply: (s: string) => { applied[c.key] = (applied[c.key] ?? 0) + 1; return c.apply(s); } };
      },
    };
    const two = [{ Priority: 3, Type: 'URL_DECODE' }, { Priority: 7, Type: 'LOWERCASE' }];
    const three = [{ Priority: 0, Type: 'URL_DECODE' }, { Priority: 1, Type: 'NONE' }, { Priority: 2, Type: 'LOWERCASE' }, { Priority: 5, Type: 'COMPRESS_WHITE_SPACE' }];
    const acl = compileWebAcl(webAcl([
      rule('a', byteMatch('nomatch', 'CONTAINS', { QueryString: {} }, two)),
      rule('b', byteMatch('a b', 'CONTAINS', { QueryString: {} }, three)),
    ]), { ...base, parts });
    // 'A%20%20B' → 'A  B' → 'a  b' → 'a b': the last rule matches only with all three steps applied in order.
    expect(acl.evaluate(request({ queryString: 'A%20%20B' })).terminatingRuleId).toBe('b');
    expect(applied).toEqual({ URL_DECODE: 1, LOWERCASE: 1, COMPRESS_WHITE_SPACE: 1 });
  });
});

describe('label match', () => {
  const withLabels = (labelRules: Json[], matcher: Json) => compileWebAcl(webAcl([...labelRules, rule('m', matcher)]), deps());
  const count = (n: string) => rule(`count-${n}`, byteMatch('/', 'STARTS_WITH'), { Count: {} }, { RuleLabels: [{ Name: n }] });
  const lm = (Scope: string, Key: string) => ({ LabelMatchStatement: { Scope, Key } });
  const table: [string, string, string, boolean][] = [
    ['header:encoding:utf8', 'LABEL', 'header:encoding:utf8', true],
    ['testNS1:testNS2:header:encoding:utf8', 'LABEL', 'header:encoding:utf8', true],
    ['header:encoding:utf8', 'LABEL', 'encoding:utf8', true],
    ['header:encoding:utf8x', 'LABEL', 'encoding:utf8', false],
    ['header:encoding:utf8', 'LABEL', `${NS}header:encoding:utf8`, true],
    ['header:encoding:utf8', 'LABEL', 'coding:utf8', false],
    ['header:encoding:utf8', 'NAMESPACE', 'header:', true],
    ['header:encoding:utf8', 'NAMESPACE', 'header:encoding:', true],
    ['header:encoding:utf8', 'NAMESPACE', 'header:encoding:utf8:', false],
    ['header:encoding:utf8', 'NAMESPACE', `${NS}header:`, true],
    ['header:encoding:utf8', 'NAMESPACE', 'awswaf:111122223333:webacl:other:', false],
  ];
  for (const [label, scope, key, want] of table) {
    it(`${scope} ${key} vs ${label} → ${want}`, () => {
      expect(withLabels([count(label)], lm(scope, key)).evaluate(request()).action).toBe(want ? 'BLOCK' : 'ALLOW');
    });
  }
  it('geo labels are matchable by their fully qualified name', () => {
    const acl = compileWebAcl(webAcl([rule('geo', { GeoMatchStatement: { CountryCodes: ['ZZ'] } }), rule('m', lm('LABEL', 'awswaf:clientip:geo:country:FR'))]), deps());
    expect(acl.evaluate(request({ country: 'FR' })).terminatingRuleId).toBe('m');
  });
});

describe('rule groups', () => {
  const RG = 'arn:aws:wafv2:us-east-1:111122223333:regional/rulegroup/grp/9';
  const GNS = 'awswaf:111122223333:rulegroup:grp:';
  const group = {
    Name: 'grp',
    Id: '9',
    ARN: RG,
    Capacity: 100,
    VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: 'grp' },
    CustomResponseBodies: { g: { ContentType: 'TEXT_PLAIN', Content: 'group says no' } },
    Rules: [
      rule('g-count', byteMatch('/', 'STARTS_WITH'), { Count: {} }, { Priority: 0, RuleLabels: [{ Name: 'seen' }] }),
      rule('g-block', byteMatch('/admin', 'STARTS_WITH'), { Block: { CustomResponse: { ResponseCode: 403, CustomResponseBodyKey: 'g' } } }, { Priority: 1, RuleLabels: [{ Name: 'admin' }] }),
      rule('g-local-label', { LabelMatchStatement: { Scope: 'LABEL', Key: 'seen' } }, { Count: {} }, { Priority: 2 }),
    ],
  };
  const ref = (extra: Json = {}, override: Json = { None: {} }) => ({ Name: 'use-grp', Priority: 5, Statement: { RuleGroupReferenceStatement: { ARN: RG, ...extra } }, OverrideAction: override, VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: 'useGrp' } });
  const d = () => deps({ ruleGroups: { [RG]: group } });
  const after = rule('after', { LabelMatchStatement: { Scope: 'LABEL', Key: `${GNS}admin` } }, { Block: { CustomResponse: { ResponseCode: 418 } } }, { Priority: 10 });

  it('group rule terminates the web ACL with the group namespace labels and bodies', () => {
    const dec = compileWebAcl(webAcl([ref(), after]), d()).evaluate(request({ uriPath: '/admin/x' }));
    expect(dec).toMatchObject({ action: 'BLOCK', terminatingRuleId: 'use-grp', terminatingRuleType: 'GROUP', customResponse: { statusCode: 403, body: { contentType: 'text/plain', content: 'group says no' } } });
    expect(dec.labels).toEqual([`${GNS}seen`, `${GNS}admin`]);
    expect(dec.ruleGroupList).toEqual([{ ruleGroupId: RG, terminatingRule: { ruleId: 'g-block', action: 'BLOCK' }, nonTerminatingMatchingRules: [{ ruleId: 'g-count', action: 'COUNT' }], excludedRules: null }]);
  });

  it('a label match without namespace resolves in the group context', () => {
    const dec = compileWebAcl(webAcl([ref()]), d()).evaluate(request({ uriPath: '/x' }));
    expect(dec.action).toBe('ALLOW');
    expect(dec.ruleGroupList[0]!.nonTerminatingMatchingRules.map((r) => r.ruleId)).toEqual(['g-count', 'g-local-label']);
  });

  it('OverrideAction Count turns the group result into Count; labels still flow', () => {
    const dec = compileWebAcl(webAcl([ref({}, {}), after].map((r, i) => (i === 0 ? { ...r, OverrideAction: { Count: {} } } : r))), d()).evaluate(request({ uriPath: '/admin' }));
    expect([dec.action, dec.terminatingRuleId]).toEqual(['BLOCK', 'after']);
    expect(dec.customResponse?.statusCode).toBe(418);
    expect(dec.nonTerminatingMatchingRules).toEqual([{ ruleId: 'use-grp', action: 'COUNT', overriddenAction: 'BLOCK' }]);
  });

  it('RuleActionOverrides replace a rule action (web ACL bodies); ExcludedRules act as Count', () => {
    const ov = compileWebAcl(webAcl([ref({ RuleActionOverrides: [{ Name: 'g-block', ActionToUse: { Captcha: {} } }] })]), d()).evaluate(request({ uriPath: '/admin' }));
    expect([ov.action, ov.terminatingRuleId]).toEqual(['CAPTCHA', 'use-grp']);
    const ex = compileWebAcl(webAcl([ref({ ExcludedRules: [{ Name: 'g-block' }] }), after]), d()).evaluate(request({ uriPath: '/admin' }));
    expect([ex.action, ex.terminatingRuleId]).toEqual(['BLOCK', 'after']);
    expect(ex.ruleGroupList[0]!.excludedRules).toEqual([{ exclusionType: 'EXCLUDED_AS_COUNT', ruleId: 'g-block' }]);
    expect(ex.ruleGroupList[0]!.nonTerminatingMatchingRules).toContainEqual({ ruleId: 'g-block', action: 'COUNT', overriddenAction: 'BLOCK' });
    const toCount = compileWebAcl(webAcl([ref({ RuleActionOverrides: [{ Name: 'g-block', ActionToUse: { Count: {} } }] })]), d()).evaluate(request({ uriPath: '/admin' }));
    expect(toCount.action).toBe('ALLOW');
  });

  it('managed rule groups: namespace, scope-down, capacity', () => {
    const managed = { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet', Capacity: 700, LabelNamespace: 'awswaf:managed:aws:core-rule-set:', Rules: [rule('NoUserAgent_HEADER', { NotStatement: { Statement: { SizeConstraintStatement: { FieldToMatch: { SingleHeader: { Name: 'user-agent' } }, ComparisonOperator: 'GT', Size: 0, TextTransformations: NONE } } } }, { Block: {} }, { Priority: 0, RuleLabels: [{ Name: 'NoUserAgent_Header' }] })] };
    const dm = deps({ resolveManagedRuleGroup: (v, n) => (v === 'AWS' && n === managed.Name ? managed : undefined) });
    const mk = (scopeDown?: Json) => ({ Name: 'crs', Priority: 0, Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: managed.Name, ...(scopeDown ? { ScopeDownStatement: scopeDown } : {}) } }, OverrideAction: { None: {} }, VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: 'crs' } });
    const acl = compileWebAcl(webAcl([mk()]), dm);
    expect(acl.capacity).toBe(700);
    const dec = acl.evaluate(request({ headers: [['Host', 'x']] }));
    expect(dec).toMatchObject({ action: 'BLOCK', terminatingRuleId: 'crs', terminatingRuleType: 'MANAGED_RULE_GROUP', labels: ['awswaf:managed:aws:core-rule-set:NoUserAgent_Header'] });
    const scoped = compileWebAcl(webAcl([mk(byteMatch('/api', 'STARTS_WITH'))]), dm);
    expect(scoped.capacity).toBe(702);
    expect(scoped.evaluate(request({ headers: [['Host', 'x']] })).action).toBe('ALLOW');
    expect(scoped.evaluate(request({ uriPath: '/api/x', headers: [['Host', 'x']] })).action).toBe('BLOCK');
  });

  it('rule groups cannot reference rule groups; group rate rules are separate per web ACL rule', () => {
    const nested = { ...group, Rules: [{ Name: 'n', Priority: 0, Statement: { RuleGroupReferenceStatement: { ARN: RG } }, OverrideAction: { None: {} }, VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: 'n' } }] };
    expect(() => compileWebAcl(webAcl([ref()]), deps({ ruleGroups: { [RG]: nested } }))).toThrow(WafConfigError);
  });
});

describe('rate-based rules', () => {
  const rate = (extra: Json = {}) => rule('rate', { RateBasedStatement: { Limit: 10, AggregateKeyType: 'IP', EvaluationWindowSec: 60, ...extra } });

  it('admits Limit requests per key in the window, then matches; keys are separate; window slides', () => {
    const d = deps();
    const acl = compileWebAcl(webAcl([rate()]), d);
    const t0 = 1_700_000_000_000;
    const results = Array.from({ length: 12 }, (_, i) => acl.evaluate(request({ timeMs: t0 + i * 100 })).action);
    expect(results).toEqual([...Array(10).fill('ALLOW'), 'BLOCK', 'BLOCK']);
    expect(acl.evaluate(request({ timeMs: t0 + 1300, clientIp: '192.0.2.11' })).action).toBe('ALLOW');
    const blocked = acl.evaluate(request({ timeMs: t0 + 1400 }));
    expect(blocked.rateBasedRuleList).toEqual([{ rateBasedRuleId: `${ACL_ARN}#rate`, rateBasedRuleName: 'rate', limitKey: 'IP', maxRateAllowed: 10, evaluationWindowSec: 60 }]);
    expect(blocked.terminatingRuleType).toBe('RATE_BASED');
    expect(acl.rateKeysOver('rate', undefined, t0 + 1500)).toEqual({ IPV4: ['192.0.2.10/32'], IPV6: [] });
    // After the window (plus one bucket) the key is admitted again.
    expect(acl.evaluate(request({ timeMs: t0 + 62_000 })).action).toBe('ALLOW');
  });

  it('counts survive recompilation (same ARN and rule name)', () => {
    const d = deps();
    const t0 = 1_700_000_000_000;
    const a1 = compileWebAcl(webAcl([rate()]), d);
    for (let i = 0; i < 10; i++) a1.evaluate(request({ timeMs: t0 + i }));
    const a2 = compileWebAcl(webAcl([rate()]), d);
    expect(a2.evaluate(request({ timeMs: t0 + 20 })).action).toBe('BLOCK');
  });

  it('scope-down: only matching requests are counted and limited', () => {
    const acl = compileWebAcl(webAcl([rate({ ScopeDownStatement: byteMatch('/login', 'EXACTLY') })]), deps());
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 50; i++) expect(acl.evaluate(request({ timeMs: t0 + i })).action).toBe('ALLOW');
    const r = Array.from({ length: 11 }, (_, i) => acl.evaluate(request({ uriPath: '/login', timeMs: t0 + 100 + i })).action);
    expect(r.at(-1)).toBe('BLOCK');
    expect(r.slice(0, 10).every((a) => a === 'ALLOW')).toBe(true);
    expect(acl.evaluate(request({ timeMs: t0 + 200 })).action).toBe('ALLOW');
  });

  it('FORWARDED_IP uses the first address; missing header is not counted', () => {
    const acl = compileWebAcl(webAcl([rate({ AggregateKeyType: 'FORWARDED_IP', ForwardedIPConfig: { HeaderName: 'X-Forwarded-For', FallbackBehavior: 'NO_MATCH' } })]), deps());
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 30; i++) expect(acl.evaluate(request({ timeMs: t0 + i })).action).toBe('ALLOW');
    const r = Array.from({ length: 11 }, (_, i) => acl.evaluate(request({ ...xff(`198.51.100.${i % 2 === 0 ? 1 : 1}, 10.0.0.${i}`), clientIp: `10.1.1.${i}`, timeMs: t0 + 100 + i })).action);
    expect(r.at(-1)).toBe('BLOCK');
    expect(acl.rateKeysOver('rate', undefined, t0 + 200)?.IPV4).toEqual(['198.51.100.1/32']);
  });

  it('CUSTOM_KEYS: header + method, with transformations; missing component not counted', () => {
    const acl = compileWebAcl(webAcl([rate({ AggregateKeyType: 'CUSTOM_KEYS', CustomKeys: [{ Header: { Name: 'x-api-key', TextTransformations: [{ Priority: 0, Type: 'LOWERCASE' }] } }, { HTTPMethod: {} }] })]), deps());
    const t0 = 1_700_000_000_000;
    const key = (k: string, method = 'GET', i = 0) => request({ method, headers: [['X-Api-Key', k]], timeMs: t0 + i });
    for (let i = 0; i < 10; i++) expect(acl.evaluate(key(i % 2 ? 'ABC' : 'abc', 'GET', i)).action).toBe('ALLOW');
    const d = acl.evaluate(key('Abc', 'GET', 20));
    expect(d.action).toBe('BLOCK');
    expect(d.rateBasedRuleList[0]!.customValues).toEqual([{ key: 'HEADER', name: 'x-api-key', value: 'abc' }, { key: 'HTTP_METHOD', value: 'GET' }]);
    expect(acl.evaluate(key('abc', 'POST', 21)).action).toBe('ALLOW');
    for (let i = 0; i < 30; i++) expect(acl.evaluate(request({ timeMs: t0 + 30 + i })).action).toBe('ALLOW');
    expect(acl.rateKeysOver('rate', undefined, t0 + 100)).toEqual({ IPV4: [], IPV6: [], keys: [['abc', 'GET']] });
  });

  it('CONSTANT aggregates everything matching the scope-down', () => {
    const acl = compileWebAcl(webAcl([rate({ AggregateKeyType: 'CONSTANT', ScopeDownStatement: byteMatch('/', 'STARTS_WITH') })]), deps());
    const t0 = 1_700_000_000_000;
    const r = Array.from({ length: 11 }, (_, i) => acl.evaluate(request({ clientIp: `10.0.0.${i}`, timeMs: t0 + i })).action);
    expect(r.filter((a) => a === 'BLOCK')).toHaveLength(1);
  });
});

describe('a realistic 20-rule web ACL', () => {
  it('evaluates benign requests to Allow (rough per-request cost printed)', () => {
    const rules: Json[] = [
      rule('ipblock', { IPSetReferenceStatement: { ARN: IPSET } }),
      rule('ipblock-fwd', fwdIpSet('ANY')),
      rule('geo', { GeoMatchStatement: { CountryCodes: ['KP', 'IR'] } }),
      rule('rate', { RateBasedStatement: { Limit: 1_000_000, AggregateKeyType: 'IP' } }),
      rule('rate-login', { RateBasedStatement: { Limit: 100, AggregateKeyType: 'IP', ScopeDownStatement: byteMatch('/login', 'STARTS_WITH') } }),
      rule('badbot', byteMatch('badbot', 'CONTAINS_WORD', { SingleHeader: { Name: 'user-agent' } }, [{ Priority: 0, Type: 'LOWERCASE' }])),
      rule('no-ua', { NotStatement: { Statement: { SizeConstraintStatement: { FieldToMatch: { SingleHeader: { Name: 'user-agent' } }, ComparisonOperator: 'GT', Size: 0, TextTransformations: NONE } } } }, { Count: {} }, { RuleLabels: [{ Name: 'no-ua' }] }),
      rule('traversal', byteMatch('../', 'CONTAINS', { UriPath: {} }, [{ Priority: 0, Type: 'URL_DECODE' }])),
      rule('passwd', byteMatch('/etc/passwd', 'CONTAINS', { QueryString: {} }, [{ Priority: 0, Type: 'URL_DECODE' }, { Priority: 1, Type: 'LOWERCASE' }])),
      rule('admin', { RegexPatternSetReferenceStatement: { ARN: REGEXSET, FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: 'URL_DECODE' }] } }),
      rule('php', { RegexMatchStatement: { RegexString: '\\.(php|asp|jsp)$', FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: 'LOWERCASE' }] } }),
      rule('bigqs', { SizeConstraintStatement: { FieldToMatch: { QueryString: {} }, ComparisonOperator: 'GT', Size: 2048, TextTransformations: NONE } }),
      rule('bigbody', { SizeConstraintStatement: { FieldToMatch: { Body: { OversizeHandling: 'MATCH' } }, ComparisonOperator: 'GT', Size: 8192, TextTransformations: NONE } }),
      rule('methods', { NotStatement: { Statement: { OrStatement: { Statements: [byteMatch('GET', 'EXACTLY', { Method: {} }), byteMatch('POST', 'EXACTLY', { Method: {} }), byteMatch('HEAD', 'EXACTLY', { Method: {} })] } } } }),
      rule('sqli', { SqliMatchStatement: { FieldToMatch: { AllQueryArguments: {} }, TextTransformations: [{ Priority: 0, Type: 'URL_DECODE' }, { Priority: 1, Type: 'HTML_ENTITY_DECODE' }] } }),
      rule('xss', { XssMatchStatement: { FieldToMatch: { AllQueryArguments: {} }, TextTransformations: [{ Priority: 0, Type: 'URL_DECODE' }, { Priority: 1, Type: 'HTML_ENTITY_DECODE' }] } }),
      rule('xss-body', { XssMatchStatement: { FieldToMatch: { Body: { OversizeHandling: 'CONTINUE' } }, TextTransformations: [{ Priority: 0, Type: 'URL_DECODE' }] } }),
      rule('label-no-ua-post', { AndStatement: { Statements: [{ LabelMatchStatement: { Scope: 'LABEL', Key: 'no-ua' } }, byteMatch('POST', 'EXACTLY', { Method: {} })] } }),
      rule('cookie', byteMatch('admin=true', 'CONTAINS', { SingleHeader: { Name: 'cookie' } })),
      rule('allow-health', byteMatch('/healthz', 'EXACTLY'), { Allow: {} }),
    ];
    expect(rules).toHaveLength(20);
    const acl = compileWebAcl(webAcl(rules), deps({ ipSets, regexSets }));
    const get = request({ uriPath: '/products/shoes', queryString: 'color=red&size=42&utm_source=newsletter', headers: [['Host', 'shop.example'], ['User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36'], ['Accept', 'text/html'], ['Cookie', 'session=abc123; theme=dark']] });
    const post = request({ method: 'POST', uriPath: '/cart', body: Buffer.from('item=1234&qty=2&'.repeat(64)), bodySize: 1024, headers: [['Host', 'shop.example'], ['User-Agent', 'Mozilla/5.0'], ['Content-Type', 'application/x-www-form-urlencoded']] });
    expect(acl.evaluate(get).action).toBe('ALLOW');
    expect(acl.evaluate(post).action).toBe('ALLOW');
    expect(acl.evaluate(request({ uriPath: '/x/%2e%2e/%2e%2e/etc' })).terminatingRuleId).toBe('traversal');
    const n = 20_000;
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) acl.evaluate(i % 2 ? get : post);
    const us = Number(process.hrtime.bigint() - t) / 1000 / n;
    console.log(`20-rule web ACL (fake fields, real transforms, fake detectors): ${us.toFixed(2)} µs/request, capacity ${acl.capacity} WCU`);
  });
});

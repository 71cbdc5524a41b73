import { beforeEach, describe, expect, it } from 'vitest';
import { isAwsError } from '../../errors/index.js';
import { ModelCodec } from '../../http/protocols/index.js';
import type { RequestContext } from '../../http/service.js';
import type { Principal } from '../../iam/index.js';
import { MemoryBackend } from '../../storage/index.js';
import { wafv2Service, type Wafv2Service } from './service.js';
import { FakeWafEngine } from './testing.js';

const ACCT = '000000000000';
const REGION = 'us-east-1';
const ROOT: Principal = { type: 'Root', accountId: ACCT, arn: `arn:aws:iam::${ACCT}:root`, principalId: ACCT, accessKeyId: 'AKIAROOT', temporary: false, tags: {} };
const SITE = `arn:aws:bulwark:${REGION}:${ACCT}:site/shop`;

let clock: Date;
let kv: MemoryBackend;
let engine: FakeWafEngine;
let svc: Wafv2Service;

function ctx(): RequestContext {
  return {
    requestId: 'req', region: REGION, accountId: ACCT, principal: ROOT, sourceIp: '127.0.0.1', userAgent: 'test', secureTransport: true,
    now: clock, service: 'wafv2', operation: 'test', conditionContext: new Map(),
    async authorize() {},
    addResource() {},
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function call(op: string, input: Record<string, unknown> = {}): Promise<any> {
  const h = svc.operations[op];
  if (!h) throw new Error(`no handler ${op}`);
  const c = ctx();
  if (h.resources) h.resources(input, c);
  return h.handler(input, c);
}

/** The error's code plus its WAFInvalidParameterException fields. */
async function fail(p: Promise<unknown>): Promise<{ code: string; Field?: unknown; Parameter?: unknown; Reason?: unknown; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isAwsError(e)) return { code: e.code, message: e.message, ...(e.fields ?? {}) };
    throw e;
  }
  throw new Error('expected an error');
}

const vc = (MetricName: string): Record<string, unknown> => ({ SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName });
const byteRule = (Name: string, Priority: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  Name, Priority, Action: { Block: {} }, VisibilityConfig: vc(Name),
  Statement: { ByteMatchStatement: { SearchString: 'evil', FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: 'NONE' }], PositionalConstraint: 'CONTAINS' } },
  ...extra,
});
const aclInput = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  Name: 'acl1', Scope: 'REGIONAL', DefaultAction: { Allow: {} }, VisibilityConfig: vc('acl1'), Rules: [byteRule('r1', 1)], ...extra,
});

async function createAcl(extra: Record<string, unknown> = {}): Promise<{ Name: string; Id: string; ARN: string; LockToken: string }> {
  return (await call('CreateWebACL', aclInput(extra))).Summary;
}

async function createIpSet(name = 'ips', addresses = ['192.0.2.0/24']): Promise<{ Name: string; Id: string; ARN: string; LockToken: string }> {
  return (await call('CreateIPSet', { Name: name, Scope: 'REGIONAL', IPAddressVersion: 'IPV4', Addresses: addresses })).Summary;
}

beforeEach(() => {
  clock = new Date('2025-01-01T12:00:00Z');
  kv = new MemoryBackend();
  engine = new FakeWafEngine();
  engine.siteList = [{ name: 'shop', arn: SITE }];
  svc = wafv2Service({ kv, accountId: ACCT, region: REGION, now: () => clock, engine });
});

describe('service definition', () => {
  it('registers the wafv2 model and answers other operations with WAFInvalidOperationException', () => {
    expect(svc.name).toBe('wafv2');
    expect(svc.signingName).toBe('wafv2');
    expect(svc.eventSource).toBe('wafv2.amazonaws.com');
    expect(svc.unimplementedError?.code).toBe('WAFInvalidOperationException');
    for (const op of Object.keys(svc.operations)) expect(svc.model.operations[op], op).toBeDefined();
    expect(Object.keys(svc.operations)).toHaveLength(37);
    expect(svc.operations.CreateAPIKey).toBeUndefined();
  });
});

describe('web ACLs', () => {
  it('create, get, update, list and delete with lock tokens', async () => {
    const s = await createAcl({ Description: 'first', Tags: [{ Key: 'team', Value: 'web' }] });
    expect(s.ARN).toBe(`arn:aws:wafv2:${REGION}:${ACCT}:regional/webacl/acl1/${s.Id}`);
    expect(s.Id).toMatch(/^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/);
    expect(engine.changes).toBe(1);

    const got = await call('GetWebACL', { Name: 'acl1', Scope: 'REGIONAL', Id: s.Id });
    expect(got.LockToken).toBe(s.LockToken);
    expect(got.WebACL).toMatchObject({ Name: 'acl1', Id: s.Id, ARN: s.ARN, Capacity: 1, Description: 'first', ManagedByFirewallManager: false,
      LabelNamespace: `awswaf:${ACCT}:webacl:acl1:` });
    expect((await call('GetWebACL', { ARN: s.ARN })).WebACL.Id).toBe(s.Id);

    const up = await call('UpdateWebACL', { ...aclInput({ Rules: [byteRule('r1', 1), byteRule('r2', 2)] }), Id: s.Id, LockToken: s.LockToken });
    expect(up.NextLockToken).not.toBe(s.LockToken);
    expect((await call('GetWebACL', { ARN: s.ARN })).WebACL).toMatchObject({ Capacity: 2 });
    expect((await call('GetWebACL', { ARN: s.ARN })).WebACL.Description).toBeUndefined();

    const stale = await fail(call('UpdateWebACL', { ...aclInput(), Id: s.Id, LockToken: s.LockToken }));
    expect(stale.code).toBe('WAFOptimisticLockException');
    expect(stale.message).toContain('Reapply your changes');
    expect((await fail(call('DeleteWebACL', { Name: 'acl1', Scope: 'REGIONAL', Id: s.Id, LockToken: s.LockToken }))).code).toBe('WAFOptimisticLockException');

    expect((await call('ListWebACLs', { Scope: 'REGIONAL' })).WebACLs).toEqual([{ Name: 'acl1', Id: s.Id, ARN: s.ARN, LockToken: up.NextLockToken }]);
    expect((await call('ListWebACLs', { Scope: 'CLOUDFRONT' })).WebACLs).toEqual([]);

    await call('DeleteWebACL', { Name: 'acl1', Scope: 'REGIONAL', Id: s.Id, LockToken: up.NextLockToken });
    expect((await fail(call('GetWebACL', { ARN: s.ARN }))).code).toBe('WAFNonexistentItemException');
    expect(engine.changes).toBe(3);
  });

  it('persists across service instances (KV store)', async () => {
    const s = await createAcl();
    const svc2 = wafv2Service({ kv, accountId: ACCT, region: REGION, engine });
    const got = await svc2.operations.GetWebACL!.handler({ ARN: s.ARN }, ctx());
    expect(got.LockToken).toBe(s.LockToken);
    expect(await kv.list(`waf/REGIONAL/webacl/${s.Id}`)).toHaveLength(1);
    expect(Object.isFrozen(svc2.store.webAcl(s.ARN))).toBe(true);
  });

  it('rejects duplicates, unknown ids, wrong names and CLOUDFRONT outside us-east-1', async () => {
    const s = await createAcl();
    expect((await fail(createAcl())).code).toBe('WAFDuplicateItemException');
    expect((await fail(call('GetWebACL', { Name: 'acl1', Scope: 'REGIONAL', Id: '00000000-0000-0000-0000-000000000000' }))).code).toBe('WAFNonexistentItemException');
    expect((await fail(call('GetWebACL', { Name: 'other', Scope: 'REGIONAL', Id: s.Id }))).code).toBe('WAFNonexistentItemException');
    expect((await fail(call('GetWebACL', { ARN: 'arn:aws:s3:::bucket' })))).toMatchObject({ code: 'WAFInvalidParameterException', Field: 'RESOURCE_ARN' });
    const cf = await call('CreateWebACL', aclInput({ Scope: 'CLOUDFRONT' }));
    expect(cf.Summary.ARN).toContain(':global/webacl/acl1/');
    svc = wafv2Service({ kv: new MemoryBackend(), accountId: ACCT, region: 'eu-west-1', engine });
    expect(await fail(createAcl({ Scope: 'CLOUDFRONT' }))).toMatchObject({ code: 'WAFInvalidParameterException', Field: 'SCOPE_VALUE', Parameter: 'CLOUDFRONT', Reason: 'The scope is not valid.' });
  });

  it('caps capacity and entity counts with WAFLimitsExceededException', async () => {
    const big = byteRule('big', 1);
    (big.Statement as { ByteMatchStatement: { SearchString: string } }).ByteMatchStatement.SearchString = 'wcu:5001';
    expect((await fail(createAcl({ Rules: [big] }))).code).toBe('WAFLimitsExceededException');
    svc = wafv2Service({ kv: new MemoryBackend(), accountId: ACCT, region: REGION, engine, limits: { maxWebAclCapacity: 1500, maxWebAcls: 1 } });
    (big.Statement as { ByteMatchStatement: { SearchString: string } }).ByteMatchStatement.SearchString = 'wcu:1501';
    expect((await fail(createAcl({ Rules: [big] }))).code).toBe('WAFLimitsExceededException');
    await createAcl();
    expect((await fail(createAcl({ Name: 'acl2' }))).code).toBe('WAFLimitsExceededException');
  });

  it('answers engine WafConfigError as WAFInvalidParameterException with its field and reason', async () => {
    const r = { Name: 'x', Priority: 0, Action: { Block: {} }, VisibilityConfig: vc('x'),
      Statement: { RegexMatchStatement: { RegexString: 'engine-rejects-this', FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: 'NONE' }] } } };
    expect(await fail(createAcl({ Rules: [r] }))).toMatchObject({
      code: 'WAFInvalidParameterException', Field: 'STATEMENT', Parameter: 'RegexString', Reason: 'The engine rejected the statement.',
      message: 'Error reason: The engine rejected the statement., field: STATEMENT, parameter: RegexString',
    });
    expect(engine.changes).toBe(0);
  });

  it('paginates ListWebACLs with Limit and NextMarker', async () => {
    for (const n of ['c', 'a', 'b', 'e', 'd']) await createAcl({ Name: n });
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const out = await call('ListWebACLs', { Scope: 'REGIONAL', Limit: 2, ...(marker ? { NextMarker: marker } : {}) });
      expect(out.WebACLs.length).toBeLessThanOrEqual(2);
      names.push(...out.WebACLs.map((w: { Name: string }) => w.Name));
      marker = out.NextMarker;
    } while (marker);
    expect(names).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect((await fail(call('ListWebACLs', { Scope: 'REGIONAL', NextMarker: '!!' }))).code).toBe('WAFInvalidParameterException');
  });
});

describe('rule validation', () => {
  const bad = async (rules: unknown[], extra: Record<string, unknown> = {}): ReturnType<typeof fail> => fail(createAcl({ Rules: rules, ...extra }));

  it('rejects duplicate names and priorities', async () => {
    expect(await bad([byteRule('a', 1), byteRule('a', 2)])).toMatchObject({ code: 'WAFInvalidParameterException', Field: 'RULE', Parameter: 'a' });
    expect(await bad([byteRule('a', 1), byteRule('b', 1)])).toMatchObject({ code: 'WAFInvalidParameterException', Field: 'RULE', Parameter: '1' });
  });

  it('requires exactly one member per statement, action and field to match', async () => {
    const two = byteRule('a', 1, { Statement: { ...byteRule('x', 0).Statement as object, GeoMatchStatement: { CountryCodes: ['FR'] } } });
    expect(await bad([two])).toMatchObject({ Field: 'STATEMENT', Parameter: 'Statement', Reason: 'You have used none or multiple values for a field that requires exactly one value.' });
    expect(await bad([byteRule('a', 1, { Statement: {} })])).toMatchObject({ Field: 'STATEMENT' });
    const nested = byteRule('a', 1, { Statement: { NotStatement: { Statement: { GeoMatchStatement: { CountryCodes: ['FR'] }, LabelMatchStatement: { Scope: 'LABEL', Key: 'a' } } } } });
    expect(await bad([nested])).toMatchObject({ Field: 'STATEMENT' });
    expect(await bad([byteRule('a', 1, { Action: { Block: {}, Allow: {} } })])).toMatchObject({ Field: 'RULE_ACTION', Parameter: 'RuleAction' });
    expect(await bad([byteRule('a', 1, { OverrideAction: { None: {} } })])).toMatchObject({ Field: 'RULE', Parameter: 'Rule' });
    const ftm = byteRule('a', 1);
    (ftm.Statement as { ByteMatchStatement: Record<string, unknown> }).ByteMatchStatement.FieldToMatch = { UriPath: {}, Method: {} };
    expect(await bad([ftm])).toMatchObject({ Field: 'FIELD_TO_MATCH' });
    expect(await bad([], { DefaultAction: { Allow: {}, Block: {} } })).toMatchObject({ Field: 'DEFAULT_ACTION' });
    expect(await bad([], { DefaultAction: { Count: {} } })).toMatchObject({ code: 'WAFInvalidParameterException', Field: 'DEFAULT_ACTION' });
  });

  it('requires And/Or with at least two statements', async () => {
    const or = byteRule('a', 1, { Statement: { OrStatement: { Statements: [byteRule('x', 0).Statement] } } });
    expect(await bad([or])).toMatchObject({ Field: 'OR_STATEMENT', Reason: "You haven't met a minimum requirement for a threshold setting." });
  });

  it('requires OverrideAction for rule group statements and Action for others', async () => {
    engine.managed = [{ VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet', Capacity: 700, Rules: [] }];
    const managed = { Name: 'm', Priority: 0, VisibilityConfig: vc('m'), Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' } } };
    expect(await bad([{ ...managed, Action: { Block: {} } }])).toMatchObject({ Field: 'RULE_ACTION' });
    expect(await bad([{ ...managed, OverrideAction: { None: {} }, Action: { Block: {} } }])).toMatchObject({ Field: 'RULE', Parameter: 'Rule' });
    const s = await createAcl({ Rules: [{ ...managed, OverrideAction: { None: {} } }] });
    expect((await call('GetWebACL', { ARN: s.ARN })).WebACL.Capacity).toBe(100);
    expect(await bad([{ ...managed, OverrideAction: { None: {} }, Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'Nope' } } }], { Name: 'other' }))
      .toMatchObject({ Field: 'RULE', Parameter: 'Statement', Reason: 'A reference in your rule statement is not valid.' });
  });

  it('refuses statements that cannot be nested', async () => {
    const rate = { RateBasedStatement: { Limit: 100, AggregateKeyType: 'IP' } };
    expect(await bad([byteRule('a', 1, { Statement: { NotStatement: { Statement: rate } } })])).toMatchObject({ Field: 'RATE_BASED_STATEMENT' });
    await createAcl({ Rules: [byteRule('a', 1, { Statement: rate })] });
  });

  it('checks rate-based statement options', async () => {
    const rb = (o: Record<string, unknown>): unknown[] => [byteRule('a', 1, { Statement: { RateBasedStatement: { Limit: 100, ...o } } })];
    expect(await bad(rb({ AggregateKeyType: 'CUSTOM_KEYS' }))).toMatchObject({ Field: 'CUSTOM_KEYS' });
    expect(await bad(rb({ AggregateKeyType: 'IP', CustomKeys: [{ IP: {} }] }))).toMatchObject({ Field: 'CUSTOM_KEYS' });
    expect(await bad(rb({ AggregateKeyType: 'FORWARDED_IP' }))).toMatchObject({ Field: 'FORWARDED_IP_CONFIG' });
    expect(await bad(rb({ AggregateKeyType: 'CONSTANT' }))).toMatchObject({ Field: 'SCOPE_DOWN' });
    expect(await bad(rb({ AggregateKeyType: 'IP', EvaluationWindowSec: 30 }))).toMatchObject({ Field: 'RATE_BASED_STATEMENT' });
  });

  it('checks references: malformed → WAFInvalidParameterException, absent or other scope → WAFNonexistentItemException', async () => {
    const ref = (ARN: string): unknown[] => [byteRule('a', 1, { Statement: { IPSetReferenceStatement: { ARN } } })];
    expect(await bad(ref('arn:aws:wafv2:us-east-1:000000000000:regional/regexpatternset/x/00000000-0000-0000-0000-000000000000')))
      .toMatchObject({ code: 'WAFInvalidParameterException', Field: 'IP_SET_REFERENCE_STATEMENT', Reason: 'A reference in your rule statement is not valid.' });
    expect((await bad(ref('arn:aws:wafv2:us-east-1:000000000000:regional/ipset/x/00000000-0000-0000-0000-000000000000'))).code).toBe('WAFNonexistentItemException');
    const cf = (await call('CreateIPSet', { Name: 'cf', Scope: 'CLOUDFRONT', IPAddressVersion: 'IPV4', Addresses: [] })).Summary;
    expect((await bad(ref(cf.ARN))).code).toBe('WAFNonexistentItemException');
    const ip = await createIpSet();
    await createAcl({ Rules: ref(ip.ARN) });
  });

  it('checks labels, label match keys and custom response body keys', async () => {
    expect(await bad([byteRule('a', 1, { RuleLabels: [{ Name: 'a::b' }] })])).toMatchObject({ Field: 'RULE', Parameter: 'a::b' });
    expect(await bad([byteRule('a', 1, { RuleLabels: [{ Name: 'awswaf:x' }] })])).toMatchObject({ Field: 'RULE' });
    await createAcl({ Name: 'labels', Rules: [byteRule('a', 1, { RuleLabels: [{ Name: 'team:blocked' }] })] });
    const lm = (Scope: string, Key: string): unknown[] => [byteRule('a', 1, { Statement: { LabelMatchStatement: { Scope, Key } } })];
    expect(await bad(lm('LABEL', 'ns:'))).toMatchObject({ Field: 'LABEL_MATCH_STATEMENT' });
    expect(await bad(lm('NAMESPACE', 'ns'))).toMatchObject({ Field: 'LABEL_MATCH_STATEMENT' });
    await createAcl({ Name: 'lm', Rules: lm('NAMESPACE', 'awswaf:managed:') });
    const block = { Block: { CustomResponse: { ResponseCode: 403, CustomResponseBodyKey: 'denied' } } };
    expect(await bad([byteRule('a', 1, { Action: block })])).toMatchObject({ Field: 'CUSTOM_RESPONSE', Parameter: 'denied' });
    await createAcl({ Name: 'bodies', Rules: [byteRule('a', 1, { Action: block })], CustomResponseBodies: { denied: { ContentType: 'TEXT_PLAIN', Content: 'no' } } });
    expect(await bad([], { DefaultAction: block })).toMatchObject({ Field: 'CUSTOM_RESPONSE' });
  });

  it('compiles RegexMatchStatement regexes with RE2', async () => {
    const rx = (RegexString: string): unknown[] => [byteRule('a', 1, { Statement: { RegexMatchStatement: { RegexString, FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: 'NONE' }] } } })];
    expect(await bad(rx('(a'))).toMatchObject({ code: 'WAFInvalidParameterException', Parameter: '(a' });
    expect(await bad(rx('(?=x)a'))).toMatchObject({ code: 'WAFInvalidParameterException' });
    await createAcl({ Rules: rx('^/admin(/.*)?$') });
  });

  it('rejects duplicate text transformation priorities', async () => {
    const r = byteRule('a', 1);
    (r.Statement as { ByteMatchStatement: Record<string, unknown> }).ByteMatchStatement.TextTransformations = [{ Priority: 0, Type: 'NONE' }, { Priority: 0, Type: 'LOWERCASE' }];
    expect(await bad([r])).toMatchObject({ Field: 'TEXT_TRANSFORMATION' });
  });
});

describe('rule groups', () => {
  const rgInput = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    Name: 'rg', Scope: 'REGIONAL', Capacity: 10, VisibilityConfig: vc('rg'), Rules: [byteRule('r1', 1, { RuleLabels: [{ Name: 'bad' }] })], ...extra,
  });

  it('CRUD with fixed capacity, labels, references and deletion protection', async () => {
    const s = (await call('CreateRuleGroup', rgInput())).Summary;
    expect(s.ARN).toBe(`arn:aws:wafv2:${REGION}:${ACCT}:regional/rulegroup/rg/${s.Id}`);
    const got = await call('GetRuleGroup', { ARN: s.ARN });
    expect(got.RuleGroup).toMatchObject({ Capacity: 10, LabelNamespace: `awswaf:${ACCT}:rulegroup:rg:`, AvailableLabels: [{ Name: `awswaf:${ACCT}:rulegroup:rg:bad` }] });
    expect((await call('GetRuleGroup', { Name: 'rg', Scope: 'REGIONAL', Id: s.Id })).LockToken).toBe(s.LockToken);

    const wcu11 = byteRule('r1', 1);
    (wcu11.Statement as { ByteMatchStatement: { SearchString: string } }).ByteMatchStatement.SearchString = 'wcu:11';
    expect(await fail(call('UpdateRuleGroup', { ...rgInput({ Rules: [wcu11] }), Id: s.Id, LockToken: s.LockToken })))
      .toMatchObject({ code: 'WAFInvalidParameterException', Field: 'RULE_GROUP', Parameter: 'Capacity' });
    const up = await call('UpdateRuleGroup', { ...rgInput({ Capacity: 99, Rules: [byteRule('r1', 1), byteRule('r2', 2)] }), Id: s.Id, LockToken: s.LockToken });
    expect((await call('GetRuleGroup', { ARN: s.ARN })).RuleGroup.Capacity).toBe(10);

    const ref = { Name: 'g', Priority: 0, OverrideAction: { None: {} }, VisibilityConfig: vc('g'), Statement: { RuleGroupReferenceStatement: { ARN: s.ARN } } };
    const acl = await createAcl({ Rules: [ref] });
    expect((await call('GetWebACL', { ARN: acl.ARN })).WebACL.Capacity).toBe(10);
    expect((await fail(call('DeleteRuleGroup', { Name: 'rg', Scope: 'REGIONAL', Id: s.Id, LockToken: up.NextLockToken }))).code).toBe('WAFAssociatedItemException');
    await call('DeleteWebACL', { Name: 'acl1', Scope: 'REGIONAL', Id: acl.Id, LockToken: acl.LockToken });
    expect((await fail(call('DeleteRuleGroup', { Name: 'rg', Scope: 'REGIONAL', Id: s.Id, LockToken: s.LockToken }))).code).toBe('WAFOptimisticLockException');
    await call('DeleteRuleGroup', { Name: 'rg', Scope: 'REGIONAL', Id: s.Id, LockToken: up.NextLockToken });
    expect((await call('ListRuleGroups', { Scope: 'REGIONAL' })).RuleGroups).toEqual([]);
  });

  it('rejects capacity too low or above the maximum, and rule group statements inside rule groups', async () => {
    const r = byteRule('r1', 1);
    (r.Statement as { ByteMatchStatement: { SearchString: string } }).ByteMatchStatement.SearchString = 'wcu:20';
    expect(await fail(call('CreateRuleGroup', rgInput({ Rules: [r] })))).toMatchObject({ code: 'WAFInvalidParameterException', Field: 'RULE_GROUP', Reason: "You haven't met a minimum requirement for a threshold setting." });
    expect((await fail(call('CreateRuleGroup', rgInput({ Capacity: 5001 })))).code).toBe('WAFLimitsExceededException');
    const s = (await call('CreateRuleGroup', rgInput())).Summary;
    const nested = { Name: 'g', Priority: 0, OverrideAction: { None: {} }, VisibilityConfig: vc('g'), Statement: { RuleGroupReferenceStatement: { ARN: s.ARN } } };
    expect(await fail(call('CreateRuleGroup', rgInput({ Name: 'rg2', Rules: [nested] })))).toMatchObject({ Field: 'RULE_GROUP_REFERENCE_STATEMENT' });
  });
});

describe('IP sets', () => {
  it('CRUD, lock tokens and deletion protection', async () => {
    const s = await createIpSet('ips', ['10.0.0.0/8', '192.0.2.7/32']);
    const got = await call('GetIPSet', { Name: 'ips', Scope: 'REGIONAL', Id: s.Id });
    expect(got.IPSet).toEqual({ Name: 'ips', Id: s.Id, ARN: s.ARN, IPAddressVersion: 'IPV4', Addresses: ['10.0.0.0/8', '192.0.2.7/32'] });
    const up = await call('UpdateIPSet', { Name: 'ips', Scope: 'REGIONAL', Id: s.Id, LockToken: s.LockToken, Addresses: ['198.51.100.0/24'], Description: 'office' });
    expect((await call('GetIPSet', { Name: 'ips', Scope: 'REGIONAL', Id: s.Id })).IPSet).toMatchObject({ Addresses: ['198.51.100.0/24'], Description: 'office' });
    expect((await fail(call('UpdateIPSet', { Name: 'ips', Scope: 'REGIONAL', Id: s.Id, LockToken: s.LockToken, Addresses: [] }))).code).toBe('WAFOptimisticLockException');
    const acl = await createAcl({ Rules: [byteRule('a', 1, { Statement: { NotStatement: { Statement: { IPSetReferenceStatement: { ARN: s.ARN } } } } })] });
    expect((await fail(call('DeleteIPSet', { Name: 'ips', Scope: 'REGIONAL', Id: s.Id, LockToken: up.NextLockToken }))).code).toBe('WAFAssociatedItemException');
    await call('DeleteWebACL', { Name: 'acl1', Scope: 'REGIONAL', Id: acl.Id, LockToken: acl.LockToken });
    await call('DeleteIPSet', { Name: 'ips', Scope: 'REGIONAL', Id: s.Id, LockToken: up.NextLockToken });
    expect((await call('ListIPSets', { Scope: 'REGIONAL' })).IPSets).toEqual([]);
  });

  it('validates CIDRs as AWS does', async () => {
    for (const a of ['0.0.0.0/0', '192.0.2.1/24', '192.0.2.1', '256.0.0.0/8', '10.0.0.0/33', '010.0.0.0/8', '2001:db8::/32']) {
      expect(await fail(createIpSet('x', [a])), a).toMatchObject({ code: 'WAFInvalidParameterException', Field: 'IP_ADDRESS', Parameter: a, Reason: 'The parameter contains formatting that is not valid.' });
    }
    await createIpSet('ok4', ['0.0.0.0/1', '128.0.0.0/1', '192.0.2.255/32']);
    await call('CreateIPSet', { Name: 'ok6', Scope: 'REGIONAL', IPAddressVersion: 'IPV6', Addresses: ['2001:db8::/32', '::/1', '2001:db8::1/128', '::ffff:192.0.2.0/120'] });
    for (const a of ['2001:db8::1/64', '::/0', '2001:db8::/129', '10.0.0.0/8']) {
      expect((await fail(call('CreateIPSet', { Name: 'bad6', Scope: 'REGIONAL', IPAddressVersion: 'IPV6', Addresses: [a] }))).Field, a).toBe('IP_ADDRESS');
    }
  });

  it('limits addresses to 10,000', async () => {
    const many = Array.from({ length: 10_001 }, (_, n) => `10.${n >> 8}.${n & 255}.0/24`);
    expect((await fail(createIpSet('many', many))).code).toBe('WAFLimitsExceededException');
    await createIpSet('max', many.slice(0, 10_000));
  });
});

describe('regex pattern sets', () => {
  it('CRUD with RE2 validation and limits', async () => {
    const s = (await call('CreateRegexPatternSet', { Name: 'rx', Scope: 'REGIONAL', RegularExpressionList: [{ RegexString: '^/admin' }] })).Summary;
    expect(s.ARN).toContain(':regional/regexpatternset/rx/');
    expect((await call('GetRegexPatternSet', { Name: 'rx', Scope: 'REGIONAL', Id: s.Id })).RegexPatternSet.RegularExpressionList).toEqual([{ RegexString: '^/admin' }]);
    expect(await fail(call('UpdateRegexPatternSet', { Name: 'rx', Scope: 'REGIONAL', Id: s.Id, LockToken: s.LockToken, RegularExpressionList: [{ RegexString: '(\\1)' }] })))
      .toMatchObject({ code: 'WAFInvalidParameterException', Field: 'REGEX_PATTERN_SET' });
    const tooMany = Array.from({ length: 11 }, (_, n) => ({ RegexString: `a${n}` }));
    expect((await fail(call('UpdateRegexPatternSet', { Name: 'rx', Scope: 'REGIONAL', Id: s.Id, LockToken: s.LockToken, RegularExpressionList: tooMany }))).code).toBe('WAFLimitsExceededException');
    const up = await call('UpdateRegexPatternSet', { Name: 'rx', Scope: 'REGIONAL', Id: s.Id, LockToken: s.LockToken, RegularExpressionList: [{ RegexString: 'x+' }] });
    const rule = byteRule('a', 1, { Statement: { RegexPatternSetReferenceStatement: { ARN: s.ARN, FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: 'NONE' }] } } });
    const acl = await createAcl({ Rules: [rule] });
    expect((await fail(call('DeleteRegexPatternSet', { Name: 'rx', Scope: 'REGIONAL', Id: s.Id, LockToken: up.NextLockToken }))).code).toBe('WAFAssociatedItemException');
    await call('DeleteWebACL', { Name: 'acl1', Scope: 'REGIONAL', Id: acl.Id, LockToken: acl.LockToken });
    await call('DeleteRegexPatternSet', { Name: 'rx', Scope: 'REGIONAL', Id: s.Id, LockToken: up.NextLockToken });
    expect((await call('ListRegexPatternSets', { Scope: 'REGIONAL' })).RegexPatternSets).toEqual([]);
  });
});

describe('associations', () => {
  it('associates a site, reads it back, blocks deletion and disassociates idempotently', async () => {
    const s = await createAcl();
    expect(await call('GetWebACLForResource', { ResourceArn: SITE })).toEqual({});
    await call('AssociateWebACL', { WebACLArn: s.ARN, ResourceArn: SITE });
    expect((await call('GetWebACLForResource', { ResourceArn: SITE })).WebACL.ARN).toBe(s.ARN);
    expect(svc.store.webAclForSite(SITE)?.Id).toBe(s.Id);
    expect((await call('ListResourcesForWebACL', { WebACLArn: s.ARN })).ResourceArns).toEqual([SITE]);
    expect((await call('ListResourcesForWebACL', { WebACLArn: s.ARN, ResourceType: 'API_GATEWAY' })).ResourceArns).toEqual([]);
    expect((await fail(call('DeleteWebACL', { Name: 'acl1', Scope: 'REGIONAL', Id: s.Id, LockToken: s.LockToken }))).code).toBe('WAFAssociatedItemException');

    const other = await createAcl({ Name: 'acl2' });
    await call('AssociateWebACL', { WebACLArn: other.ARN, ResourceArn: SITE });
    expect(svc.store.webAclForSite(SITE)?.Name).toBe('acl2');
    expect((await call('ListResourcesForWebACL', { WebACLArn: s.ARN })).ResourceArns).toEqual([]);

    await call('DisassociateWebACL', { ResourceArn: SITE });
    await call('DisassociateWebACL', { ResourceArn: SITE });
    expect(svc.store.webAclForSite(SITE)).toBeUndefined();
    await call('DeleteWebACL', { Name: 'acl2', Scope: 'REGIONAL', Id: other.Id, LockToken: other.LockToken });
  });

  it('rejects non-site ARNs, unknown sites, unknown web ACLs and CLOUDFRONT web ACLs', async () => {
    const s = await createAcl();
    const alb = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/x/0123456789abcdef';
    expect(await fail(call('AssociateWebACL', { WebACLArn: s.ARN, ResourceArn: alb }))).toMatchObject({ code: 'WAFInvalidParameterException', Field: 'RESOURCE_ARN', Parameter: alb });
    expect((await fail(call('AssociateWebACL', { WebACLArn: s.ARN, ResourceArn: `arn:aws:bulwark:${REGION}:${ACCT}:site/nope` }))).code).toBe('WAFNonexistentItemException');
    expect((await fail(call('AssociateWebACL', { WebACLArn: s.ARN.replace(s.Id, '00000000-0000-0000-0000-000000000000'), ResourceArn: SITE }))).code).toBe('WAFNonexistentItemException');
    expect((await fail(call('GetWebACLForResource', { ResourceArn: `arn:aws:bulwark:${REGION}:${ACCT}:site/nope` }))).code).toBe('WAFNonexistentItemException');
    const cf = (await call('CreateWebACL', aclInput({ Scope: 'CLOUDFRONT' }))).Summary;
    expect((await fail(call('AssociateWebACL', { WebACLArn: cf.ARN, ResourceArn: SITE }))).code).toBe('WAFInvalidParameterException');
  });
});

describe('CheckCapacity', () => {
  it('returns the engine WCU of validated rules', async () => {
    expect(await call('CheckCapacity', { Scope: 'REGIONAL', Rules: [byteRule('a', 1), byteRule('b', 2, { Statement: { NotStatement: { Statement: byteRule('x', 0).Statement } } })] }))
      .toEqual({ Capacity: 3 });
    expect((await fail(call('CheckCapacity', { Scope: 'REGIONAL', Rules: [byteRule('a', 1), byteRule('a', 2)] }))).code).toBe('WAFInvalidParameterException');
    expect((await fail(call('CheckCapacity', { Scope: 'REGIONAL', Rules: [byteRule('a', 1, { Statement: { IPSetReferenceStatement: { ARN: `arn:aws:wafv2:${REGION}:${ACCT}:regional/ipset/x/00000000-0000-0000-0000-000000000000` } } })] }))).code)
      .toBe('WAFNonexistentItemException');
  });
});

describe('managed rule groups', () => {
  it('lists, describes and lists versions from the registry', async () => {
    expect(await call('ListAvailableManagedRuleGroups', { Scope: 'REGIONAL' })).toEqual({ ManagedRuleGroups: [] });
    engine.managed = [
      { VendorName: 'Bulwark', Name: 'CoreRuleSet', Description: 'core', Capacity: 700, Rules: [{ Name: 'SQLi', Action: { Block: {} } }],
        LabelNamespace: 'awswaf:managed:bulwark:core:', Versions: [{ Name: 'Version_2.0' }, { Name: 'Version_1.0' }], CurrentDefaultVersion: 'Version_2.0' },
      { VendorName: 'Bulwark', Name: 'CfOnly', Capacity: 1, Rules: [], Scopes: ['CLOUDFRONT'] },
    ];
    expect((await call('ListAvailableManagedRuleGroups', { Scope: 'REGIONAL' })).ManagedRuleGroups)
      .toEqual([{ VendorName: 'Bulwark', Name: 'CoreRuleSet', Description: 'core', VersioningSupported: true }]);
    expect(await call('DescribeManagedRuleGroup', { Scope: 'REGIONAL', VendorName: 'Bulwark', Name: 'CoreRuleSet' }))
      .toMatchObject({ VersionName: 'Version_2.0', Capacity: 700, Rules: [{ Name: 'SQLi', Action: { Block: {} } }], LabelNamespace: 'awswaf:managed:bulwark:core:' });
    expect((await fail(call('DescribeManagedRuleGroup', { Scope: 'REGIONAL', VendorName: 'Bulwark', Name: 'CoreRuleSet', VersionName: 'Version_9' }))).code).toBe('WAFNonexistentItemException');
    expect((await fail(call('DescribeManagedRuleGroup', { Scope: 'REGIONAL', VendorName: 'Bulwark', Name: 'CfOnly' }))).code).toBe('WAFNonexistentItemException');
    const v1 = await call('ListAvailableManagedRuleGroupVersions', { Scope: 'REGIONAL', VendorName: 'Bulwark', Name: 'CoreRuleSet', Limit: 1 });
    expect(v1).toMatchObject({ Versions: [{ Name: 'Version_2.0' }], CurrentDefaultVersion: 'Version_2.0' });
    const v2 = await call('ListAvailableManagedRuleGroupVersions', { Scope: 'REGIONAL', VendorName: 'Bulwark', Name: 'CoreRuleSet', Limit: 1, NextMarker: v1.NextMarker });
    expect(v2.Versions).toEqual([{ Name: 'Version_1.0' }]);
    expect(v2.NextMarker).toBeUndefined();
  });
});

describe('logging configuration', () => {
  const dest = 'arn:aws:s3:::aws-waf-logs-shop';
  const put = (c: Record<string, unknown>): Promise<unknown> => call('PutLoggingConfiguration', { LoggingConfiguration: c });

  it('put, get, list, delete; deleted with the web ACL', async () => {
    const s = await createAcl();
    const config = {
      ResourceArn: s.ARN, LogDestinationConfigs: [dest], RedactedFields: [{ SingleHeader: { Name: 'authorization' } }, { UriPath: {} }],
      LoggingFilter: { DefaultBehavior: 'KEEP', Filters: [{ Behavior: 'DROP', Requirement: 'MEETS_ANY', Conditions: [{ ActionCondition: { Action: 'ALLOW' } }, { LabelNameCondition: { LabelName: 'awswaf:managed:x' } }] }] },
    };
    const out = await put(config) as { LoggingConfiguration: unknown };
    expect(out.LoggingConfiguration).toEqual({ ...config, ManagedByFirewallManager: false, LogType: 'WAF_LOGS', LogScope: 'CUSTOMER' });
    expect((await call('GetLoggingConfiguration', { ResourceArn: s.ARN })).LoggingConfiguration).toEqual(out.LoggingConfiguration);
    expect(svc.store.loggingConfigFor(s.ARN)?.LogDestinationConfigs).toEqual([dest]);
    expect((await call('ListLoggingConfigurations', { Scope: 'REGIONAL' })).LoggingConfigurations).toHaveLength(1);
    expect((await call('ListLoggingConfigurations', { Scope: 'CLOUDFRONT' })).LoggingConfigurations).toHaveLength(0);
    await call('DeleteLoggingConfiguration', { ResourceArn: s.ARN });
    expect((await fail(call('GetLoggingConfiguration', { ResourceArn: s.ARN }))).code).toBe('WAFNonexistentItemException');
    expect((await fail(call('DeleteLoggingConfiguration', { ResourceArn: s.ARN }))).code).toBe('WAFNonexistentItemException');
    await put(config);
    await call('DeleteWebACL', { Name: 'acl1', Scope: 'REGIONAL', Id: s.Id, LockToken: s.LockToken });
    expect(svc.store.loggingConfigFor(s.ARN)).toBeUndefined();
    expect(await kv.list('waf/logging/')).toEqual([]);
  });

  it('validates destinations, redacted fields and filters', async () => {
    const s = await createAcl();
    const base = { ResourceArn: s.ARN, LogDestinationConfigs: [dest] };
    expect(await fail(put({ ...base, LogDestinationConfigs: ['arn:aws:s3:::my-logs'] }))).toMatchObject({ code: 'WAFInvalidParameterException', Field: 'LOG_DESTINATION' });
    expect(await fail(put({ ...base, LogDestinationConfigs: ['arn:aws:firehose:us-east-1:000000000000:deliverystream/aws-waf-logs-x'] }))).toMatchObject({ Field: 'LOG_DESTINATION' });
    expect(await fail(put({ ...base, LogDestinationConfigs: ['arn:aws:logs:us-east-1:000000000000:log-group:aws-waf-logs-x'] }))).toMatchObject({ Field: 'LOG_DESTINATION' });
    expect(await fail(put({ ...base, LogDestinationConfigs: [dest, 'arn:aws:s3:::aws-waf-logs-two'] }))).toMatchObject({ Field: 'LOG_DESTINATION' });
    expect(await fail(put({ ...base, RedactedFields: [{ Body: {} }] }))).toMatchObject({ Field: 'FIELD_TO_MATCH', Parameter: 'Body' });
    expect(await fail(put({ ...base, LoggingFilter: { DefaultBehavior: 'KEEP', Filters: [{ Behavior: 'KEEP', Requirement: 'MEETS_ALL', Conditions: [{}] }] } })))
      .toMatchObject({ Field: 'FILTER_CONDITION' });
    expect(await fail(put({ ...base, LoggingFilter: { DefaultBehavior: 'KEEP', Filters: [{ Behavior: 'KEEP', Requirement: 'MEETS_ALL', Conditions: [{ LabelNameCondition: { LabelName: 'a::b' } }] }] } })))
      .toMatchObject({ Field: 'FILTER_CONDITION' });
    expect((await fail(put({ ...base, ResourceArn: s.ARN.replace(s.Id, '00000000-0000-0000-0000-000000000000') }))).code).toBe('WAFNonexistentItemException');
    expect(await fail(put({ ...base, ResourceArn: 'arn:aws:s3:::x' }))).toMatchObject({ code: 'WAFInvalidParameterException', Field: 'RESOURCE_ARN' });
    expect((await fail(put({ ...base, LogScope: 'SECURITY_LAKE' }))).code).toBe('WAFInvalidOperationException');
  });
});

describe('sampled requests and rate-based keys', () => {
  it('GetSampledRequests goes to the data plane within the last three hours', async () => {
    const s = await createAcl();
    const tw = { StartTime: new Date(clock.getTime() - 3600_000), EndTime: clock };
    const out = await call('GetSampledRequests', { WebAclArn: s.ARN, RuleMetricName: 'r1', Scope: 'REGIONAL', TimeWindow: tw, MaxItems: 10 });
    expect(out.PopulationSize).toBe(7);
    expect(engine.lastSampleCall).toEqual([s.ARN, 'r1', tw, 10]);
    expect((await fail(call('GetSampledRequests', { WebAclArn: s.ARN, RuleMetricName: 'r1', Scope: 'REGIONAL', TimeWindow: { StartTime: clock, EndTime: tw.StartTime }, MaxItems: 10 }))).code)
      .toBe('WAFInvalidParameterException');
    expect((await fail(call('GetSampledRequests', { WebAclArn: s.ARN, RuleMetricName: 'r1', Scope: 'REGIONAL', TimeWindow: { StartTime: new Date(clock.getTime() - 4 * 3600_000), EndTime: clock }, MaxItems: 10 }))).code)
      .toBe('WAFInvalidParameterException');
    expect((await fail(call('GetSampledRequests', { WebAclArn: s.ARN, RuleMetricName: 'r1', Scope: 'CLOUDFRONT', TimeWindow: tw, MaxItems: 10 }))).code).toBe('WAFNonexistentItemException');
  });

  it('GetRateBasedStatementManagedKeys for IP rules only', async () => {
    const rate = (agg: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ RateBasedStatement: { Limit: 100, AggregateKeyType: agg, ...extra } });
    const s = await createAcl({ Rules: [
      byteRule('ip', 1, { Statement: rate('IP') }),
      byteRule('const', 2, { Statement: rate('CONSTANT', { ScopeDownStatement: byteRule('x', 0).Statement }) }),
      byteRule('plain', 3),
    ] });
    const q = (RuleName: string): Record<string, unknown> => ({ Scope: 'REGIONAL', WebACLName: 'acl1', WebACLId: s.Id, RuleName });
    expect((await call('GetRateBasedStatementManagedKeys', q('ip'))).ManagedKeysIPV4.Addresses).toEqual(['192.0.2.1/32']);
    expect(engine.lastRateCall).toEqual([s.ARN, 'ip', undefined]);
    expect((await fail(call('GetRateBasedStatementManagedKeys', q('const')))).code).toBe('WAFUnsupportedAggregateKeyTypeException');
    expect((await fail(call('GetRateBasedStatementManagedKeys', q('plain')))).code).toBe('WAFInvalidParameterException');
    expect((await fail(call('GetRateBasedStatementManagedKeys', q('nope')))).code).toBe('WAFNonexistentItemException');
  });
});

describe('tags', () => {
  it('tags, untags and lists with pagination and limits', async () => {
    const s = await createAcl({ Tags: [{ Key: 'a', Value: '1' }] });
    await call('TagResource', { ResourceARN: s.ARN, Tags: [{ Key: 'b', Value: '2' }, { Key: 'a', Value: '3' }] });
    const first = await call('ListTagsForResource', { ResourceARN: s.ARN, Limit: 1 });
    expect(first.TagInfoForResource).toEqual({ ResourceARN: s.ARN, TagList: [{ Key: 'a', Value: '3' }] });
    const second = await call('ListTagsForResource', { ResourceARN: s.ARN, Limit: 1, NextMarker: first.NextMarker });
    expect(second.TagInfoForResource.TagList).toEqual([{ Key: 'b', Value: '2' }]);
    expect(second.NextMarker).toBeUndefined();
    await call('UntagResource', { ResourceARN: s.ARN, TagKeys: ['a'] });
    expect((await call('ListTagsForResource', { ResourceARN: s.ARN })).TagInfoForResource.TagList).toEqual([{ Key: 'b', Value: '2' }]);
    // Tagging does not change the lock token.
    expect((await call('GetWebACL', { ARN: s.ARN })).LockToken).toBe(s.LockToken);

    expect(await fail(call('TagResource', { ResourceARN: s.ARN, Tags: [{ Key: 'aws:x', Value: '1' }] }))).toMatchObject({ code: 'WAFInvalidParameterException', Field: 'TAGS', Parameter: 'aws:x' });
    expect(await fail(call('UntagResource', { ResourceARN: s.ARN, TagKeys: ['aws:x'] }))).toMatchObject({ code: 'WAFInvalidParameterException', Field: 'TAG_KEYS' });
    const fifty = Array.from({ length: 50 }, (_, n) => ({ Key: `k${n}`, Value: 'v' }));
    expect((await fail(call('TagResource', { ResourceARN: s.ARN, Tags: fifty }))).code).toBe('WAFLimitsExceededException');
    expect((await fail(createAcl({ Name: 'many', Tags: [...fifty, { Key: 'x', Value: 'y' }] }))).code).toBe('WAFLimitsExceededException');
    expect((await fail(call('ListTagsForResource', { ResourceARN: s.ARN.replace(s.Id, '00000000-0000-0000-0000-000000000000') }))).code).toBe('WAFNonexistentItemException');
    expect(await fail(call('ListTagsForResource', { ResourceARN: 'arn:aws:s3:::bucket' }))).toMatchObject({ code: 'WAFInvalidParameterException', Field: 'RESOURCE_ARN' });

    const ip = await createIpSet();
    await call('TagResource', { ResourceARN: ip.ARN, Tags: [{ Key: 'k', Value: 'v' }] });
    expect((await call('ListTagsForResource', { ResourceARN: ip.ARN })).TagInfoForResource.TagList).toEqual([{ Key: 'k', Value: 'v' }]);
  });
});

describe('concurrency', () => {
  it('only one of two updates with the same lock token wins', async () => {
    const s = await createAcl();
    const upd = (): Promise<unknown> => call('UpdateWebACL', { ...aclInput(), Id: s.Id, LockToken: s.LockToken });
    const results = await Promise.allSettled([upd(), upd()]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason.code).toBe('WAFOptimisticLockException');
  });
});

describe('wire round trip through the model codec', () => {
  it('decodes requests, and every output member survives encoding', async () => {
    const codec = new ModelCodec(svc.model);
    const wire = async (op: string, body: unknown): Promise<Record<string, unknown>> => {
      const input = codec.decodeJson(op, Buffer.from(JSON.stringify(body)));
      const out = await svc.operations[op]!.handler(input, ctx());
      return JSON.parse(codec.encodeJson(op, out ?? {}).toString('utf8')) as Record<string, unknown>;
    };
    const created = await wire('CreateWebACL', { ...aclInput(), Tags: [{ Key: 'k', Value: 'v' }] }) as { Summary: { ARN: string; Id: string } };
    const got = await wire('GetWebACL', { ARN: created.Summary.ARN });
    const direct = await call('GetWebACL', { ARN: created.Summary.ARN });
    // Blobs (ByteMatchStatement.SearchString) are Buffers in handlers and base64 on the wire.
    const b64 = (_k: string, v: unknown): unknown => (typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'Buffer'
      ? Buffer.from((v as { data: number[] }).data).toString('base64') : v);
    expect(got).toEqual(JSON.parse(JSON.stringify(direct, b64)));
    expect((got as { WebACL: { Rules: { Statement: { ByteMatchStatement: { SearchString: string } } }[] } }).WebACL.Rules[0]!.Statement.ByteMatchStatement.SearchString).toBe('evil');
    // A reload revives the blob as a Buffer.
    const reloaded = wafv2Service({ kv, accountId: ACCT, region: REGION, engine });
    await reloaded.store.load();
    const stmt = reloaded.store.webAcl(created.Summary.ARN)!.Rules[0]!.Statement as { ByteMatchStatement: { SearchString: unknown } };
    expect(Buffer.isBuffer(stmt.ByteMatchStatement.SearchString)).toBe(true);
    await wire('PutLoggingConfiguration', { LoggingConfiguration: { ResourceArn: created.Summary.ARN, LogDestinationConfigs: ['arn:aws:s3:::aws-waf-logs-x'] } });
    expect(await wire('GetLoggingConfiguration', { ResourceArn: created.Summary.ARN })).toMatchObject({ LoggingConfiguration: { LogType: 'WAF_LOGS', ManagedByFirewallManager: false } });
    const t = clock.getTime() / 1000;
    const sampled = await wire('GetSampledRequests', { WebAclArn: created.Summary.ARN, RuleMetricName: 'r1', Scope: 'REGIONAL', MaxItems: 5, TimeWindow: { StartTime: t - 60, EndTime: t } });
    expect(sampled).toMatchObject({ PopulationSize: 7, TimeWindow: { StartTime: t - 60, EndTime: t } });
    expect(await wire('ListTagsForResource', { ResourceARN: created.Summary.ARN })).toEqual({ TagInfoForResource: { ResourceARN: created.Summary.ARN, TagList: [{ Key: 'k', Value: 'v' }] } });
  });
});

import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { buildSnapshot, decodeSnapshot, encodeSnapshot, SnapshotAcls, storeFromSnapshot } from './data-plane.js';
import { SampledRequests } from './proxy/index.js';
import { MemoryBackend } from './storage/index.js';
import { WafConfigStore, type EntityRecord } from './waf/index.js';
import { MemoryRateCounter } from './waf/engine/index.js';
import { request } from './waf/engine/test-fakes.js';

const P = 'arn:aws:wafv2:us-east-1:000000000000:regional';
const ACL = `${P}/webacl/shop-acl/a1`;
const OTHER_ACL = `${P}/webacl/other/a2`;
const RG = `${P}/rulegroup/g/r1`;
const IP = `${P}/ipset/bad/i1`;
const UNUSED_IP = `${P}/ipset/unused/i2`;
const RX = `${P}/regexpatternset/adm/x1`;
const SHIELD_RG = `${P}/rulegroup/ShieldMitigationRuleGroup_000000000000_shop/s1`;
const SHOP = 'arn:aws:bulwark:us-east-1:000000000000:site/shop';
const BLOG = 'arn:aws:bulwark:us-east-1:000000000000:site/blog';
const vis = (n: string): Record<string, unknown> => ({ SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: n });
const tx = [{ Priority: 0, Type: 'NONE' }];
const WANTS = { requests: true, connections: false, wafLogs: true };

function rec(type: EntityRecord['type'], arn: string, entity: Record<string, unknown>): EntityRecord {
  const [, name, id] = /\/([^/]+)\/([^/]+)$/.exec(arn) as RegExpExecArray;
  return { scope: 'REGIONAL', type, entity: { Name: name, Id: id, ARN: arn, ...entity }, lockToken: 't', tags: [] } as unknown as EntityRecord;
}

function webAcl(arn: string, rules: Record<string, unknown>[]): EntityRecord {
  return rec('webacl', arn, { DefaultAction: { Allow: {} }, VisibilityConfig: vis('acl'), Rules: rules, Capacity: 100 });
}

async function primaryStore(): Promise<WafConfigStore> {
  const store = new WafConfigStore(new MemoryBackend());
  await store.load();
  await store.putEntity(rec('ipset', IP, { IPAddressVersion: 'IPV4', Addresses: ['192.0.2.66/32'] }));
  await store.putEntity(rec('ipset', UNUSED_IP, { IPAddressVersion: 'IPV4', Addresses: ['198.51.100.0/24'] }));
  await store.putEntity(rec('regexpatternset', RX, { RegularExpressionList: [{ RegexString: '^/adm' }] }));
  await store.putEntity(rec('rulegroup', RG, {
    Capacity: 10, VisibilityConfig: vis('g'),
    Rules: [{ Name: 'ip', Priority: 0, Action: { Block: {} }, VisibilityConfig: vis('ip'), Statement: { IPSetReferenceStatement: { ARN: IP } } }],
  }));
  store.setServiceOwned(SHIELD_RG, 'rulegroup', {
    Name: 'ShieldMitigationRuleGroup_000000000000_shop', Id: 's1', ARN: SHIELD_RG, Capacity: 5, VisibilityConfig: vis('shield'),
    Rules: [{ Name: 'm', Priority: 0, Action: { Block: {} }, VisibilityConfig: vis('m'), Statement: { ByteMatchStatement: { SearchString: Buffer.from('/shield-block'), FieldToMatch: { UriPath: {} }, TextTransformations: tx, PositionalConstraint: 'STARTS_WITH' } } }],
  } as never);
  await store.putEntity(webAcl(ACL, [
    { Name: 'grp', Priority: 0, OverrideAction: { None: {} }, VisibilityConfig: vis('grp'), Statement: { RuleGroupReferenceStatement: { ARN: RG } } },
    { Name: 're', Priority: 1, Action: { Block: {} }, VisibilityConfig: vis('re'), Statement: { RegexPatternSetReferenceStatement: { ARN: RX, FieldToMatch: { UriPath: {} }, TextTransformations: tx } } },
    { Name: 'bytes', Priority: 2, Action: { Block: {} }, VisibilityConfig: vis('bytes'), Statement: { ByteMatchStatement: { SearchString: Buffer.from('evil'), FieldToMatch: { QueryString: {} }, TextTransformations: tx, PositionalConstraint: 'CONTAINS' } } },
    { Name: 'shield', Priority: 3, OverrideAction: { None: {} }, VisibilityConfig: vis('shield'), Statement: { RuleGroupReferenceStatement: { ARN: SHIELD_RG } } },
  ]));
  await store.putEntity(webAcl(OTHER_ACL, [{ Name: 'x', Priority: 0, Action: { Block: {} }, VisibilityConfig: vis('x'), Statement: { IPSetReferenceStatement: { ARN: UNUSED_IP } } }]));
  await store.associate(SHOP, ACL);
  await store.putLogging({ ResourceArn: ACL, LogDestinationConfigs: ['arn:aws:s3:::aws-waf-logs-shop'] } as never);
  return store;
}

function acls(): SnapshotAcls {
  return new SnapshotAcls({
    siteArn: (n) => `arn:aws:bulwark:us-east-1:000000000000:site/${n}`,
    siteNames: () => ['shop', 'blog'],
    sampled: new SampledRequests(),
    rateCounter: new MemoryRateCounter(),
    logger: pino({ level: 'silent' }),
  });
}

describe('data-plane configuration snapshots', () => {
  it('carry exactly what the sites compile: the associated web ACL, its references (service-owned too), logging', async () => {
    const store = await primaryStore();
    const s = buildSnapshot(store, [SHOP, BLOG], 7, false, WANTS);
    expect(s.entities.map((e) => e.entity.ARN).sort()).toEqual([ACL, IP, RX, RG].sort());
    expect(s.serviceOwned.map((o) => [o.arn, o.type])).toEqual([[SHIELD_RG, 'rulegroup']]);
    expect(s.associations).toEqual([[SHOP, ACL]]);
    expect(s.logging.map((l) => l.ResourceArn)).toEqual([ACL]);
    expect(s.wants).toEqual(WANTS);
    // Sealed: nothing at all.
    const sealed = buildSnapshot(store, [SHOP], 8, true, WANTS);
    expect([sealed.entities.length, sealed.serviceOwned.length, sealed.associations.length, sealed.logging.length]).toEqual([0, 0, 0, 0]);
  });

  it('survive the trip as text (blobs included) and rebuild an equivalent store', async () => {
    const store = await primaryStore();
    const text = encodeSnapshot(buildSnapshot(store, [SHOP, BLOG], 1, false, WANTS));
    const copy = await storeFromSnapshot(decodeSnapshot(text));
    expect(copy.webAclArnFor(SHOP)).toBe(ACL);
    expect(copy.webAclArnFor(BLOG)).toBeUndefined();
    const rule = (copy.webAcl(ACL)?.Rules as unknown as { Statement: { ByteMatchStatement?: { SearchString: Buffer } } }[])[2];
    expect(Buffer.isBuffer(rule?.Statement.ByteMatchStatement?.SearchString)).toBe(true);
    expect(rule?.Statement.ByteMatchStatement?.SearchString.toString()).toBe('evil');
    expect(copy.resolvers.ruleGroup(SHIELD_RG)?.Name).toBe('ShieldMitigationRuleGroup_000000000000_shop');
    expect(copy.resolvers.ipSet(UNUSED_IP)).toBeUndefined();
    expect(copy.loggingConfigFor(ACL)?.LogDestinationConfigs).toEqual(['arn:aws:s3:::aws-waf-logs-shop']);
  });

  it('compile in a worker into the same decisions; older versions are ignored; sealed fails closed', async () => {
    const store = await primaryStore();
    const a = acls();
    // Before the first snapshot a site is "sealed": evaluating throws, so the site's fail mode applies.
    expect(() => a.forSite('shop')?.acl.evaluate(request())).toThrow(/sealed/);
    expect(await a.apply(decodeSnapshot(encodeSnapshot(buildSnapshot(store, [SHOP, BLOG], 2, false, WANTS))))).toBe(true);
    const shop = a.forSite('shop');
    expect(shop?.acl.arn).toBe(ACL);
    expect(shop?.logging?.LogDestinationConfigs).toEqual(['arn:aws:s3:::aws-waf-logs-shop']);
    expect(shop?.acl.evaluate(request()).action).toBe('ALLOW');
    expect(shop?.acl.evaluate(request({ clientIp: '192.0.2.66' })).action).toBe('BLOCK');
    expect(shop?.acl.evaluate(request({ uriPath: '/admin' })).action).toBe('BLOCK');
    expect(shop?.acl.evaluate(request({ queryString: 'q=evil' })).action).toBe('BLOCK');
    expect(shop?.acl.evaluate(request({ uriPath: '/shield-block/x' })).action).toBe('BLOCK');
    expect(a.forSite('blog')).toBeUndefined();
    // A late or repeated older snapshot changes nothing.
    await store.disassociate(SHOP);
    expect(await a.apply(buildSnapshot(store, [SHOP], 1, false, WANTS))).toBe(false);
    expect(a.forSite('shop')?.acl.arn).toBe(ACL);
    expect(await a.apply(buildSnapshot(store, [SHOP], 3, false, WANTS))).toBe(true);
    expect(a.forSite('shop')).toBeUndefined();
    expect(await a.apply(buildSnapshot(store, [SHOP], 4, true, WANTS))).toBe(true);
    expect(() => a.forSite('shop')?.acl.evaluate(request())).toThrow(/sealed/);
  });
});

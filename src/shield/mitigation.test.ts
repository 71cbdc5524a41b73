import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SampledRequests } from '../proxy/index.js';
import { MemoryBackend } from '../storage/index.js';
import { WafConfigStore } from '../waf/api/index.js';
import type { WebACL } from '../waf/api/index.js';
import { request } from '../waf/engine/test-fakes.js';
import { WafRuntime } from '../waf/index.js';
import { MitigationPlacer, SHIELD_RULE_PRIORITY } from './mitigation.js';

const SITE = 'arn:aws:bulwark:us-east-1:000000000000:site/shop';
const ACL_ARN = 'arn:aws:wafv2:us-east-1:000000000000:regional/webacl/shop-acl/11111111-1111-1111-1111-111111111111';
const vis = (m: string) => ({ SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: m });

async function setup(): Promise<{ store: WafConfigStore; runtime: WafRuntime; placer: MitigationPlacer }> {
  const store = new WafConfigStore(new MemoryBackend());
  const runtime = new WafRuntime({ store, sampled: new SampledRequests(), siteArn: (n) => `arn:aws:bulwark:us-east-1:000000000000:site/${n}`, sites: () => [{ name: 'shop', arn: SITE }], logger: pino({ level: 'silent' }) });
  await runtime.load();
  const acl: WebACL = {
    Name: 'shop-acl', Id: '11111111-1111-1111-1111-111111111111', ARN: ACL_ARN, DefaultAction: { Allow: {} }, Capacity: 2, VisibilityConfig: vis('shopAcl'),
    LabelNamespace: 'awswaf:000000000000:webacl:shop-acl:', ManagedByFirewallManager: false, RetrofittedByFirewallManager: false,
    Rules: [{ Name: 'admin', Priority: 1, Action: { Block: {} }, VisibilityConfig: vis('admin'), Statement: { ByteMatchStatement: { SearchString: Buffer.from('/admin'), FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: 'NONE' }], PositionalConstraint: 'EXACTLY' } } }],
  };
  await store.putEntity({ scope: 'REGIONAL', type: 'webacl', entity: acl, lockToken: 'lock-1', tags: [] });
  await store.associate(SITE, ACL_ARN);
  const placer = new MitigationPlacer({ store, validateWebAcl: runtime.hooks().validateWebAcl, accountId: '000000000000', region: 'us-east-1' });
  return { store, runtime, placer };
}

describe('MitigationPlacer', () => {
  it('places a Shield rule group at priority 10,000,000 that the data plane enforces, and removes it', async () => {
    const { store, runtime, placer } = await setup();
    const placed = (await placer.place(SITE, { addresses: ['198.51.100.0/24', '203.0.113.7/32'], uriPath: '/login', baselineShare: 0 }, 'Block'))!;
    expect(placed.groupName).toMatch(/^ShieldMitigationRuleGroup_000000000000_11111111-1111-1111-1111-111111111111_[0-9a-f-]{36}$/);
    const rec = store.record(ACL_ARN)!;
    expect(rec.lockToken).not.toBe('lock-1');
    const acl = rec.entity as WebACL;
    expect(acl.Rules.map((r) => [r.Name, r.Priority])).toEqual([['admin', 1], [placed.groupName, SHIELD_RULE_PRIORITY]]);
    expect(acl.Rules[1]).toMatchObject({ OverrideAction: { None: {} }, Statement: { RuleGroupReferenceStatement: { ARN: placed.groupArn } } });
    // Not a customer entity: wafv2 ListRuleGroups does not show it, but it resolves by ARN.
    expect(store.list('rulegroup', 'REGIONAL')).toEqual([]);
    expect(store.resolvers.ruleGroup(placed.groupArn)?.Rules.map((r) => r.Name)).toEqual(['ShieldMitigationRule_SourceIPv4', 'ShieldMitigationRule_URI']);
    const evaluate = (ip: string, path: string) => runtime.forSite('shop')!.acl.evaluate(request({ clientIp: ip, uriPath: path })).action;
    expect(evaluate('198.51.100.9', '/')).toBe('BLOCK');
    expect(evaluate('203.0.113.7', '/')).toBe('BLOCK');
    expect(evaluate('10.0.0.1', '/login')).toBe('BLOCK');
    expect(evaluate('10.0.0.1', '/')).toBe('ALLOW');
    // Count instead of Block.
    await placer.place(SITE, { addresses: ['198.51.100.0/24'], baselineShare: 0 }, 'Count');
    expect(evaluate('198.51.100.9', '/')).toBe('ALLOW');
    expect(await placer.remove(SITE)).toBeDefined();
    expect((store.record(ACL_ARN)!.entity as WebACL).Rules.map((r) => r.Name)).toEqual(['admin']);
    expect(store.resolvers.ruleGroup(placed.groupArn)).toBeUndefined();
    expect(evaluate('198.51.100.9', '/')).toBe('ALLOW');
  });

  it('removes Shield rules a previous run left in a web ACL', async () => {
    const { store, placer } = await setup();
    await placer.place(SITE, { addresses: ['198.51.100.0/24'], baselineShare: 0 }, 'Block');
    // A new process: the Shield-owned group is gone, the web ACL still references it.
    const fresh = new MitigationPlacer({ store, validateWebAcl: () => ({ capacity: 2 }), accountId: '000000000000', region: 'us-east-1' });
    expect(await fresh.removeStale()).toBe(1);
    expect((store.record(ACL_ARN)!.entity as WebACL).Rules.map((r) => r.Name)).toEqual(['admin']);
  });

  it('does nothing for a site without a web ACL', async () => {
    const { placer } = await setup();
    expect(await placer.place('arn:aws:bulwark:us-east-1:000000000000:site/other', { addresses: ['198.51.100.0/24'], baselineShare: 0 }, 'Block')).toBeUndefined();
  });
});

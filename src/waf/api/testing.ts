/**
 * Test support for the wafv2 API: a fake WafEngineHooks that counts WCU with a simple table (not
 * AWS's), fails on a marker statement like the engine's WafConfigError, records onChange calls and
 * serves configurable sites, samples, rate keys and managed rule groups.
 */
import type { ManagedRuleGroupInfo, RateBasedKeysResult, SampledRequestsResult, SiteInfo, WafEngineHooks, WafResolvers } from './hooks.js';
import type { Rule, Statement } from './types.js';

/** An error shaped like the engine's WafConfigError. */
export class FakeWafConfigError extends Error {
  constructor(readonly field: string, readonly reason: string, readonly parameter?: string) {
    super(reason);
    this.name = 'WafConfigError';
  }
}

/** WCU of a statement in the fake: 1 per leaf, +1 per And/Or/Not, rule groups count their Capacity, managed groups 100. */
function statementWcu(s: Statement, resolvers: WafResolvers): number {
  const [k, v] = Object.entries(s).find(([, x]) => x !== undefined && x !== null) ?? ['', undefined];
  const o = v as Record<string, unknown> | undefined;
  if (k === 'RegexMatchStatement' && o?.RegexString === 'engine-rejects-this') throw new FakeWafConfigError('STATEMENT', 'The engine rejected the statement.', 'RegexString');
  switch (k) {
    case 'AndStatement':
    case 'OrStatement':
      return 1 + (o?.Statements as Statement[]).reduce((n, c) => n + statementWcu(c, resolvers), 0);
    case 'NotStatement':
      return 1 + statementWcu(o?.Statement as Statement, resolvers);
    case 'RuleGroupReferenceStatement':
      return resolvers.ruleGroup(String(o?.ARN))?.Capacity ?? 0;
    case 'ManagedRuleGroupStatement':
      return 100;
    case 'ByteMatchStatement':
      return typeof o?.SearchString === 'string' && o.SearchString.startsWith('wcu:') ? Number(o.SearchString.slice(4)) : 1;
    default:
      return 1;
  }
}

/** The fake's rule capacity. */
export function fakeCapacity(rules: readonly Rule[], resolvers: WafResolvers): number {
  return rules.reduce((n, r) => n + statementWcu(r.Statement, resolvers), 0);
}

/** A controllable WafEngineHooks. */
export class FakeWafEngine implements WafEngineHooks {
  changes = 0;
  siteList: SiteInfo[] = [];
  managed: ManagedRuleGroupInfo[] = [];
  lastSampleCall: unknown[] | undefined;
  lastRateCall: unknown[] | undefined;

  validateWebAcl(acl: { Rules: readonly Rule[] }, resolvers: WafResolvers): { capacity: number } {
    return { capacity: fakeCapacity(acl.Rules, resolvers) };
  }

  validateRuleGroup(group: { Rules: readonly Rule[] }, resolvers: WafResolvers): { capacity: number } {
    return { capacity: fakeCapacity(group.Rules, resolvers) };
  }

  ruleCapacity(rules: readonly Rule[], resolvers: WafResolvers): number {
    return fakeCapacity(rules, resolvers);
  }

  onChange(): void {
    this.changes++;
  }

  sites(): readonly SiteInfo[] {
    return this.siteList;
  }

  sampledRequests(webAclArn: string, ruleMetricName: string, timeWindow: { StartTime: Date; EndTime: Date }, maxItems: number): SampledRequestsResult {
    this.lastSampleCall = [webAclArn, ruleMetricName, timeWindow, maxItems];
    return {
      SampledRequests: [{ Request: { ClientIP: '192.0.2.1', Country: 'FR', URI: '/', Method: 'GET', HTTPVersion: 'HTTP/1.1', Headers: [] }, Weight: 1, Action: 'BLOCK' }],
      PopulationSize: 7,
      TimeWindow: timeWindow,
    };
  }

  rateBasedKeys(webAclArn: string, ruleName: string, ruleGroupRuleName?: string): RateBasedKeysResult {
    this.lastRateCall = [webAclArn, ruleName, ruleGroupRuleName];
    return { ManagedKeysIPV4: { IPAddressVersion: 'IPV4', Addresses: ['192.0.2.1/32'] }, ManagedKeysIPV6: { IPAddressVersion: 'IPV6', Addresses: [] } };
  }

  managedRuleGroups(): readonly ManagedRuleGroupInfo[] {
    return this.managed;
  }
}

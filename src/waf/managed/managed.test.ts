/**
 * The managed rule groups: every group compiles with the real engine, every rule catches its
 * attack and spares a look-alike, labels carry AWS's namespaces, ExcludedRules and
 * RuleActionOverrides apply to AWS's rule names, and benign traffic passes every group.
 */
import { describe, expect, it } from 'vitest';
import { rulesCapacity } from '../engine/index.js';
import { benignRequests, moreBenignRequests } from './benign.js';
import { RULE_CASES } from './cases.js';
import { managedRuleGroupInfos, managedRuleGroups, resolveManagedRuleGroup } from './index.js';
import type { Json } from './rule-builder.js';
import { aclWith, groupRule, req, seedTestIpLists } from './test-helpers.js';

// The IP reputation, anonymous-IP and Bot Control cases use addresses on these test lists.
seedTestIpLists();

const ALL = [...managedRuleGroups.values()];

/** The ACL with every rule of a group excluded (Count), so each rule's match is visible on its own. */
function allCounting(name: string): ReturnType<typeof aclWith> {
  const g = managedRuleGroups.get(`AWS:${name}`)!;
  return aclWith([groupRule(name, 0, { ExcludedRules: g.Rules.map((r) => ({ Name: r['Name'] })) })]);
}

function matchedRules(acl: ReturnType<typeof aclWith>, init: Parameters<typeof req>[0]): string[] {
  const d = acl.evaluate(req(init));
  return d.ruleGroupList.flatMap((g) => [...(g.terminatingRule ? [g.terminatingRule.ruleId] : []), ...g.nonTerminatingMatchingRules.map((m) => m.ruleId)]);
}

describe('registry', () => {
  it('resolves known groups and any AWS version name, rejects unknown ones', () => {
    expect(resolveManagedRuleGroup('AWS', 'AWSManagedRulesCommonRuleSet')?.Capacity).toBe(700);
    expect(resolveManagedRuleGroup('AWS', 'AWSManagedRulesCommonRuleSet', 'Version_1.12')?.Version).toBe('Version_1.12');
    expect(resolveManagedRuleGroup('AWS', 'AWSManagedRulesCommonRuleSet', 'latest')).toBeUndefined();
    expect(resolveManagedRuleGroup('AWS', 'NoSuchGroup')).toBeUndefined();
    expect(resolveManagedRuleGroup('Acme', 'AWSManagedRulesCommonRuleSet')).toBeUndefined();
  });

  it('describes every group for the API', () => {
    const infos = managedRuleGroupInfos();
    expect(infos.map((i) => i.Name).sort()).toEqual(ALL.map((g) => g.Name).sort());
    const core = infos.find((i) => i.Name === 'AWSManagedRulesCommonRuleSet')!;
    expect(core.Rules[0]).toEqual({ Name: 'NoUserAgent_HEADER', Action: { Block: {} } });
    expect(core.AvailableLabels).toContainEqual({ Name: 'awswaf:managed:aws:core-rule-set:NoUserAgent_Header' });
    expect(core.CurrentDefaultVersion).toBe('Version_1.0');
  });

  it('is immutable', () => {
    expect(Object.isFrozen(ALL[0]!.Rules)).toBe(true);
  });
});

describe.each(ALL.map((g) => [g.Name, g] as const))('%s', (name, group) => {
  it('compiles with the real engine; WCU within the published capacity', () => {
    const acl = aclWith([name]);
    expect(acl.capacity).toBe(group.Capacity);
    const computed = rulesCapacity(group.Rules as Json[]);
    console.log(`${name}: published ${group.Capacity} WCU, rules compute to ${computed} WCU`);
    expect(computed).toBeGreaterThan(0);
  });

  it('has a case for every rule', () => {
    expect(Object.keys(RULE_CASES[name] ?? {}).sort()).toEqual(group.Rules.map((r) => String(r['Name'])).sort());
  });

  const acl = allCounting(name);
  for (const [ruleName, [attack, benign]] of Object.entries(RULE_CASES[name] ?? {})) {
    it(`${ruleName}: catches the attack, spares the look-alike`, () => {
      expect(matchedRules(acl, attack)).toContain(ruleName);
      expect(matchedRules(acl, benign)).not.toContain(ruleName);
    });
  }

  it('blocks with the rule label in the group namespace', () => {
    const [ruleName, [attack]] = Object.entries(RULE_CASES[name]!)[0]!;
    const rule = group.Rules.find((r) => r['Name'] === ruleName)!;
    const label = group.LabelNamespace + (rule['RuleLabels'] as { Name: string }[])[0]!.Name;
    const d = aclWith([name]).evaluate(req(attack));
    expect(d.action).toBe('BLOCK');
    expect(d.terminatingRuleId).toBe(name);
    expect(d.terminatingRuleType).toBe('MANAGED_RULE_GROUP');
    expect(d.labels).toContain(label);
    expect(label.startsWith('awswaf:managed:aws:')).toBe(true);
  });
});

describe('overrides use AWS rule names', () => {
  const attack = req({ target: '/logs/access.log' });
  it('ExcludedRules turn the rule into Count', () => {
    const d = aclWith([groupRule('AWSManagedRulesCommonRuleSet', 0, { ExcludedRules: [{ Name: 'RestrictedExtensions_URIPATH' }] })]).evaluate(attack);
    expect(d.action).toBe('ALLOW');
    expect(d.ruleGroupList[0]!.excludedRules).toEqual([{ exclusionType: 'EXCLUDED_AS_COUNT', ruleId: 'RestrictedExtensions_URIPATH' }]);
    expect(d.labels).toContain('awswaf:managed:aws:core-rule-set:RestrictedExtensions_URIPath');
  });
  it('RuleActionOverrides Count, and a label-based block later in the ACL', () => {
    const d = aclWith([
      groupRule('AWSManagedRulesCommonRuleSet', 0, { RuleActionOverrides: [{ Name: 'RestrictedExtensions_URIPATH', ActionToUse: { Count: {} } }] }),
      { Name: 'block-label', Statement: { LabelMatchStatement: { Scope: 'LABEL', Key: 'awswaf:managed:aws:core-rule-set:RestrictedExtensions_URIPath' } }, Action: { Block: {} }, VisibilityConfig: { SampledRequestsEnabled: false, CloudWatchMetricsEnabled: false, MetricName: 'b' } },
    ]).evaluate(attack);
    expect(d.ruleGroupList[0]!.nonTerminatingMatchingRules).toEqual([{ ruleId: 'RestrictedExtensions_URIPATH', action: 'COUNT', overriddenAction: 'BLOCK' }]);
    expect(d.action).toBe('BLOCK');
    expect(d.terminatingRuleId).toBe('block-label');
  });
  it('an unknown version name is a load-time error', () => {
    expect(() => aclWith([groupRule('AWSManagedRulesCommonRuleSet', 0, { Version: 'v9' })])).toThrow(/does not exist/);
  });
});

describe('benign traffic', () => {
  const acl = aclWith(ALL.map((g) => g.Name));
  const cases = benignRequests();
  it('has at least 50 requests', () => expect(cases.length).toBeGreaterThanOrEqual(50));
  const more = moreBenignRequests();
  it('has at least 50 more technical requests', () => expect(more.length).toBeGreaterThanOrEqual(50));
  it('passes every group', () => {
    const refused = [...cases, ...more].map((c) => ({ c, d: acl.evaluate(req(c)) })).filter((x) => x.d.action !== 'ALLOW');
    expect(refused.map((x) => `${x.d.terminatingRuleId}/${x.d.ruleGroupList.at(-1)?.terminatingRule?.ruleId}: ${x.c.target} ${x.c.body ?? ''}`)).toEqual([]);
  });
  it('bench/benign-corpus.mjs (the 1,500 requests of bench/waf-detection.mjs) passes the detection benchmark\'s web ACL', async () => {
    const path = '../../../bench/benign-corpus.mjs';
    const { generateCorpus } = (await import(path)) as { generateCorpus: (n: number) => { method: string; path: string; headers: Record<string, string>; body?: string }[] };
    const bench = aclWith([
      groupRule('AWSManagedRulesCommonRuleSet', 0, { ExcludedRules: [{ Name: 'NoUserAgent_HEADER' }] }),
      'AWSManagedRulesSQLiRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesLinuxRuleSet',
      'AWSManagedRulesUnixRuleSet', 'AWSManagedRulesWindowsRuleSet', 'AWSManagedRulesPHPRuleSet',
    ]);
    const corpus = generateCorpus(1500);
    expect(corpus).toHaveLength(1500);
    const init = (q: (typeof corpus)[number]): Parameters<typeof req>[0] => ({ method: q.method, target: q.path, headers: q.headers, ...(q.body !== undefined ? { body: q.body } : {}) });
    const refused = corpus.map((q) => ({ q, d: bench.evaluate(req(init(q))) })).filter((x) => x.d.action !== 'ALLOW');
    // Cost per request of the seven groups (information only: the machine is shared).
    const t0 = process.hrtime.bigint();
    for (const q of corpus) bench.evaluate(req(init(q)));
    console.log(`bench/benign-corpus.mjs through the detection web ACL: ${refused.length}/1500 refused, ${(Number(process.hrtime.bigint() - t0) / 1000 / corpus.length).toFixed(1)} µs per request`);
    expect(refused.map((x) => `${x.d.ruleGroupList.at(-1)?.terminatingRule?.ruleId}: ${x.q.path} ${x.q.body ?? ''}`)).toEqual([]);
  });
});

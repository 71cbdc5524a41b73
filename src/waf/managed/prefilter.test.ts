/**
 * The regex prefilter (src/waf/engine/statements/regex-prefilter.ts) must not change a single
 * decision: the full managed set (as bench/waf-detection.mjs and crs.test.ts compile it) decides
 * every CRS regression stage, every benign request of the test corpora and every rule case the
 * same with the prefilter on and off — same action, terminating rule, labels and counted rules.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { detectors } from '../detect/index.js';
import { BENIGN_CORPUS } from '../detect/benign-corpus.js';
import { CRS_ROOT } from '../detect/test-helpers.js';
import { compileWebAcl, MemoryRateCounter, type CompiledWebAcl, type InspectedRequest, type WafDecision } from '../engine/index.js';
import { benignRequests, moreBenignRequests } from './benign.js';
import { RULE_CASES } from './cases.js';
import { resolveManagedRuleGroup } from './index.js';
import { groupRule, req } from './test-helpers.js';

const GROUPS = [
  groupRule('AWSManagedRulesCommonRuleSet', 0, { ExcludedRules: [{ Name: 'NoUserAgent_HEADER' }] }),
  'AWSManagedRulesSQLiRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesLinuxRuleSet',
  'AWSManagedRulesUnixRuleSet', 'AWSManagedRulesWindowsRuleSet', 'AWSManagedRulesPHPRuleSet', 'AWSManagedRulesWordPressRuleSet', 'AWSManagedRulesAdminProtectionRuleSet',
];

function acl(regexPrefilter: boolean): CompiledWebAcl {
  return compileWebAcl(
    {
      Name: 'prefilter-test',
      DefaultAction: { Allow: {} },
      VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: 'prefilter-test' },
      Rules: GROUPS.map((g, i) => (typeof g === 'string' ? groupRule(g, i) : { ...g, Priority: i })),
    },
    { resolveIpSet: () => undefined, resolveRegexPatternSet: () => undefined, resolveRuleGroup: () => undefined, resolveManagedRuleGroup, detectors, rateCounter: new MemoryRateCounter(), regexPrefilter },
  );
}

const bs = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

interface FtwInput { method?: string; uri?: string; headers?: Record<string, string>; data?: string | string[]; encoded_request?: string }

function crsRequests(): InspectedRequest[] {
  if (!existsSync(CRS_ROOT)) return [];
  const out: InspectedRequest[] = [];
  for (const dir of readdirSync(CRS_ROOT).filter((d) => /^REQUEST-9(3\d|4[0-4])-/.test(d)).sort()) {
    for (const f of readdirSync(join(CRS_ROOT, dir)).filter((x) => x.endsWith('.yaml')).sort()) {
      const doc = parse(readFileSync(join(CRS_ROOT, dir, f), 'utf8')) as { tests: { stages: { input: FtwInput }[] }[] };
      for (const t of doc.tests) {
        for (const { input } of t.stages) {
          if (input.encoded_request !== undefined) continue;
          const uri = bs(input.uri ?? '/');
          const q = uri.indexOf('?');
          const headers: [string, string][] = Object.entries(input.headers ?? {}).map(([k, v]) => [k, k.toLowerCase() === 'host' ? 'www.example.com' : bs(String(v))]);
          const data = Array.isArray(input.data) ? input.data.join('\r\n') : input.data;
          const body = Buffer.from(data ?? '', 'utf8');
          out.push({
            method: input.method ?? 'GET', uriPath: q < 0 ? uri : uri.slice(0, q), queryString: q < 0 ? '' : uri.slice(q + 1), uriFragment: '', httpVersion: 'HTTP/1.1',
            headers, body, bodySize: body.length, bodyOversize: false, clientIp: '203.0.113.9', timeMs: 1_700_000_000_000,
          });
        }
      }
    }
  }
  return out;
}

function otherRequests(): InspectedRequest[] {
  const inits = [...benignRequests(), ...moreBenignRequests()];
  for (const rules of Object.values(RULE_CASES)) for (const [attack, benign] of Object.values(rules)) inits.push(attack, benign);
  BENIGN_CORPUS.forEach((text, i) => {
    const e = encodeURIComponent(text);
    inits.push({ target: `/search?q=${e}&page=${i}` });
    inits.push({ method: 'POST', target: '/contact', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: `pref=${e}` }, body: `message=${e}&n=${i}` });
    inits.push({ method: 'POST', target: '/api/notes', headers: { 'Content-Type': 'application/json', 'X-Note': text }, body: JSON.stringify({ text }) });
  });
  return inits.map((i) => req(i));
}

/** The parts of a decision detection depends on. */
function summary(d: WafDecision): unknown {
  return {
    action: d.action,
    rule: d.terminatingRuleId,
    groups: d.ruleGroupList.map((g) => [g.ruleGroupId, g.terminatingRule?.ruleId ?? null, g.nonTerminatingMatchingRules.map((r) => r.ruleId)]),
    labels: d.labels,
  };
}

describe('regex prefilter: same decisions on the managed set', () => {
  const on = acl(true);
  const off = acl(false);

  it.skipIf(!existsSync(CRS_ROOT))('on every CRS regression stage (930–944)', () => {
    const reqs = crsRequests();
    expect(reqs.length).toBeGreaterThan(1000);
    let blocked = 0;
    for (const r of reqs) {
      const a = summary(on.evaluate(r));
      expect(a, `${r.method} ${r.uriPath}?${r.queryString}`).toEqual(summary(off.evaluate(r)));
      if ((a as { action: string }).action === 'BLOCK') blocked++;
    }
    // Both verdicts occur (the comparison is not vacuous).
    expect(blocked).toBeGreaterThan(reqs.length / 3);
    expect(blocked).toBeLessThan(reqs.length);
  });

  it('on the benign corpora and the per-rule attack / look-alike cases', () => {
    const reqs = otherRequests();
    let blocked = 0;
    for (const r of reqs) {
      const a = summary(on.evaluate(r));
      expect(a, `${r.method} ${r.uriPath}?${r.queryString} ${r.body.toString('latin1').slice(0, 80)}`).toEqual(summary(off.evaluate(r)));
      if ((a as { action: string }).action === 'BLOCK') blocked++;
    }
    expect(blocked).toBeGreaterThan(30);
  });
});

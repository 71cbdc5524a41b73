import { describe, expect, it } from 'vitest';
import type { DetectorInput, WafLogRecord } from '../types.js';
import { run } from './testing.js';
import { SITES, SUSTAINED_BLOCKS, wafAttackSources } from './waf-attack-sources.js';

const T0 = Date.UTC(2026, 0, 5, 10);
const block = (ip: string, t: number, host = 'shop.example', acl = 'acl-1', action = 'BLOCK'): DetectorInput => ({
  kind: 'waf',
  record: { timestamp: t, webaclId: acl, terminatingRuleId: 'SQLi', action, httpRequest: { clientIp: ip, uri: '/', httpMethod: 'GET', headers: [{ name: 'Host', value: host }] } } satisfies WafLogRecord,
});

describe('waf-attack-sources', () => {
  it('one IP blocked on several sites → SourceAttackingManySites', () => {
    const out = run(wafAttackSources, Array.from({ length: SITES }, (_, i) => block('198.51.100.70', T0 + i * 1000, `site${i}.example`)));
    expect(out.map((c) => [c.type, c.remoteIp, c.dedupKey])).toEqual([['Recon:WAF/SourceAttackingManySites', '198.51.100.70', 'Recon:WAF/SourceAttackingManySites|198.51.100.70']]);
  });

  it('sustained blocking → SustainedAttackSource once; a burst or allowed requests are silent', () => {
    const steady = Array.from({ length: SUSTAINED_BLOCKS + 20 }, (_, i) => block('198.51.100.71', T0 + i * 4000));
    expect(run(wafAttackSources, steady).map((c) => c.type)).toEqual(['Impact:WAF/SustainedAttackSource']);
    expect(run(wafAttackSources, Array.from({ length: 500 }, (_, i) => block('198.51.100.71', T0 + i * 100)))).toEqual([]);
    expect(run(wafAttackSources, steady.map((s, i) => block('198.51.100.71', T0 + i * 4000, 'shop.example', 'acl-1', 'ALLOW')))).toEqual([]);
  });

  it('Shield attack top sources → DDoSAttackSource', () => {
    const out = run(wafAttackSources, [{ kind: 'shield', event: { phase: 'start', attackId: 'a1', resourceArn: 'arn:r', startTime: '2026-01-05T10:00:00Z', vectors: ['REQUEST_FLOOD'], topSources: [{ ip: '198.51.100.72', count: 5000 }, { ip: '198.51.100.73', count: 10 }] } }]);
    expect(out.map((c) => [c.type, c.remoteIp])).toEqual([['Impact:Shield/DDoSAttackSource', '198.51.100.72']]);
  });
});

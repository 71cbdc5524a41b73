import { describe, expect, it } from 'vitest';
import { dnsThreatIntel } from './dns-threat-intel.js';
import { dnsq, fakeContext, run } from './testing.js';

const T = '2026-01-05T10:00:00Z';

describe('dns-threat-intel', () => {
  it('customer list → MaliciousDomainRequest.Custom (parent domains match), threat names pick types', () => {
    const ctx = fakeContext();
    ctx.threatDomains.set('evil.example', { listName: 'mine', custom: true });
    ctx.threatDomains.set('phish.example', { listName: 'feed', custom: false, threatName: 'Phishing' });
    ctx.threatDomains.set('c2.example', { listName: 'feed', custom: false, threatName: 'C&C' });
    const out = run(dnsThreatIntel, ['a.b.evil.example', 'login.phish.example', 'c2.example'].map((n) => ({ kind: 'dns' as const, record: dnsq(n, T) })), ctx);
    expect(out.map((c) => c.type)).toEqual(['Impact:EC2/MaliciousDomainRequest.Custom', 'Trojan:EC2/PhishingDomainRequest!DNS', 'Backdoor:EC2/C&CActivity.B!DNS']);
    expect(out[0]).toMatchObject({
      resource: { resourceType: 'Instance', instanceDetails: { instanceId: 'i-0abc1234' } },
      action: { actionType: 'DNS_REQUEST', dnsRequestAction: { domain: 'a.b.evil.example' } },
      dedupKey: 'Impact:EC2/MaliciousDomainRequest.Custom|i-0abc1234|a.b.evil.example',
    });
  });

  it('built-in feed: mining pools and the GuardDuty C&C test domain', () => {
    const out = run(dnsThreatIntel, ['pool.supportxmr.com', 'xmr-eu1.nanopool.org', 'moneropool.ru', 'www.guarddutyc2activityb.com'].map((n) => ({ kind: 'dns' as const, record: dnsq(n, T) })));
    expect(out.map((c) => c.type)).toEqual(['CryptoCurrency:EC2/BitcoinTool.B!DNS', 'CryptoCurrency:EC2/BitcoinTool.B!DNS', 'CryptoCurrency:EC2/BitcoinTool.B!DNS', 'Backdoor:EC2/C&CActivity.B!DNS']);
  });

  it('silent for ordinary names, AWS endpoints and trusted domains', () => {
    const ctx = fakeContext();
    ctx.threatDomains.set('evil.example', { listName: 'mine', custom: true });
    ctx.trustedDomains.add('evil.example');
    expect(run(dnsThreatIntel, ['www.example.com', 'poolside.com', 'dynamodb.us-east-1.amazonaws.com', 'evil.example'].map((n) => ({ kind: 'dns' as const, record: dnsq(n, T) })), ctx)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { dnsRebind } from './dns-rebind.js';
import { dnsq, run } from './testing.js';

describe('dns-rebind', () => {
  it('fires when a public name resolves to the metadata service', () => {
    const out = run(dnsRebind, [{ kind: 'dns', record: dnsq('169.254.169.254.nip.io', '2026-01-05T10:00:00Z', { answers: [{ Rdata: '169.254.169.254', Type: 'A', Class: 'IN' }] }) }]);
    expect(out.map((c) => [c.type, c.dedupKey])).toEqual([['UnauthorizedAccess:EC2/MetadataDNSRebind', 'UnauthorizedAccess:EC2/MetadataDNSRebind|i-0abc1234|169.254.169.254.nip.io']]);
  });

  it('silent for ordinary answers and the internal metadata name', () => {
    expect(run(dnsRebind, [
      { kind: 'dns', record: dnsq('www.example.com', '2026-01-05T10:00:00Z', { answers: [{ Rdata: '93.184.216.34', Type: 'A' }] }) },
      { kind: 'dns', record: dnsq('instance-data.ec2.internal', '2026-01-05T10:00:00Z', { answers: [{ Rdata: '169.254.169.254', Type: 'A' }] }) },
    ])).toEqual([]);
  });
});

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dnsExfiltration, encodedPayload, TUNNEL_NAMES } from './dns-exfiltration.js';
import { dnsq, run } from './testing.js';

const b32 = (n: number) => randomBytes(n).toString('base64').replace(/[^a-zA-Z0-9]/g, '').toLowerCase();

describe('dns-exfiltration', () => {
  it('recognises encoded payloads', () => {
    expect(encodedPayload(`${b32(30)}.${b32(30)}.t.attacker.example`, 'attacker.example')).toBeDefined();
    expect(encodedPayload('www.attacker.example', 'attacker.example')).toBeUndefined();
    expect(encodedPayload('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.attacker.example', 'attacker.example')).toBeUndefined();
  });

  it('fires on many distinct encoded names under one domain, keyed by that domain', () => {
    const q = Array.from({ length: TUNNEL_NAMES }, (_, i) => ({ kind: 'dns' as const, record: dnsq(`${b32(32)}.${i}.tunnel.example`, `2026-01-05T10:00:${String(i).padStart(2, '0')}Z`, { query_type: 'TXT' }) }));
    const out = run(dnsExfiltration, q);
    expect(out.map((c) => [c.type, c.dedupKey])).toEqual([['Trojan:EC2/DNSDataExfiltration', 'Trojan:EC2/DNSDataExfiltration|i-0abc1234|tunnel.example']]);
    expect(run(dnsExfiltration, q.slice(1))).toEqual([]);
  });

  it('the same hashed CDN name repeated is not a tunnel', () => {
    const name = `${b32(32)}.cdn.example.net`;
    expect(run(dnsExfiltration, Array.from({ length: 100 }, () => ({ kind: 'dns' as const, record: dnsq(name, '2026-01-05T10:00:00Z') })))).toEqual([]);
  });
});

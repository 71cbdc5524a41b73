import { describe, expect, it } from 'vitest';
import { dga, DGA_DOMAINS, looksGenerated } from './dga.js';
import { dnsq, run } from './testing.js';

const REAL = ['google', 'facebook', 'wikipedia', 'stackoverflow', 'microsoft', 'cloudfront', 'githubusercontent', 'doubleclick', 'salesforce', 'letsencrypt', 'windowsupdate', 'theguardian', 'instagram', 'office365', 'speedtest', 'dropboxusercontent', 'googletagmanager', 'amazontrust', 'azureedge', 'bitbucket'];
const GENERATED = ['xjwqkzvbnmrt', 'qxvbtyplkmnz', 'a8f3k2l9x7q1', 'kqzjvfhwpxyt', 'hgtrweqmnbvc', 'pqlmzbvcxgfd', 'ywhkrzbvtqmn', 'rtbvxqeplkzn'];

describe('dga', () => {
  it('tells generated labels from real names', () => {
    expect(REAL.filter(looksGenerated)).toEqual([]);
    expect(GENERATED.filter((l) => !looksGenerated(l))).toEqual([]);
  });

  it('fires when one instance queries several generated domains within 10 minutes', () => {
    const q = GENERATED.slice(0, DGA_DOMAINS).map((l, i) => ({ kind: 'dns' as const, record: dnsq(`${l}.com`, `2026-01-05T10:0${i}:00Z`, { rcode: 'NXDOMAIN' }) }));
    const out = run(dga, q);
    expect(out.map((c) => [c.type, c.dedupKey])).toEqual([['Trojan:EC2/DGADomainRequest.B', 'Trojan:EC2/DGADomainRequest.B|i-0abc1234|']]);
    expect(run(dga, q.slice(0, DGA_DOMAINS - 1))).toEqual([]);
    expect(run(dga, REAL.map((l) => ({ kind: 'dns' as const, record: dnsq(`www.${l}.com`, '2026-01-05T10:00:00Z') })))).toEqual([]);
  });
});

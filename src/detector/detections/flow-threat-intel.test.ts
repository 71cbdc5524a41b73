import { describe, expect, it } from 'vitest';
import { flowThreatIntel } from './flow-threat-intel.js';
import { fakeContext, flow, run } from './testing.js';

const T0 = 1_767_600_000;

describe('flow-threat-intel', () => {
  const ctx = fakeContext();
  ctx.threatIps.set('198.51.100.50', { listName: 'mine', custom: true });
  ctx.threatIps.set('198.51.100.51', { listName: 'feed', custom: false, threatName: 'C&C' });
  ctx.threatIps.set('198.51.100.52', { listName: 'feed', custom: false, threatName: 'Bitcoin mining pool' });
  ctx.threatIps.set('198.51.100.53', { listName: 'feed', custom: false, threatName: 'Tor guard' });
  ctx.threatIps.set('198.51.100.54', { listName: 'scanners', custom: false, threatName: 'scanner' });

  it('picks the type from the list', () => {
    const out = run(flowThreatIntel, ['198.51.100.50', '198.51.100.51', '198.51.100.52', '198.51.100.53'].map((ip) => ({ kind: 'vpcflow' as const, record: flow('10.0.0.5', ip, 443, T0) })), ctx);
    expect(out.map((c) => c.type)).toEqual(['UnauthorizedAccess:EC2/MaliciousIPCaller.Custom', 'Backdoor:EC2/C&CActivity.B', 'CryptoCurrency:EC2/BitcoinTool.B', 'UnauthorizedAccess:EC2/TorClient']);
    expect(out[0]).toMatchObject({ remoteIp: '198.51.100.50', additionalInfo: { threatListName: 'mine' }, dedupKey: 'UnauthorizedAccess:EC2/MaliciousIPCaller.Custom|eni-0a1b2c3d|198.51.100.50' });
  });

  it('an accepted probe from a listed scanner is a port probe (High on 9200); rejected probes are silent', () => {
    const probe = (port: number, action: 'ACCEPT' | 'REJECT') => ({ kind: 'vpcflow' as const, record: flow('198.51.100.54', '10.0.0.5', port, T0, { srcPort: 51000, action }) });
    expect(run(flowThreatIntel, [probe(22, 'ACCEPT'), probe(9200, 'ACCEPT'), probe(23, 'REJECT')], ctx).map((c) => [c.type, c.severity])).toEqual([['Recon:EC2/PortProbeUnprotectedPort', undefined], ['Recon:EC2/PortProbeUnprotectedPort', 8]]);
  });

  it('trusted wins; unlisted is silent', () => {
    const c2 = fakeContext();
    c2.threatIps.set('198.51.100.50', { listName: 'mine', custom: true });
    c2.trustedIps.add('198.51.100.50');
    expect(run(flowThreatIntel, [{ kind: 'vpcflow', record: flow('10.0.0.5', '198.51.100.50', 443, T0) }], c2)).toEqual([]);
    expect(run(flowThreatIntel, [{ kind: 'vpcflow', record: flow('10.0.0.5', '198.51.100.99', 443, T0) }], ctx)).toEqual([]);
  });
});

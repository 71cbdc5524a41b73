import { describe, expect, it } from 'vitest';
import type { DetectorInput } from '../types.js';
import { unusualTraffic } from './unusual-traffic.js';
import { flow, run } from './testing.js';

const T0 = 1_767_600_000;
/** Two days of an instance talking HTTPS and Postgres to a few hosts, 10 flows an hour. */
const baseline: DetectorInput[] = Array.from({ length: 480 }, (_, i) => ({ kind: 'vpcflow', record: flow('10.0.0.5', `198.51.100.${i % 5}`, i % 3 ? 443 : 5432, T0 + i * 360, { bytes: 2_000_000, packets: 2000 }) }));
const later = T0 + 480 * 360 + 60;

describe('unusual-traffic', () => {
  it('new remote port after learning → NetworkPortUnusual (High for LDAP)', () => {
    const out = run(unusualTraffic, [...baseline, { kind: 'vpcflow', record: flow('10.0.0.5', '203.0.113.80', 8443, later) }, { kind: 'vpcflow', record: flow('10.0.0.5', '203.0.113.81', 1389, later + 1) }]);
    expect(out.map((c) => [c.type, c.severity])).toEqual([['Behavior:EC2/NetworkPortUnusual', undefined], ['Behavior:EC2/NetworkPortUnusual', 8]]);
  });

  it('first SMTP → Spambot; first public resolver → UnusualDNSResolver', () => {
    const out = run(unusualTraffic, [...baseline, { kind: 'vpcflow', record: flow('10.0.0.5', '203.0.113.82', 25, later) }, { kind: 'vpcflow', record: flow('10.0.0.5', '8.8.8.8', 53, later + 1, { protocol: 17 }) }]);
    expect(out.map((c) => c.type)).toEqual(['Backdoor:EC2/Spambot', 'DefenseEvasion:EC2/UnusualDNSResolver']);
  });

  it('silent during learning and for known ports', () => {
    expect(run(unusualTraffic, [...baseline.slice(0, 50), { kind: 'vpcflow', record: flow('10.0.0.5', '203.0.113.80', 8443, T0 + 50 * 360) }])).toEqual([]);
    expect(run(unusualTraffic, [...baseline, { kind: 'vpcflow', record: flow('10.0.0.5', '203.0.113.80', 443, later) }])).toEqual([]);
  });

  it('an hour far above the largest before → TrafficVolumeUnusual, once', () => {
    const burst: DetectorInput[] = Array.from({ length: 10 }, (_, i) => ({ kind: 'vpcflow', record: flow('10.0.0.5', '198.51.100.1', 443, later + 3600 + i, { bytes: 300_000_000, packets: 200_000 }) }));
    const out = run(unusualTraffic, [...baseline, ...burst]);
    expect(out.map((c) => c.type)).toEqual(['Behavior:EC2/TrafficVolumeUnusual']);
  });
});

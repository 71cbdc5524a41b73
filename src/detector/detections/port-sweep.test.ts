import { describe, expect, it } from 'vitest';
import type { DetectorInput } from '../types.js';
import { portSweep, SWEEP_HOSTS } from './port-sweep.js';
import { flow, run } from './testing.js';

const T0 = 1_767_600_000;

describe('port-sweep', () => {
  const host = (i: number) => `198.51.${100 + (i >> 8)}.${i & 255}`;
  it('fires when one instance hits one port on many hosts', () => {
    const out = run(portSweep, Array.from({ length: SWEEP_HOSTS }, (_, i): DetectorInput => ({ kind: 'vpcflow', record: flow('10.0.0.5', host(i), 6379, T0 + i) })));
    expect(out.map((c) => [c.type, c.dedupKey])).toEqual([['Impact:EC2/PortSweep', 'Impact:EC2/PortSweep|eni-0a1b2c3d|6379']]);
  });
  it('HTTPS to many hosts is a client, not a sweep', () => {
    expect(run(portSweep, Array.from({ length: SWEEP_HOSTS * 2 }, (_, i): DetectorInput => ({ kind: 'vpcflow', record: flow('10.0.0.5', host(i), 443, T0 + i) })))).toEqual([]);
  });
});

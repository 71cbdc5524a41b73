import { describe, expect, it } from 'vitest';
import type { DetectorInput } from '../types.js';
import { portScan, SCAN_PORTS } from './port-scan.js';
import { flow, run } from './testing.js';

const T0 = 1_767_600_000;

describe('port-scan', () => {
  it('fires when one instance reaches many ports of one host', () => {
    const inputs: DetectorInput[] = Array.from({ length: SCAN_PORTS }, (_, i) => ({ kind: 'vpcflow', record: flow('10.0.0.5', '198.51.100.30', 1000 + i, T0 + i) }));
    const out = run(portScan, inputs);
    expect(out.map((c) => [c.type, c.resourceRole, c.dedupKey])).toEqual([['Recon:EC2/Portscan', 'ACTOR', 'Recon:EC2/Portscan|eni-0a1b2c3d|198.51.100.30']]);
  });

  it('silent for inbound scans, few ports, or ports spread over hours', () => {
    expect(run(portScan, Array.from({ length: SCAN_PORTS }, (_, i): DetectorInput => ({ kind: 'vpcflow', record: flow('198.51.100.30', '10.0.0.5', 1000 + i, T0 + i) })))).toEqual([]);
    expect(run(portScan, Array.from({ length: SCAN_PORTS - 1 }, (_, i): DetectorInput => ({ kind: 'vpcflow', record: flow('10.0.0.5', '198.51.100.30', 1000 + i, T0 + i) })))).toEqual([]);
    expect(run(portScan, Array.from({ length: SCAN_PORTS }, (_, i): DetectorInput => ({ kind: 'vpcflow', record: flow('10.0.0.5', '198.51.100.30', 1000 + i, T0 + i * 600) })))).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import type { DetectorInput } from '../types.js';
import { BRUTE_CONNECTIONS, sshRdpBruteForce } from './ssh-rdp-brute-force.js';
import { flow, run } from './testing.js';

const T0 = 1_767_600_000;
const flows = (src: string, dst: string, port: number, n: number, step = 5, packets = 12): DetectorInput[] =>
  Array.from({ length: n }, (_, i) => ({ kind: 'vpcflow', record: flow(src, dst, port, T0 + i * step, { packets, srcPort: 40000 + i }) }));

describe('ssh-rdp-brute-force', () => {
  it('inbound SSH guesses: TARGET, low severity, stable dedup key', () => {
    const out = run(sshRdpBruteForce, flows('198.51.100.20', '10.0.0.5', 22, BRUTE_CONNECTIONS + 2));
    expect(out.length).toBe(3);
    expect(out[0]).toMatchObject({ type: 'UnauthorizedAccess:EC2/SSHBruteForce', severity: 2, resourceRole: 'TARGET', remoteIp: '198.51.100.20' });
    expect(new Set(out.map((c) => c.dedupKey)).size).toBe(1);
    expect(out[0]?.action).toMatchObject({ actionType: 'NETWORK_CONNECTION', networkConnectionAction: { connectionDirection: 'INBOUND', protocol: 'TCP', localPortDetails: { port: 22, portName: 'SSH' } } });
  });

  it('outbound RDP guesses: ACTOR, high severity', () => {
    const out = run(sshRdpBruteForce, flows('10.0.0.5', '198.51.100.20', 3389, BRUTE_CONNECTIONS));
    expect(out.map((c) => [c.type, c.severity, c.resourceRole])).toEqual([['UnauthorizedAccess:EC2/RDPBruteForce', 8, 'ACTOR']]);
  });

  it('silent for a few connections, slow connections, real sessions, other ports, trusted IPs', () => {
    expect(run(sshRdpBruteForce, flows('198.51.100.20', '10.0.0.5', 22, BRUTE_CONNECTIONS - 1))).toEqual([]);
    expect(run(sshRdpBruteForce, flows('198.51.100.20', '10.0.0.5', 22, BRUTE_CONNECTIONS + 5, 60))).toEqual([]);
    expect(run(sshRdpBruteForce, flows('198.51.100.20', '10.0.0.5', 22, BRUTE_CONNECTIONS + 5, 5, 5000))).toEqual([]);
    expect(run(sshRdpBruteForce, flows('198.51.100.20', '10.0.0.5', 443, BRUTE_CONNECTIONS + 5))).toEqual([]);
  });
});

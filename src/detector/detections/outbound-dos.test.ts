import { describe, expect, it } from 'vitest';
import { DOS_PPS, dosVariant, outboundDos } from './outbound-dos.js';
import { flow, run } from './testing.js';

const T0 = 1_767_600_000;

describe('outbound-dos', () => {
  it('names the variant by protocol and port', () => {
    expect([dosVariant(6, 80), dosVariant(17, 53), dosVariant(17, 443), dosVariant(17, 9999), dosVariant(2, 0)]).toEqual(['Tcp', 'Dns', 'UdpOnTcpPorts', 'Udp', 'UnusualProtocol']);
  });

  it('fires once per minute-bucket on a flood, silent below the rate or inbound', () => {
    const pk = DOS_PPS * 60 / 4;
    const flood = [0, 15, 30, 45].map((s) => ({ kind: 'vpcflow' as const, record: flow('10.0.0.5', '198.51.100.40', 53, T0 + s, { protocol: 17, packets: pk, bytes: pk * 80, end: T0 + s + 10 }) }));
    const out = run(outboundDos, flood);
    expect(out.map((c) => [c.type, c.resourceRole, c.remoteIp])).toEqual([['Backdoor:EC2/DenialOfService.Dns', 'ACTOR', '198.51.100.40']]);
    expect(run(outboundDos, flood.slice(0, 3))).toEqual([]);
    expect(run(outboundDos, flood.map((f) => ({ kind: 'vpcflow' as const, record: { ...f.record, srcAddr: f.record.dstAddr, dstAddr: f.record.srcAddr } })))).toEqual([]);
  });
});

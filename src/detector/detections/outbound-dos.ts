/**
 * outbound-dos: an instance flooding a public host. Sees outbound VPC flows; sums packets per
 * (local IP, remote IP, protocol) over one-minute buckets and fires `Backdoor:EC2/DenialOfService.*`
 * when a minute carries a flood rate: `.Tcp`, `.Udp`, `.Dns` (UDP to 53), `.UdpOnTcpPorts` (UDP to a
 * port normally TCP), `.UnusualProtocol` (neither TCP, UDP nor ICMP).
 */
import type { Detection, DetectionContext, DetectionInstance, DetectorInput, FindingCandidate } from '../types.js';
import { connectionAction, flowTime, instanceResource, orient, resourceIdOf } from './flow-util.js';
import { LruMap } from './util.js';

const NAME = 'outbound-dos';
/** Packets per second sustained over a minute that make a flood. */
export const DOS_PPS = 10_000;
const TCP_PORTS: ReadonlySet<number> = new Set([21, 22, 23, 25, 80, 110, 143, 443, 445, 587, 993, 995, 1433, 3306, 3389, 5432, 8080, 8443]);

interface Bucket { minute: number; packets: number; fired: boolean }

/** The DoS variant of an outbound flow's shape. */
export function dosVariant(protocol: number | undefined, port: number): string {
  if (protocol === 6) return 'Tcp';
  if (protocol === 17) return port === 53 ? 'Dns' : TCP_PORTS.has(port) ? 'UdpOnTcpPorts' : 'Udp';
  return 'UnusualProtocol';
}

class OutboundDosInstance implements DetectionInstance {
  private readonly buckets = new LruMap<string, Bucket>(20_000);
  constructor(private readonly ctx: DetectionContext) {}

  observe(input: DetectorInput, emit: (c: FindingCandidate) => void): void {
    if (input.kind !== 'vpcflow') return;
    const r = input.record;
    const pk = r.packets ?? 0;
    if (pk < 1000 || r.protocol === 1) return;
    const v = orient(r);
    if (!v || v.direction !== 'OUTBOUND' || this.ctx.trustedIp(v.remoteIp)) return;
    const variant = dosVariant(r.protocol, v.remotePort);
    const key = `${v.localIp}|${v.remoteIp}|${variant}`;
    const minute = Math.floor(r.start / 60);
    let b = this.buckets.get(key);
    if (!b || b.minute !== minute) { b = { minute, packets: 0, fired: false }; this.buckets.set(key, b); }
    // A flow spanning several minutes contributes its per-minute share.
    const minutes = Math.max(1, Math.ceil((r.end - r.start + 1) / 60));
    b.packets += pk / minutes;
    if (b.fired || b.packets < DOS_PPS * 60) return;
    b.fired = true;
    const id = resourceIdOf(r, v.localIp);
    const type = `Backdoor:EC2/DenialOfService.${variant}`;
    emit({
      type,
      accountId: r.accountId ?? this.ctx.accountId,
      region: r.extra?.region ?? this.ctx.region,
      resource: instanceResource(r, v.localIp),
      action: connectionAction(this.ctx, r, v),
      title: `${id} is behaving in a manner that may indicate it is being used to perform a Denial of Service (DoS) attack.`,
      description: `${id} sent about ${Math.round(b.packets / 60)} packets per second (${variant}) to ${v.remoteIp} over a minute.`,
      dedupKey: `${type}|${id}|${v.remoteIp}`,
      eventTime: flowTime(r),
      remoteIp: v.remoteIp,
      resourceRole: 'ACTOR',
      detection: NAME,
    });
  }
}

/** The outbound DoS module. */
export const outboundDos: Detection = {
  name: NAME,
  description: `Outbound VPC flows: ${DOS_PPS}+ packets/s for a minute from one local IP to one public host → Backdoor:EC2/DenialOfService.{Tcp,Udp,Dns,UdpOnTcpPorts,UnusualProtocol}.`,
  inputs: ['vpcflow'],
  findingTypes: ['Tcp', 'Udp', 'Dns', 'UdpOnTcpPorts', 'UnusualProtocol'].map((v) => `Backdoor:EC2/DenialOfService.${v}`),
  create: (ctx) => new OutboundDosInstance(ctx),
};

/**
 * port-sweep: an instance probing one port across the internet. Sees outbound VPC flows; fires
 * `Impact:EC2/PortSweep` when one local IP contacts the same destination port on many distinct
 * public hosts in a short time (worm-like scanning for one service). Ports every client talks to
 * many hosts on (HTTP/S, DNS, NTP) are not counted.
 */
import type { Detection, DetectionContext, DetectionInstance, DetectorInput, FindingCandidate } from '../types.js';
import { connectionAction, flowTime, instanceResource, orient, resourceIdOf } from './flow-util.js';
import { DistinctWindow, LruMap } from './util.js';

const NAME = 'port-sweep';
/** Distinct remote hosts on one port within the window that make a sweep. */
export const SWEEP_HOSTS = 64;
const WINDOW_MS = 5 * 60_000;
const CLIENT_PORTS: ReadonlySet<number> = new Set([53, 80, 123, 443, 853]);

class PortSweepInstance implements DetectionInstance {
  private readonly sweeps = new LruMap<string, DistinctWindow>(20_000);
  constructor(private readonly ctx: DetectionContext) {}

  observe(input: DetectorInput, emit: (c: FindingCandidate) => void): void {
    if (input.kind !== 'vpcflow') return;
    const r = input.record;
    if (r.dstPort === undefined || CLIENT_PORTS.has(r.dstPort)) return;
    const v = orient(r);
    if (!v || v.direction !== 'OUTBOUND' || this.ctx.trustedIp(v.remoteIp)) return;
    const key = `${v.localIp}|${v.remotePort}|${r.protocol ?? 0}`;
    let w = this.sweeps.get(key);
    if (!w) { w = new DistinctWindow(WINDOW_MS, SWEEP_HOSTS + 8); this.sweeps.set(key, w); }
    const n = w.add(v.remoteIp, r.start * 1000);
    if (n < SWEEP_HOSTS) return;
    const id = resourceIdOf(r, v.localIp);
    emit({
      type: 'Impact:EC2/PortSweep',
      accountId: r.accountId ?? this.ctx.accountId,
      region: r.extra?.region ?? this.ctx.region,
      resource: instanceResource(r, v.localIp),
      action: connectionAction(this.ctx, r, v),
      title: `${id} is performing a port sweep on port ${v.remotePort}.`,
      description: `${id} contacted port ${v.remotePort} on ${n} different public hosts within 5 minutes.`,
      dedupKey: `Impact:EC2/PortSweep|${id}|${v.remotePort}`,
      eventTime: flowTime(r),
      resourceRole: 'ACTOR',
      detection: NAME,
    });
  }
}

/** The outbound port-sweep module. */
export const portSweep: Detection = {
  name: NAME,
  description: `Outbound VPC flows: one local IP contacting one port on ${SWEEP_HOSTS}+ distinct public hosts within 5 minutes, excluding client ports 53/80/123/443/853 (Impact:EC2/PortSweep).`,
  inputs: ['vpcflow'],
  findingTypes: ['Impact:EC2/PortSweep'],
  create: (ctx) => new PortSweepInstance(ctx),
};

/**
 * port-scan: an instance scanning a host. Sees outbound VPC flows; fires `Recon:EC2/Portscan` when
 * one local IP reaches many distinct ports of one remote host in a short time (a port scan), the
 * instance being the ACTOR. Vulnerability scanners you run do this too: suppress with a filter or
 * trust their targets.
 */
import type { Detection, DetectionContext, DetectionInstance, DetectorInput, FindingCandidate } from '../types.js';
import { connectionAction, flowTime, instanceResource, orient, resourceIdOf } from './flow-util.js';
import { DistinctWindow, LruMap } from './util.js';

const NAME = 'port-scan';
/** Distinct remote ports of one host within the window that make a scan. */
export const SCAN_PORTS = 50;
const WINDOW_MS = 5 * 60_000;

class PortScanInstance implements DetectionInstance {
  private readonly pairs = new LruMap<string, DistinctWindow>(50_000);
  constructor(private readonly ctx: DetectionContext) {}

  observe(input: DetectorInput, emit: (c: FindingCandidate) => void): void {
    if (input.kind !== 'vpcflow') return;
    const r = input.record;
    if (r.dstPort === undefined || (r.protocol !== 6 && r.protocol !== 17)) return;
    const v = orient(r);
    if (!v || v.direction !== 'OUTBOUND' || this.ctx.trustedIp(v.remoteIp)) return;
    const key = `${v.localIp}|${v.remoteIp}`;
    let w = this.pairs.get(key);
    if (!w) { w = new DistinctWindow(WINDOW_MS, SCAN_PORTS + 8); this.pairs.set(key, w); }
    const n = w.add(String(v.remotePort), r.start * 1000);
    if (n < SCAN_PORTS) return;
    const id = resourceIdOf(r, v.localIp);
    emit({
      type: 'Recon:EC2/Portscan',
      accountId: r.accountId ?? this.ctx.accountId,
      region: r.extra?.region ?? this.ctx.region,
      resource: instanceResource(r, v.localIp),
      action: connectionAction(this.ctx, r, v),
      title: `${id} is performing outbound port scans against ${v.remoteIp}.`,
      description: `${id} connected to ${n} different ports of ${v.remoteIp} within 5 minutes.`,
      dedupKey: `Recon:EC2/Portscan|${id}|${v.remoteIp}`,
      eventTime: flowTime(r),
      remoteIp: v.remoteIp,
      resourceRole: 'ACTOR',
      detection: NAME,
    });
  }
}

/** The outbound port-scan module. */
export const portScan: Detection = {
  name: NAME,
  description: `Outbound VPC flows: one local IP reaching ${SCAN_PORTS}+ distinct ports of one remote host within 5 minutes (Recon:EC2/Portscan, ACTOR).`,
  inputs: ['vpcflow'],
  findingTypes: ['Recon:EC2/Portscan'],
  create: (ctx) => new PortScanInstance(ctx),
};
